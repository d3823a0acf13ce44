"""Steps written as text, e.g. ``StartFault(t1, s1)`` or ``SwapOut(s1, v2)``.

The form is the one ``str(Step)`` prints: the actor first (for an actor's
step), then the arguments in the contract's order.  Used by scripted
schedules (tests, ``python -m conformance.simulate --script``).
"""

from __future__ import annotations

import re

from conformance.values import ModelValue

from .system import ACTOR_STEPS, ENV_STEPS, STEP_ARGS, Step

_STEP = re.compile(r"\s*([A-Za-z]+)\s*\(([^)]*)\)\s*")


class ScheduleError(ValueError):
    """A step's text does not parse."""


def parse_step(text: str) -> Step:
    match = _STEP.fullmatch(text)
    if not match:
        raise ScheduleError(f"cannot read {text!r} as a step: write e.g. 'StartFault(t1, s1)' or 'SwapOut(s1, v1)'")
    name, inner = match.group(1), match.group(2)
    words = [w.strip() for w in inner.split(",") if w.strip()]
    if name not in ACTOR_STEPS and name not in ENV_STEPS:
        raise ScheduleError(f"{text!r}: no step is called {name!r}")
    actor = None
    if name in ACTOR_STEPS:
        if not words:
            raise ScheduleError(f"{text!r}: {name} is an actor's step; name the actor first, e.g. {name}(t1)")
        actor, words = ModelValue(words[0]), words[1:]
    keys = STEP_ARGS.get(name, ())
    if len(words) != len(keys):
        raise ScheduleError(f"{text!r}: {name} takes ({', '.join(keys)}) after the actor, got {len(words)} value(s)")
    return Step(name, actor, tuple(sorted((k, ModelValue(w)) for k, w in zip(keys, words))))


_SCHEDULE_ITEM = re.compile(r"[A-Za-z]+\s*\([^)]*\)")
_SEPARATORS = re.compile(r"[\s;]*")


def parse_schedule(text: str) -> list[Step]:
    """Steps separated by whitespace or ';' outside parentheses; anything else is a ScheduleError.

    Text between the steps that is not a separator (``garbage``, an unclosed
    parenthesis) would otherwise be dropped without a word, and a script of
    no steps at all would run nothing.
    """
    steps: list[Step] = []
    pos = 0
    for match in _SCHEDULE_ITEM.finditer(text):
        _reject_between(text, pos, match.start())
        steps.append(parse_step(match.group(0)))
        pos = match.end()
    _reject_between(text, pos, len(text))
    if not steps:
        raise ScheduleError(f"{text!r} has no step: write e.g. 'SwapOut(s1, v1) StartFault(t1, s1)'")
    return steps


def _reject_between(text: str, start: int, end: int) -> None:
    between = text[start:end]
    if not _SEPARATORS.fullmatch(between):
        raise ScheduleError(
            f"cannot read {between.strip()!r} (at character {start + 1} of the script) as a step: "
            "write steps like 'StartFault(t1, s1)', separated by spaces or ';'"
        )
