"""Progress while TLC runs: one live line on a terminal, plain lines otherwise.

TLC 2.15 reports its counts once a minute (``TLCGlobals.progressInterval``
is a constant), so between reports the live line keeps the last counts and
ticks the elapsed time; it never invents numbers.  Colour only on a TTY.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

from gen.bridge.tool_output import Code, Message, progress_counts

_PHASES = {
    Code.TLC_SANY_START: "parsing",
    Code.TLC_STARTING: "starting",
    2189: "initial states",  # TLC_COMPUTING_INIT
    Code.TLC_INIT_GENERATED1: "exploring",
    2192: "liveness",  # TLC_CHECKING_TEMPORAL_PROPS
}


_REPORTS = (Code.TLC_PROGRESS_STATS, Code.TLC_PROGRESS_SIMU)


def _count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


class Progress:
    """Feed it TLC's messages (``on_message``); call ``close()`` when TLC ends."""

    def __init__(self, label: str, stream: TextIO | None = None, *, interactive: bool | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.phase = "starting TLC"
        self.started = time.monotonic()
        self._rate: float | None = None
        self._last: tuple[float, int] | None = None  # (when, generated) at the previous report
        self._counts: tuple[int | None, int | None, int | None] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if self.interactive:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def on_message(self, message: Message) -> None:
        """Take one TLC message; shows a line for each of TLC's progress reports."""
        if message.code not in _REPORTS:
            phase = _PHASES.get(message.code)
            if phase is not None:
                with self._lock:
                    self.phase = phase
                if self.interactive:
                    self._show()
            return
        counts = progress_counts(message)
        if counts is None:
            return
        now = time.monotonic()
        generated = counts[0] or 0
        with self._lock:
            if message.code == Code.TLC_PROGRESS_SIMU:
                self.phase = "simulating"
            self._counts = counts
            # Our own rate between reports: TLC's "s/min" figure is not
            # normalised on its first report (it printed 5,209/s for 78k/s).
            since, before = self._last if self._last is not None else (self.started, 0)
            if now > since and generated >= before:
                self._rate = (generated - before) / (now - since)
            self._last = (now, generated)
        self._show()

    def line(self) -> str:
        """The current progress text (without colour)."""
        elapsed = time.monotonic() - self.started
        text = f"{self.label} {self.phase} {elapsed:.0f}s"
        if self._counts is not None:
            generated, distinct, queue = self._counts
            parts = [f"{distinct:,} distinct"] if distinct is not None else []  # none in simulation
            parts.append(f"{_count(generated)} states")
            if self._rate is not None:
                parts.append(f"{self._rate:,.0f}/s")
            if queue is not None:
                parts.append(f"queue {queue:,}")
            text += ": " + ", ".join(parts)
        return text

    def _show(self) -> None:
        with self._lock:
            text = self.line()
            if self.interactive:
                width = min(79, shutil.get_terminal_size().columns - 1)
                self.stream.write("\r\x1b[2K\x1b[2m" + text[:width] + "\x1b[0m")
            else:
                self.stream.write(text + "\n")
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            self._show()

    def close(self) -> None:
        """Stop the live line and clear it (the caller prints the result)."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.interactive:
            with self._lock:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()


def colour(text: str, code: str, enabled: bool) -> str:
    """``text`` in ANSI colour ``code`` ("32" green, "31" red) when enabled."""
    return f"\x1b[{code}m{text}\x1b[0m" if enabled else text
