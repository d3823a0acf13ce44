"""Every schedule the documentation writes is one conformance.steps reads: docs cannot drift from the text form.

A schedule is a run of steps (``SwapOut(s=s1, v=v1) StartFault(t1, s=s1) ...``),
in backticks, in a code block or in prose: each maximal run of known step
names with their parentheses, across spaces, ``;`` and line breaks.  A call
whose arguments are all formal parameters (``SwapOut(s, v)``, the spec's
action) is the spec's operator, not a step, and is left out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.steps import STEPS, StepSyntaxError, parse_steps

ROOT = Path(__file__).resolve().parents[2]
_NAMES = "|".join(sorted(STEPS, key=len, reverse=True))
_CALL = rf"\b(?:{_NAMES})\s*\([^()]*\)"
_RUN = re.compile(rf"{_CALL}(?:[\s;]*{_CALL})*")
_CALL_ARGS = re.compile(r"\(([^()]*)\)")
_FORMAL = re.compile(r"[A-Za-z_]+")  # a bare parameter name: no value, no "="


def documents() -> list[Path]:
    """The Markdown the project writes: README.md, spec/, conformance/, gen/ and docs/."""
    found = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder in ("spec", "conformance", "gen"):
        found += sorted(
            path
            for path in (ROOT / folder).rglob("*.md")
            if not {"node_modules", "generated", "data"} & set(path.relative_to(ROOT).parts)
        )
    return [path for path in found if path.is_file()]


def _formal(call_arguments: str) -> bool:
    """``s, v``: parameter names only (no value, no ``=``), as in the spec's ``SwapOut(s, v)``."""
    words = [word.strip() for word in call_arguments.split(",")]
    return all(_FORMAL.fullmatch(word) for word in words)


def schedules(text: str) -> list[tuple[int, str]]:
    """(line, text) of each run of steps in ``text``, the spec's action signatures left out."""
    runs = []
    for match in _RUN.finditer(text):
        if all(_formal(arguments) for arguments in _CALL_ARGS.findall(match.group(0))):
            continue
        runs.append((text.count("\n", 0, match.start()) + 1, match.group(0)))
    return runs


def test_the_finder_sees_schedules_and_skips_signatures() -> None:
    text = "run `SwapOut(s=s1, v=v1) StartFault(t1, s=s1)\n  ChargeOk(t1)` ... every `SwapOut(s, v)` edge; WbWrite(k1)."
    assert schedules(text) == [
        (1, "SwapOut(s=s1, v=v1) StartFault(t1, s=s1)\n  ChargeOk(t1)"),
        (2, "WbWrite(k1)"),
    ]
    assert [text for _, text in schedules("old form `SwapOut(s1,v1) StartFault(t1,s1)`")] == [
        "SwapOut(s1,v1) StartFault(t1,s1)"
    ]


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_schedule_in_the_docs_parses(document: Path) -> None:
    failures = []
    for line, schedule in schedules(document.read_text()):
        try:
            parse_steps(schedule)
        except StepSyntaxError as error:
            failures.append(f"{document.relative_to(ROOT)}:{line}: {' '.join(schedule.split())}\n    {error}")
    assert not failures, "schedules in the old or a wrong form:\n" + "\n".join(failures)


def test_the_docs_have_schedules_to_check() -> None:
    found = {path.relative_to(ROOT).as_posix(): schedules(path.read_text()) for path in documents()}
    assert found["conformance/README.md"] and found["conformance/kernel/README.md"]
