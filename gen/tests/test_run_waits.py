"""``gen run`` ends a trace with who waits on whom: the report's words, and what the reference implementation says.

The trace is one TLC found and the project keeps (data/generator/counterexamples_traces.json,
model ``none``: the thread's self-deadlock); no TLC runs here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.config import Config
from conformance.itf import from_itf
from conformance.replay import Replay, step_from_json
from conformance.system import System
from conformance.values import ModelValue, TlaValue
from gen.bridge.outcomes import ErrorTrace, InvariantViolated, Stats, TraceState
from gen.bridge.tlc import TlcRun
from gen.bridge.tool_output import ToolOutput
from gen.review.trace_view import writeback_skips_pinned_in
from gen.run import describe, final_waits

DATA = Path(__file__).parent / "data" / "generator"
SPEC = Path(__file__).resolve().parents[2] / "spec"


def recorded(model: str) -> dict[str, Any]:
    traces: list[dict[str, Any]] = json.loads((DATA / "counterexamples_traces.json").read_text())
    return next(trace for trace in traces if trace["model"] == model)


def states_of(trace: dict[str, Any]) -> list[dict[str, TlaValue]]:
    return [{name: from_itf(value) for name, value in state.items()} for state in trace["states"]]


def error_trace(trace: dict[str, Any]) -> ErrorTrace:
    steps = ["Initial predicate"] + [step["name"] for step in trace["steps"]]
    return ErrorTrace(tuple(TraceState(n + 1, a, None, s) for n, (a, s) in enumerate(zip(steps, states_of(trace)))))


def config_of(trace: dict[str, Any]) -> Config:
    """The trace's Config from its JSON form (lists for the tuples and the bug set)."""
    fields: dict[str, Any] = {
        k: frozenset(v) if k == "bugs" else tuple(v) if isinstance(v, list) else v for k, v in trace["config"].items()
    }
    return Config(**fields)


def test_the_self_deadlock_ends_with_the_wait_the_reference_sees() -> None:
    trace = recorded("none")
    output = ToolOutput(InvariantViolated("NoSelfWait"), Stats(100, 50, 0, 6), (error_trace(trace),), 12)
    text = describe(TlcRun(("java",), output, 1.0, Path("/nonexistent"), False, 0, ""))
    last = text.splitlines()[-1]
    assert last == "  at the end: t1 waits on the pin it holds (s1)"

    # The reference implementation, driven along the same steps, blocks t1 on s1, held by t1 itself.
    states = states_of(trace)
    replay = Replay(System(config_of(trace)), lambda i: states[i], lambda i: None, 0)
    for number, step in enumerate(trace["steps"], 1):
        taken = step_from_json(step)
        replay.step(taken.name, taken.actor, then=number, **dict(taken.args))
    t1, s1 = ModelValue("t1"), ModelValue("s1")
    assert replay.system.blocked() == {t1: frozenset({t1})}
    assert replay.system.holders(s1) == frozenset({t1})


def test_no_wait_no_line_and_writeback_that_skips_does_not_wait() -> None:
    stale = error_trace(recorded("bug_04fc7816089c"))  # ends mapping stale data: nobody waits
    assert final_waits(stale) == []
    deadlock = error_trace(recorded("none"))
    # skip_if_exists: writeback gives up on a held pin, so its frame at prepare is no wait (this trace's
    # writeback is at prepare on t1's own pin).
    assert final_waits(deadlock, skip_if_exists=True) == []
    assert writeback_skips_pinned_in(SPEC / "models" / "skip_if_exists.cfg")
    assert not writeback_skips_pinned_in(SPEC / "models" / "none.cfg")
