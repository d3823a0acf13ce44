"""Edge recovery from state differences, and replay's mismatch messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.config import Config
from conformance.replay import Replay, ReplayMismatch, describe_difference
from conformance.steps import Step, parse_step
from conformance.system import System
from conformance.values import FnValue, ModelValue, TlaValue
from gen.generators.edges import ACTOR_STEPS, FOLDED_STEPS, EdgeRecoveryError, recover_step

t1, t2, s1, s2, v1 = (ModelValue(n) for n in ("t1", "t2", "s1", "s2", "v1"))
NO_DATA, NO_FOLIO, NO_ENTRY = ModelValue("NoData"), ModelValue("NoFolio"), ModelValue("NoEntry")


def state(
    stack: dict[ModelValue, tuple[FnValue, ...]] | None = None, pages: dict[ModelValue, ModelValue] | None = None
) -> dict[str, TlaValue]:
    per_slot = FnValue({s1: NO_DATA, s2: NO_DATA})
    return {
        "stack": FnValue(stack or {t1: (), t2: ()}),
        "swap_map": FnValue({s: FnValue({"count": 0, "has_cache": False}) for s in (s1, s2)}),
        "swapped_page": FnValue(pages) if pages else per_slot,
        "swap_cache": FnValue({s1: NO_FOLIO, s2: NO_FOLIO}),
        "zswap_tree": FnValue({s1: NO_ENTRY, s2: NO_ENTRY}),
        "swap_device": per_slot,
        "zswap_lru": (),
    }


def frame(slot: ModelValue) -> FnValue:
    return FnValue({"fn": "do_swap_page", "slot": slot, "page": v1, "pc": "lookup", "lru_removed": False})


def test_actor_and_slot_come_from_the_changed_stack() -> None:
    after = state({t1: (), t2: (frame(s2),)})
    assert recover_step("StartFault", state(), after, "e") == Step("StartFault", t2, (("s", s2),))


def test_environment_step_takes_the_changed_slot_and_version() -> None:
    after = state(pages={s1: NO_DATA, s2: v1})
    assert recover_step("SwapOut", state(), after, "e") == Step("SwapOut", None, (("s", s2), ("v", v1)))


def test_two_changed_actors_is_an_error_naming_the_edge() -> None:
    after = state({t1: (frame(s1),), t2: (frame(s2),)})
    with pytest.raises(EdgeRecoveryError, match=r"edge 7: StartFault must change exactly one actor's `stack`.*t1, t2"):
        recover_step("StartFault", state(), after, "edge 7")


def test_a_waiter_moved_to_hit_gone_is_not_the_actor() -> None:
    """MapFolio by t1 takes the folio t2 waits on out of the swap cache: t2 goes to hit_gone, t1 took the step."""
    mapping = FnValue({**frame(s1), "pc": "map"})
    waiting = FnValue({**frame(s1), "pc": "hit_wait"})
    before = state({t1: (mapping,), t2: (waiting,)})
    after = state({t1: (), t2: (FnValue({**waiting, "pc": "hit_gone"}),)})
    assert recover_step("MapFolio", before, after, "e") == Step("MapFolio", t1)


def test_a_waiter_moved_to_hit_stranded_is_not_the_actor() -> None:
    """Bug e3b63e966cac: t2's folio leaves the swap cache still locked (hit_stranded); t1 took the step."""
    writeback = FnValue({"fn": "zswap_writeback_entry", "entry": FnValue({"slot": s1, "data": v1}), "pc": "write"})
    waiting = FnValue({**frame(s1), "pc": "hit_wait"})
    walk = FnValue({"fn": "shrink_memcg_cb", "budget": 1})
    before = state({t1: (walk, writeback), t2: (waiting,)})
    after = state({t1: (walk,), t2: (FnValue({**waiting, "pc": "hit_stranded"}),)})
    assert recover_step("WbEntryGone", before, after, "e") == Step("WbEntryGone", t1)


def test_no_changed_slot_is_an_error() -> None:
    with pytest.raises(EdgeRecoveryError, match="changed no slot"):
        recover_step("FreeSlot", state(), state(), "edge 3")


def test_an_environment_step_that_moves_an_actor_is_an_error() -> None:
    with pytest.raises(EdgeRecoveryError, match="environment step but changed `stack`"):
        recover_step("FreeSlot", state(), state({t1: (frame(s1),), t2: ()}), "edge 3")


def test_a_folded_step_is_its_actors_step() -> None:
    charging = frame(s1)
    before = state({t1: (FnValue({**charging, "pc": "charge"}),), t2: ()})
    after = state({t1: (FnValue({**charging, "pc": "read"}),), t2: ()})
    assert recover_step("ChargeOkAddToSwapCache", before, after, "e") == Step("ChargeOkAddToSwapCache", t1)


def test_every_folded_step_is_an_operator_of_mczswap_made_of_contract_steps() -> None:
    mc = (Path(__file__).parents[2] / "spec" / "MCZswap.tla").read_text()
    for label, steps in FOLDED_STEPS.items():
        assert re.search(rf"^{label}\(\w+\) ==", mc, re.MULTILINE), f"{label} is not defined in spec/MCZswap.tla"
        assert len(steps) > 1 and set(steps) <= ACTOR_STEPS, (label, steps)


def test_an_unknown_action_is_an_error_naming_it() -> None:
    with pytest.raises(EdgeRecoveryError, match="'Teleport' has no step in the contract"):
        recover_step("Teleport", state(), state(), "edge 1")


def test_differences_name_the_path_down_to_the_field() -> None:
    want = FnValue({t1: (frame(s1),)})
    got = FnValue({t1: (FnValue({**frame(s1), "pc": "charge"}),)})
    assert describe_difference("stack", want, got) == ['stack[t1][1].pc: TLC "lookup", implementation "charge"']


def test_step_text_round_trips() -> None:
    for step in (Step("SwapOut", None, (("s", s1), ("v", v1))), Step("ChargeOk", t2, ())):
        assert parse_step(str(step)) == step


def fresh_system() -> System:
    return System(Config(tasks=("t1",), shrinkers=(), slots=("s1",), versions=("v1",), variant="none"))


def test_a_mismatch_says_which_step_what_is_extra_and_missing_and_the_trace_so_far() -> None:
    probe = fresh_system()
    initial = probe.observe()
    probe.step("SwapOut", s=s1, v=v1)
    after = probe.observe()
    # TLC's side, deliberately wrong about state 1: it claims ChargeFail(t1) and not StartFault.
    states = {0: initial, 1: after}
    edges = {
        0: frozenset({Step("SwapOut", None, (("s", s1), ("v", v1)))}),
        1: frozenset({Step("ChargeFail", t1), Step("FreeSlot", None, (("s", s1),))}),
    }
    run = Replay(fresh_system(), states.__getitem__, edges.__getitem__, 0)
    with pytest.raises(ReplayMismatch) as caught:
        run.step("SwapOut", s=s1, v=v1, then=1)
    message = str(caught.value)
    assert "step 1, SwapOut(s=s1, v=v1): enabled() differs from TLC's edges out of state 1" in message
    assert "extra (the implementation offers it, TLC has no such edge): StartFault(t1, s=s1)" in message
    assert "missing (TLC takes it, the implementation does not offer it): ChargeFail(t1)" in message
    assert "trace so far:\n  1. SwapOut(s=s1, v=v1)" in message


def test_a_state_mismatch_names_the_variable_and_key() -> None:
    probe = fresh_system()
    initial = probe.observe()
    probe.step("SwapOut", s=s1, v=v1)
    wrong = dict(probe.observe(), swapped_page=FnValue({s1: NO_DATA}))
    run = Replay(fresh_system(), {0: initial, 1: wrong}.__getitem__, lambda _: None, 0)
    with pytest.raises(ReplayMismatch, match=r"swapped_page\[s1\]: TLC NoData, implementation v1"):
        run.step("SwapOut", s=s1, v=v1, then=1)


def test_a_refused_step_is_a_mismatch_with_the_reason() -> None:
    run = Replay(fresh_system(), {0: fresh_system().observe()}.__getitem__, lambda _: None, 0)
    with pytest.raises(
        ReplayMismatch,
        match=r"(?s)step 1, FreeSlot\(s=s1\): the implementation refused it.*"
        r"NotEnabled.*not in use",
    ):
        run.step("FreeSlot", s=s1, then=0)
