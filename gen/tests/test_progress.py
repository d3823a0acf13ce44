"""The progress display: live line on a terminal, plain lines otherwise."""

from __future__ import annotations

import io

from gen.bridge.progress import Progress
from gen.bridge.tool_output import Message, MessageClass

REPORT = Message(
    2200,
    MessageClass.INFO,
    "Progress(12) at 2026-11-26 04:23:18: 1,234,567 states generated (600,000 s/min), "
    "89,012 distinct states found (3 ds/min), 345 states left on queue.",
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress("none", stream)
    progress.on_message(Message(2190, MessageClass.INFO, "Finished computing initial states"))
    assert stream.getvalue() == ""  # only TLC's progress reports make lines
    progress.on_message(REPORT)
    progress.close()
    (line,) = stream.getvalue().splitlines()
    assert line.startswith("none exploring ")
    assert ": 89,012 distinct, 1,234,567 states, " in line and line.endswith("/s, queue 345")
    rate = int(line.split("states, ")[1].split("/s")[0].replace(",", ""))
    assert rate > 1_234_567  # all of them since the start, well under a second ago
    assert "\x1b" not in line


def test_live_line_on_a_terminal() -> None:
    stream = Terminal()
    progress = Progress("none", stream)
    assert progress.interactive
    progress.on_message(Message(2192, MessageClass.INFO, "Checking temporal properties"))
    progress.on_message(REPORT)
    progress.close()
    text = stream.getvalue()
    assert "\r\x1b[2K" in text and "\n" not in text
    assert "none liveness 0s: 89,012 distinct" in text and "queue 345" in text
    assert text.endswith("\r\x1b[2K")  # the line is cleared for the result


def test_simulation_has_no_distinct_count() -> None:
    stream = io.StringIO()
    progress = Progress("sim", stream)
    progress.on_message(
        Message(
            2209,
            MessageClass.INFO,
            "Progress(-1) at x: 66 states generated, -1 distinct states found, -1 states left on queue.",
        )
    )
    assert "sim simulating" in stream.getvalue() and ": 66 states" in stream.getvalue()
    assert "distinct" not in stream.getvalue() and "queue" not in stream.getvalue()
