"""swapoff(2) in the reference implementation: the traces of bug_5878303c5353 and swapoff_rotate_poison."""

from __future__ import annotations

import dataclasses

import pytest

from conformance.config import Config
from conformance.steps import parse_steps
from conformance.system import System
from conformance.tests import properties as p
from conformance.values import ModelValue, function_of
from conformance.zswap import UseAfterFree

SWAPOFF = Config(tasks=(), shrinkers=("k1",), swapoffs=("o1",), slots=("s1",), versions=("v1", "v2"), scan_budget=2)

# TLC's trace of bug_5878303c5353 (Yosry's race: list_lru_isolate, zswap_invalidate, zswap_swapoff, spin_lock(&tree->lock)).
RACE = "SwapOut(s=s1, v=v1) ShrinkWorker(k1) SwapoffStart(o1) LruIsolate(k1) FreeSlot(s=s1) ZswapSwapoff(o1)"


def run(config: Config, schedule: str) -> System:
    system = System(config)
    for step in parse_steps(schedule):
        system.step(step.name, step.actor, **dict(step.args))
    return system


def test_v68_writeback_touches_the_freed_tree() -> None:
    system = run(dataclasses.replace(SWAPOFF, variant="skip_if_exists"), RACE)
    assert p.tree_empty_at_swapoff(system.observe())
    with pytest.raises(UseAfterFree):
        system.step("WbSlotFreed", "k1")


@pytest.mark.parametrize("bugs", [frozenset(), frozenset({"5878303c5353"})])
def test_612_writeback_touches_no_tree_unless_the_bug_is_back(bugs: frozenset[str]) -> None:
    # 6.12's LruIsolate gives the referenced entry its second chance and takes it in one step (budget 2).
    system = run(dataclasses.replace(SWAPOFF, variant="rotate", bugs=bugs), RACE)
    if bugs:
        with pytest.raises(UseAfterFree):
            system.step("WbSlotFreed", "k1")
    else:
        system.step("WbSlotFreed", "k1")  # get_swap_device() fails: -ENOMEM, no tree touched
        assert [f.FN for f in system.mm.frames(0)] == ["shrink_memcg_cb"]  # k1's writeback failed


def test_612_unuse_poisons_the_reused_slot() -> None:
    """swapoff_rotate_poison's trace: unuse_pte() of the folio writeback's failed re-check dropped."""
    system = run(
        dataclasses.replace(SWAPOFF, variant="rotate", scan_budget=1),
        "SwapOut(s=s1, v=v1) ShrinkWorker(k1) ShrinkDone(k1) ShrinkWorker(k1) LruIsolate(k1) FreeSlot(s=s1) "
        "SwapOut(s=s1, v=v2) SwapoffStart(o1) UnuseSlot(o1, s=s1) WbAllocFolio(k1) SwapCacheHit(o1) WbEntryGone(k1)",
    )
    before = system.observe()
    (poison,) = [s for s in system.enabled() if s.name == "UnusePoison"]
    system.step("UnusePoison", "o1")
    after = system.observe()
    assert not p.unuse_never_poisons(before, poison, after)
    assert system.mm.swapped_page == (None,) and system.mm.zswap_tree == (None,)  # v2's data is gone


def test_v618_unuse_leaves_the_reused_slot_alone() -> None:
    """The same trace with v6.18's re-check (ae38eb210590): unuse_pte() returns 0, the slot is swapped in later."""
    system = run(
        dataclasses.replace(SWAPOFF, variant="rotate", scan_budget=1, unuse_matches_swap_entry=True),
        "SwapOut(s=s1, v=v1) ShrinkWorker(k1) ShrinkDone(k1) ShrinkWorker(k1) LruIsolate(k1) FreeSlot(s=s1) "
        "SwapOut(s=s1, v=v2) SwapoffStart(o1) UnuseSlot(o1, s=s1) WbAllocFolio(k1) SwapCacheHit(o1) WbEntryGone(k1)",
    )
    assert {s.name for s in system.enabled()} == {"ShrinkDone", "UnuseFolioGone"}  # no UnusePoison
    system.step("UnuseFolioGone", "o1")
    assert system.mm.swapped_page == ("v2",) and system.mm.zswap_tree[0] is not None  # v2 still swapped out
    assert "UnuseSlot" in {s.name for s in system.enabled()}


def test_bug_e3b63e966cac_strands_swapoff_in_folio_lock() -> None:
    """The same trace without e3b63e966cac: the folio leaves the swap cache locked, swapoff sleeps in folio_lock()."""
    system = run(
        dataclasses.replace(SWAPOFF, variant="rotate", scan_budget=1, bugs=frozenset({"e3b63e966cac"})),
        "SwapOut(s=s1, v=v1) ShrinkWorker(k1) ShrinkDone(k1) ShrinkWorker(k1) LruIsolate(k1) FreeSlot(s=s1) "
        "SwapOut(s=s1, v=v2) SwapoffStart(o1) UnuseSlot(o1, s=s1) WbAllocFolio(k1) SwapCacheHit(o1) WbEntryGone(k1)",
    )
    state = system.observe()
    o1 = ModelValue("o1")
    assert [f["pc"] for f in function_of(state, "stack")[o1]] == ["unuse", "hit_stranded"]
    assert system.blocked() == {o1: frozenset()}  # asleep on a lock nobody holds: swapoff never ends
    assert not [s for s in system.enabled() if s.actor == o1]
    assert not p.no_orphaned_wait(state, skip=True)
