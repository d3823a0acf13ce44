"""Steps in words for the generated files: the walk's sentence and each action's line in Zswap.tla.

Shared by the walk modules (:mod:`gen.generators.generate`) and the
counterexamples (:mod:`gen.generators.counterexamples`); the words
themselves are a column of the step table, ``conformance.steps``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

from conformance.steps import STEP_WORDS, Step
from conformance.tla_text import format_value
from gen.bridge import paths


def action_lines(protocol: Path = paths.PROTOCOL) -> dict[str, int]:
    """The line of each action's definition in Zswap.tla (``Name(args) ==`` at a line start)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(protocol.read_text().splitlines(), 1):
        match = re.match(r"([A-Z][A-Za-z]*)(\([^)]*\))?\s*==", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def describe_walk(steps: Sequence[Step], ends_stuck: bool) -> str:
    """The walk in words: one clause per step, wrapped for a docstring."""
    clauses = []
    for step in steps:
        words = STEP_WORDS.get(step.name, step.name)
        args = {k: format_value(v) for k, v in step.args}
        clauses.append(words.format(a=step.actor.name if step.actor else "", **args))
    text = "; ".join(clauses) + "."
    if ends_stuck:
        text += " No step is left: every actor is idle or blocked."
    return textwrap.fill(text, width=92, subsequent_indent="    ", break_on_hyphens=False)
