"""Counterexamples as Mermaid ``sequenceDiagram`` text (GitHub renders it).

One lifeline per actor that takes a step (an idle actor of the model would
only widen the picture), one for the environment when the trace has
environment steps, and one for the shared structures.  Each step is labelled
with its number in the step table under the diagram: an arrow to the shared
lifeline when the step changed a shared structure, a note beside the actor
when it only moved the actor's own program counter (Mermaid draws a
self-arrow's label across the lifeline and over the step-number circle of
``autonumber``, so neither is used).  A note marks each pin
(``SWAP_HAS_CACHE``) taken or released; the last note calls out the final
state.

Every piece of text from a trace goes through :func:`escape`, which leaves
only characters that mean nothing to Mermaid's lexer and writes the rest
as Mermaid entity codes (``#59;``), so no action name, model value or
property name can break a diagram.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gen.bridge import paths
from gen.review.trace_view import StepView

__all__ = [
    "SHARED_LIFELINE",
    "MermaidRenderError",
    "escape",
    "render",
    "renderer_missing",
    "sequence_diagram",
    "unescape",
]

# What the shared lifeline stands for; its text is the header of that lifeline.
SHARED_LIFELINE = "swap cache · zswap tree + LRU · swap device"
ENVIRONMENT_LIFELINE = "environment"

# Characters Mermaid's sequence-diagram lexer treats as plain text anywhere a
# label may appear (participant alias, message, note).  Everything else,
# including ';' (statement separator), '#' (entity code), '%' (comment),
# ':' (message separator), '<' '>' '&' (HTML), quotes, braces and line
# breaks, is written as a numeric entity code.
_PLAIN = re.compile(r"[A-Za-z0-9 _.,()\[\]=+*/@!?'-]")
_ENTITY = re.compile(r"#(\d+);")


def escape(text: str) -> str:
    """``text`` as a Mermaid label that renders as exactly ``text``."""
    out = [ch if _PLAIN.fullmatch(ch) else f"#{ord(ch)};" for ch in text]
    escaped = "".join(out)
    # Mermaid trims labels; keep leading/trailing spaces visible as entities.
    if escaped.startswith(" "):
        escaped = "#32;" + escaped[1:]
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "#32;"
    return escaped


def unescape(label: str) -> str:
    """The text a label produced by :func:`escape` stands for (its inverse)."""
    return _ENTITY.sub(lambda match: chr(int(match.group(1))), label)


def _participant_ids(names: Sequence[str]) -> dict[str, str]:
    """Mermaid identifiers for lifelines: ASCII, never a keyword, unique."""
    ids: dict[str, str] = {}
    for name in names:
        base = "a_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
        candidate, suffix = base, 2
        while candidate in ids.values():
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        ids[name] = candidate
    return ids


def _step_label(step: StepView) -> str:
    """The step's number (as in the step table) and its action and slot."""
    return escape(f"{step.number} · {step.action}" + (f" {step.slot}" if step.slot else ""))


def sequence_diagram(
    actors: Sequence[str],
    steps: Sequence[StepView],
    final_notes: Sequence[str] = (),
    *,
    loop_from: int | None = None,
) -> str:
    """The Mermaid text of one counterexample (no surrounding code fence).

    ``actors``: every actor of the model in lifeline order (those that take
    no step get no lifeline); ``final_notes``: sentences about the final
    state, drawn across all lifelines; ``loop_from``: for a liveness
    counterexample, the number of the first step of the part that repeats
    forever (drawn inside a ``loop`` box).
    """
    unknown = sorted({step.actor for step in steps if step.actor is not None} - set(actors))
    if unknown:
        raise ValueError(f"steps by actors with no lifeline: {', '.join(unknown)}; pass every actor of the model")
    acting = {step.actor for step in steps}
    shown = [actor for actor in actors if actor in acting]
    has_environment = None in acting
    ids = _participant_ids(shown)
    shared, environment = "shared", "env"
    lines = ["sequenceDiagram"]
    for actor in shown:
        lines.append(f"    participant {ids[actor]} as {escape(actor)}")
    if has_environment:
        lines.append(f"    participant {environment} as {escape(ENVIRONMENT_LIFELINE)}")
    lines.append(f"    participant {shared} as {escape(SHARED_LIFELINE)}")

    for step in steps:
        if step.number == loop_from:
            lines.append(f"    loop {escape('repeats forever')}")
        source = ids[step.actor] if step.actor is not None else environment
        indent = "        " if loop_from is not None and step.number >= loop_from else "    "
        if step.touches_shared:
            lines.append(f"{indent}{source}->>{shared}: {_step_label(step)}")
        else:
            lines.append(f"{indent}Note right of {source}: {_step_label(step)}")
        pin_notes = [f"pins {slot}" for slot in step.pins_taken] + [f"unpins {slot}" for slot in step.pins_released]
        if pin_notes:
            lines.append(f"{indent}Note over {source}: {escape(', '.join(pin_notes))}")

    if loop_from is not None and any(step.number >= loop_from for step in steps):
        lines.append("    end")
    first = ids[shown[0]] if shown else (environment if has_environment else shared)
    for sentence in final_notes:
        lines.append(f"    Note over {first},{shared}: {escape(sentence)}")
    return "\n".join(lines) + "\n"


# --- Rendering with the real mermaid-cli (browser tests, docs/ pictures) ---

MERMAID_CLI_DIR = paths.MERMAID_CLI_DIR
MMDC = MERMAID_CLI_DIR / "node_modules" / ".bin" / "mmdc"
PUPPETEER_CONFIG = MERMAID_CLI_DIR / "puppeteer.json"
CHROMIUM = Path("/usr/bin/chromium")


class MermaidRenderError(RuntimeError):
    """mermaid-cli is missing, or it rejected a diagram."""


def renderer_missing() -> str | None:
    """Why :func:`render` cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: run `bash gen/mermaid-cli/install.sh` (installs Debian's chromium)"
    if not MMDC.exists():
        return f"{MMDC} not found: run `bash gen/mermaid-cli/install.sh` (installs @mermaid-js/mermaid-cli)"
    if shutil.which("node") is None:
        return "node not found: install Node.js (`apt-get install nodejs`), then `bash gen/mermaid-cli/install.sh`"
    return None


def render(diagram: str, output: Path, *, timeout: float = 120.0) -> None:
    """Render Mermaid text to ``output`` (.svg or .png) with mermaid-cli and Chromium.

    Raises :class:`MermaidRenderError` with mermaid's own message when the
    diagram does not parse or render.  ``output`` appears only on success
    (rendered to a temporary name, then renamed).
    """
    missing = renderer_missing()
    if missing:
        raise MermaidRenderError(missing)
    output = output.resolve()  # mmdc runs in the scratch folder
    output.parent.mkdir(parents=True, exist_ok=True)
    # Scratch beside the output, so the final rename never crosses file systems.
    with tempfile.TemporaryDirectory(prefix=".mmdc-", dir=output.parent) as scratch:
        source = Path(scratch) / "diagram.mmd"
        source.write_text(diagram)
        rendered = Path(scratch) / f"diagram{output.suffix}"
        try:
            result = subprocess.run(
                [str(MMDC), "--quiet", "-p", str(PUPPETEER_CONFIG), "-i", str(source), "-o", str(rendered)]
                # Twice the pixels for pictures, so text stays sharp in the README.
                + (["--scale", "2"] if output.suffix == ".png" else []),
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=scratch,
            )
        except subprocess.TimeoutExpired as error:
            raise MermaidRenderError(
                f"mermaid-cli took over {timeout:.0f} s: check that {CHROMIUM} starts (`{CHROMIUM} --headless --no-sandbox --dump-dom about:blank`)"
            ) from error
        if result.returncode != 0 or not rendered.exists():
            message = (result.stderr or result.stdout).strip().splitlines()
            # mermaid's message is the first lines; the rest is a JS stack trace.
            summary = "\n".join(line for line in message if not line.lstrip().startswith("at "))[:2000]
            raise MermaidRenderError(
                f"mermaid-cli could not render the diagram:\n{summary}\n--- diagram ---\n{diagram}"
            )
        os.replace(rendered, output)
