"""Reading steps, pins and waits off hand-made traces shaped like the contract's state."""

from __future__ import annotations

import pytest

from conformance.values import function_of
from gen.review.trace_view import StateStep, TraceViewError, Wait, describe_waits, view_steps, waits_in
from gen.tests.report_traces import (
    M,
    abba_deadlock,
    at,
    folio,
    pin,
    seed_deadlock,
    swapin,
    writeback,
    writeback_and_free,
)


def test_seed_deadlock_steps() -> None:
    steps = view_steps(seed_deadlock())
    assert [(s.number, s.action, s.actor, s.slot) for s in steps] == [
        (1, "SwapOut", None, "s1"),
        (2, "StartFault", "t1", "s1"),
        (3, "SwapcachePrepare", "t1", "s1"),
        (4, "ChargeReclaim", "t1", "s1"),
        (5, "LruIsolate", "t1", "s1"),
    ]
    prepare = steps[2]
    assert [str(c) for c in prepare.changes] == [
        "t1 do_swap_page(s1).pc: lookup → charge",
        "swap_map[s1].has_cache: F → T",
    ]
    assert prepare.pins_taken == ("s1",) and prepare.touches_shared
    assert not steps[1].touches_shared  # StartFault moves only t1's stack
    assert [str(c) for c in steps[4].changes] == [
        "t1 shrink_memcg_cb.budget: 1 → 0",
        "t1 push zswap_writeback_entry(s1:v1) @prepare",
        "zswap_lru: ⟨s1:v1⟩ → ⟨⟩",
    ]


def test_seed_deadlock_final_state() -> None:
    waits = waits_in(seed_deadlock()[-1].state)
    assert waits == [Wait("t1", "s1", "t1", "pin")]
    assert describe_waits(waits) == ["t1 waits on the pin it holds (s1)"]


def test_skip_if_exists_writeback_does_not_wait() -> None:
    assert waits_in(seed_deadlock()[-1].state, skip_if_exists=True) == []


def test_abba_final_state_is_a_cycle() -> None:
    waits = waits_in(abba_deadlock()[-1].state)
    assert waits == [Wait("t1", "s2", "t2", "pin"), Wait("t2", "s1", "t1", "pin")]
    assert describe_waits(waits) == ["t1 waits on t2 (s2); t2 waits on t1 (s1): a cycle of 2"]


def test_waiting_on_a_locked_folio_and_on_a_running_task() -> None:
    # t2 found t1's locked folio (t1 is reading it in): t2 waits, t1 does not.
    state = dict(seed_deadlock()[1].state)  # s1 swapped out, everyone idle
    state = at(pin(state, "s1", True), "swap_cache", "s1", folio(locked=True, uptodate=False))
    state = at(state, "stack", "t1", (swapin("s1", "v1", "read"),))
    state = at(state, "stack", "t2", (swapin("s1", "v1", "hit_wait"),))
    waits = waits_in(state)
    assert waits == [Wait("t2", "s1", "t1", "folio lock")]
    assert describe_waits(waits) == ["t2 waits on t1 for s1's folio lock"]


def test_a_page_already_brought_in_is_not_a_wait() -> None:
    # PteChanged is enabled, so the task at lookup is not blocked on the held pin.
    state = dict(seed_deadlock()[-1].state)
    state = at(state, "swapped_page", "s1", M("v9"))  # another task mapped it; s1 was reused
    state = at(state, "stack", "t1", (swapin("s1", "v1", "lookup"),))
    assert waits_in(state) == []


def test_environment_steps_name_their_slot() -> None:
    steps = view_steps(writeback_and_free())
    assert [(s.action, s.actor, s.slot, s.pins_taken, s.pins_released) for s in steps] == [
        ("ShrinkWorker", "k1", None, (), ()),
        ("LruIsolate", "k1", "s1", (), ()),
        ("WbAllocFolio", "k1", "s1", ("s1",), ()),
        ("WbWrite", "k1", "s1", (), ()),
        ("DropCleanFolio", None, "s1", (), ("s1",)),
        ("FreeSlot", None, "s1", (), ()),
    ]
    assert "k1 pop zswap_writeback_entry(s1:v1) @write" in [str(c) for c in steps[3].changes]


def test_two_actors_in_one_step_is_reported() -> None:
    trace = abba_deadlock()
    merged = StateStep("StartFault", {**trace[2].state, "stack": trace[5].state["stack"]})
    with pytest.raises(TraceViewError, match="changed t1, t2: cannot tell who took the step"):
        view_steps([trace[0], merged])


def test_a_step_outside_the_contract_is_reported() -> None:
    trace = seed_deadlock()
    with pytest.raises(TraceViewError, match="'Teleport' has no step in the contract"):
        view_steps([trace[0], StateStep("Teleport", trace[1].state)])


def test_states_without_the_contract_variables_are_reported() -> None:
    with pytest.raises(TraceViewError, match="spec/README.md"):
        view_steps([StateStep("Init", {"x": 1}), StateStep("Next", {"x": 2})])


def test_writeback_frame_at_write_holds_its_slot() -> None:
    state = dict(writeback_and_free()[3].state)  # k1 at pc write on s1, pin held
    state = at(state, "stack", "t1", (swapin("s1", "v1", "lookup"),))
    state = at(state, "swap_cache", "s1", M("NoFolio"))  # as if before WbAllocFolio's folio
    assert waits_in(state) == [Wait("t1", "s1", "k1", "pin")]
    assert writeback("s1", "v1", "write") in function_of(state, "stack")[M("k1")]
