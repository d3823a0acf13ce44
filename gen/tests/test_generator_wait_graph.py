"""TLC's printed BlockedOn/Holds tied to graph states, and replay holding blocked()/holders() to them."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.replay import Replay, ReplayMismatch
from conformance.values import FnValue, ModelValue
from gen.generators.wait_graph import WaitGraphError, read_wait_graph, spec_variable_order

t1, k1, s1 = ModelValue("t1"), ModelValue("k1"), ModelValue("s1")
# Two variables, printed in the spec's order (b, a) while the graph keeps (a, b).
OUTPUT = "\n".join(
    [
        "Starting...",
        '<<"wait-graph", <<1, (s1 :> 0)>>, [blocked |-> {}, holds |-> {}]>>',
        '<<"wait-graph", <<2, (s1 :> 0)>>, [blocked |-> {<<k1, s1>>}, holds |-> {<<t1, s1>>}]>>',
        "Finished.",
    ]
)
STATES = ((FnValue({s1: 0}), 2), (FnValue({s1: 0}), 1))


def test_each_state_gets_the_verdict_printed_with_its_values() -> None:
    rows = read_wait_graph(OUTPUT, ("b", "a"), ("a", "b"), STATES)
    assert rows == (((("k1", "s1"),), (("t1", "s1"),)), ((), ()))


def test_a_state_without_a_printed_verdict_is_an_error() -> None:
    with pytest.raises(WaitGraphError, match="1 of 3 states"):
        read_wait_graph(OUTPUT, ("b", "a"), ("a", "b"), (*STATES, (FnValue({s1: 1}), 1)))


def test_a_garbled_line_is_an_error_naming_its_line() -> None:
    with pytest.raises(WaitGraphError, match="line 2"):
        read_wait_graph('x\n<<"wait-graph", <<1, >>', ("b", "a"), ("a", "b"), STATES)


def test_the_variable_order_is_the_specs_vars_tuple() -> None:
    text = "---- MODULE M ----\nvars == <<swap_map, stack,\n          zswap_lru>>\n===="
    assert spec_variable_order(text) == ("swap_map", "stack", "zswap_lru")
    with pytest.raises(WaitGraphError, match="vars"):
        spec_variable_order("no vars here")


class OneStateSystem:
    """A system of one state that waits as it is told."""

    def __init__(self, blocked: dict[ModelValue, frozenset[ModelValue]], holders: frozenset[ModelValue]) -> None:
        self._blocked, self._holders = blocked, holders

    def observe(self) -> dict[str, Any]:
        return {"swap_map": FnValue({s1: 0})}

    def enabled(self) -> list[Any]:
        return []

    def step(self, name: str, actor: ModelValue | str | None = None, **args: Any) -> None:
        raise AssertionError("not used")

    def copy(self) -> OneStateSystem:
        return self  # one state: a copy is the same system

    def blocked(self) -> dict[ModelValue, frozenset[ModelValue]]:
        return self._blocked

    def holders(self, slot: ModelValue) -> frozenset[ModelValue]:
        return self._holders


def replay_of(system: OneStateSystem) -> Replay:
    row = ((("k1", "s1"),), (("t1", "s1"),))  # k1 waits on s1, which t1 holds
    return Replay(system, lambda i: system.observe(), lambda i: frozenset(), 0, waits=lambda i: row)


def test_replay_accepts_a_system_that_waits_as_tlc_says() -> None:
    replay_of(OneStateSystem({k1: frozenset({t1})}, frozenset({t1})))


@pytest.mark.parametrize(
    ("blocked", "holders", "message"),
    [
        ({}, frozenset({t1}), "blocked\\(\\) is nobody waits, TLC's BlockedOn/Holds say k1 waits on \\{t1\\}"),
        ({k1: frozenset({t1})}, frozenset(), "holders\\(s1\\) is \\{\\}, TLC's Holds says \\{t1\\}"),
    ],
    ids=["nobody-blocked", "no-holder"],
)
def test_replay_reports_a_system_that_waits_otherwise(
    blocked: dict[ModelValue, frozenset[ModelValue]], holders: frozenset[ModelValue], message: str
) -> None:
    with pytest.raises(ReplayMismatch, match=message):
        replay_of(OneStateSystem(blocked, holders))
