"""The thread's scenario walked by hand in every variant, and the other claims of the brief."""

from __future__ import annotations

from typing import TypedDict, Unpack

import pytest

from conformance.config import Config
from conformance.system import System
from conformance.tests import properties as p
from conformance.tests.scenario import run
from conformance.values import FnValue, ModelValue, function_of, sequence_of

t1, t2, k1, s1, s2, v1, v2 = (ModelValue(n) for n in ("t1", "t2", "k1", "s1", "s2", "v1", "v2"))
ENTRY_S1 = FnValue({"slot": s1, "data": v1})
# A task pins s1, its charge enters reclaim, the reclaim isolates s1's entry.
THREAD = "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1) ChargeReclaim(t1)"


class _Knobs(TypedDict, total=False):
    """The Config fields these tests vary besides the variant."""

    putback: str
    scan_budget: int
    bugs: frozenset[str]
    sync_io: bool
    worker_charge_reclaim: bool
    swap_shared: bool
    shared_loads: bool
    redirty: bool
    keep_swapout_folio: bool
    clean_reclaim: bool


def config(variant: str, **kw: Unpack[_Knobs]) -> Config:
    return Config(variant=variant, tasks=("t1", "t2"), shrinkers=("k1",), **kw)


def names(system: System) -> list[str]:
    return [str(s) for s in system.enabled()]


def test_none_ends_blocked_on_its_own_pin() -> None:
    system, _ = run(config("none"), THREAD + " LruIsolate(t1)")
    assert system.blocked() == {t1: frozenset({t1})}
    assert system.waits_on(t1) == (s1, "swapcache_prepare() returns -EEXIST")
    assert not [s for s in system.enabled() if s.actor == t1]  # no way out for t1, ever
    assert not p.no_self_wait(system.observe(), skip=False)


LRU_REMOVE_THREAD = "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1) ZswapLruRemove(t1) ChargeReclaim(t1)"


def test_lru_remove_never_offers_the_pinned_entry_to_its_own_writeback() -> None:
    system, _ = run(config("lru_remove"), LRU_REMOVE_THREAD)
    state = system.observe()
    assert function_of(state, "stack")[t1][0]["lru_removed"] is True
    assert ENTRY_S1 not in sequence_of(state, "zswap_lru") and function_of(state, "zswap_tree")[s1] == ENTRY_S1
    assert "LruIsolate(t1)" not in names(system) and "ShrinkDone(t1)" in names(system)
    # the fault fails: the hidden entry goes back to the LRU tail
    system, _ = run(config("lru_remove"), LRU_REMOVE_THREAD + " ShrinkDone(t1) ChargeFail(t1)")
    assert sequence_of(system.observe(), "zswap_lru") == (ENTRY_S1,)


def test_lru_remove_takes_the_entry_off_after_the_pin_so_a_walk_can_come_first() -> None:
    # The patch calls zswap_remove_swpentry_from_lru() after swapcache_prepare(), not with it:
    # in between, the pin is held and the entry is still on the LRU.
    system, _ = run(config("lru_remove"), "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1)")
    assert "ZswapLruRemove(t1)" in names(system) and "ChargeReclaim(t1)" not in names(system)
    assert sequence_of(system.observe(), "zswap_lru") == (ENTRY_S1,) and system.holders(s1) == frozenset({t1})
    # the shrinker isolates it first; the removal then finds it off the LRU and hides nothing
    system, _ = run(
        config("lru_remove"),
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1) ShrinkWorker(k1) LruIsolate(k1) "
        "ZswapLruRemove(t1)",
    )
    assert function_of(system.observe(), "stack")[t1][0]["lru_removed"] is False
    assert system.waits_on(k1) == (s1, "swapcache_prepare() returns -EEXIST")  # k1 waits for t1's pin


def test_lru_remove_puts_the_entry_back_on_success_until_the_load_frees_it() -> None:
    # "if (zswap_lru_removed) zswap_insert_swpentry_into_lru(entry);" right after add_to_swap_cache()
    system, _ = run(config("lru_remove"), LRU_REMOVE_THREAD + " ShrinkDone(t1) ChargeOk(t1) AddToSwapCache(t1)")
    assert sequence_of(system.observe(), "zswap_lru") == (ENTRY_S1,)
    # a walk may isolate it now, and its writeback meets the folio: -EEXIST, no wait
    system, _ = run(
        config("lru_remove"),
        LRU_REMOVE_THREAD + " ShrinkDone(t1) ChargeOk(t1) AddToSwapCache(t1) ShrinkWorker(k1) LruIsolate(k1)",
    )
    assert "WbFolioExists(k1)" in names(system) and system.blocked() == {}
    # the exclusive load frees the entry and takes it off the LRU again
    system, _ = run(
        config("lru_remove"), LRU_REMOVE_THREAD + " ShrinkDone(t1) ChargeOk(t1) AddToSwapCache(t1) SwapReadFolio(t1)"
    )
    assert (
        sequence_of(system.observe(), "zswap_lru") == () and function_of(system.observe(), "zswap_tree")[s1] == NO_ENTRY
    )


def test_skip_if_exists_gives_up_and_puts_the_entry_back_at_the_tail() -> None:
    system, _ = run(config("skip_if_exists"), THREAD + " LruIsolate(t1)")
    assert names(system)[0] == "WbSkipBusy(t1)" and system.blocked() == {}
    system, _ = run(
        config("skip_if_exists", scan_budget=2),
        "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v2) StartFault(t1, s=s1) SwapcachePrepare(t1) ChargeReclaim(t1) "
        "LruIsolate(t1) WbSkipBusy(t1) WbPutback(t1)",
    )
    assert sequence_of(system.observe(), "zswap_lru") == (FnValue({"slot": s2, "data": v2}), ENTRY_S1)
    assert "LruIsolate(t1)" in names(system)  # the walk goes on with s2's entry, then finishes the fault
    system, _ = run(
        config("skip_if_exists"),
        THREAD + " LruIsolate(t1) WbSkipBusy(t1) WbPutback(t1) ShrinkDone(t1) "
        "ChargeOk(t1) AddToSwapCache(t1) SwapReadFolio(t1) MapFolio(t1)",
    )
    assert function_of(system.observe(), "stack")[t1] == () and sequence_of(system.observe(), "zswap_lru") == ()


def test_swap_table_sees_the_folio_and_returns_eexist() -> None:
    system, _ = run(config("swap_table"), THREAD)
    assert function_of(system.observe(), "swap_cache")[s1] == FnValue(
        {"locked": True, "uptodate": False, "data": ModelValue("NoData")}
    )
    system, _ = run(config("swap_table"), THREAD + " LruIsolate(t1)")
    assert names(system)[0] == "WbFolioExists(t1)" and system.blocked() == {}
    system, _ = run(config("swap_table"), THREAD + " LruIsolate(t1) WbFolioExists(t1)")
    assert function_of(system.observe(), "stack")[t1][-1]["pc"] == "putback"


def test_bug_a65b0e7607cc_brings_the_self_wait_back() -> None:
    system, _ = run(config("skip_if_exists", bugs=frozenset({"a65b0e7607cc"})), THREAD + " LruIsolate(t1)")
    assert system.blocked() == {t1: frozenset({t1})}


# Writeback takes s1's entry (v1); s1 is freed and reused (v2); writeback's new folio is found by a
# fault, then its re-check finds the entry gone (TLC's trace of bug_e3b63e966cac and _rotate).
ENTRY_GONE = (
    "SwapOut(s=s1, v=v1) ShrinkWorker(k1) LruIsolate(k1) FreeSlot(s=s1) SwapOut(s=s1, v=v2) WbAllocFolio(k1) "
    "StartFault(t1, s=s1) SwapCacheHit(t1) WbEntryGone(k1)"
)


@pytest.mark.parametrize("variant", ["skip_if_exists", "rotate"])
def test_entry_gone_unlocks_the_folio_and_its_waiter_retries(variant: str) -> None:
    system, _ = run(config(variant, scan_budget=2), ENTRY_GONE)
    assert function_of(system.observe(), "stack")[t1][0]["pc"] == "hit_gone"
    assert "RetryFault(t1)" in names(system) and system.blocked() == {}
    assert p.no_orphaned_wait(system.observe(), skip=True)


@pytest.mark.parametrize("variant", ["skip_if_exists", "rotate"])
def test_bug_e3b63e966cac_strands_the_folio_and_its_waiter(variant: str) -> None:
    system, _ = run(config(variant, scan_budget=2, bugs=frozenset({"e3b63e966cac"})), ENTRY_GONE)
    state = system.observe()
    assert function_of(state, "stack")[t1][0]["pc"] == "hit_stranded"
    assert function_of(state, "swap_cache")[s1] == ModelValue("NoFolio")  # no lookup finds it again
    assert system.blocked() == {t1: frozenset()}  # asleep on a folio lock that nobody holds
    assert not [s for s in system.enabled() if s.actor == t1]
    assert not p.no_orphaned_wait(state, skip=True)


def test_two_tasks_deadlock_abba_in_none() -> None:
    system, _ = run(
        config("none"),
        "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v2) StartFault(t1, s=s1) StartFault(t2, s=s2) "
        "SwapcachePrepare(t1) SwapcachePrepare(t2) ChargeReclaim(t1) ChargeReclaim(t2) "
        "LruIsolate(t1) LruIsolate(t2)",
    )
    # t1 isolated s1's entry (its own pin); t2 isolated s2's: each waits on itself
    assert system.blocked() == {t1: frozenset({t1}), t2: frozenset({t2})}
    system, _ = run(
        config("none"),
        "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v2) StartFault(t1, s=s2) StartFault(t2, s=s1) "
        "SwapcachePrepare(t1) SwapcachePrepare(t2) ChargeReclaim(t1) ChargeReclaim(t2) "
        "LruIsolate(t1) LruIsolate(t2)",
    )
    assert system.blocked() == {t1: frozenset({t2}), t2: frozenset({t1})}  # ABBA
    assert p.no_self_wait(system.observe(), skip=False) and not p.no_wait_cycle(system.observe(), skip=False)


def test_skip_if_exists_also_skips_another_tasks_pin() -> None:
    _, violations = run(
        config("skip_if_exists"),
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1) ShrinkWorker(k1) LruIsolate(k1) WbSkipBusy(k1)",
    )
    assert [str(s) for s in violations["writeback_gives_up_only_on_own_pin"]] == ["WbSkipBusy(k1)"]


def test_lru_remove_does_lru_work_in_every_fault() -> None:
    _, violations = run(
        config("lru_remove"), "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1) ZswapLruRemove(t1)"
    )
    assert [str(s) for s in violations["fault_path_no_lru_work"]] == ["ZswapLruRemove(t1)"]
    _, violations = run(config("skip_if_exists"), "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1)")
    assert "fault_path_no_lru_work" not in violations


BUSY_THEN_PUTBACK = (
    "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v2) StartFault(t1, s=s1) SwapcachePrepare(t1) "
    "ShrinkWorker(k1) LruIsolate(k1) WbSkipBusy(k1) WbPutback(k1)"
)


def test_head_putback_makes_the_walk_pick_the_busy_entry_again() -> None:
    system, violations = run(config("skip_if_exists", putback="head", scan_budget=2), BUSY_THEN_PUTBACK)
    assert [str(s) for s in violations["walk_makes_progress"]] == ["WbPutback(k1)"]
    assert sequence_of(system.observe(), "zswap_lru")[0] == ENTRY_S1
    _, violations = run(config("skip_if_exists", putback="tail", scan_budget=2), BUSY_THEN_PUTBACK)
    assert "walk_makes_progress" not in violations


def test_bug_27d3969b47cc_walk_resumes_from_a_cursor_another_walk_took() -> None:
    # t2 is swapping s1 in (its folio is cached); t1's reclaim isolates s1's entry and,
    # with the bug, remembers s2's entry as the cursor; the writeback finds t2's folio
    # (-EEXIST, LRU_SKIP); meanwhile the shrinker takes s2's entry off the LRU.
    schedule = (
        "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v2) StartFault(t2, s=s1) SwapcachePrepare(t2) ChargeOk(t2) "
        "AddToSwapCache(t2) StartFault(t1, s=s2) SwapcachePrepare(t1) ChargeReclaim(t1) LruIsolate(t1) "
        "WbFolioExists(t1) ShrinkWorker(k1) LruIsolate(k1) WbPutback(t1)"
    )
    buggy = config("skip_if_exists", bugs=frozenset({"27d3969b47cc"}), scan_budget=2)
    system, violations = run(buggy, schedule.removesuffix(" ShrinkWorker(k1) LruIsolate(k1) WbPutback(t1)"))
    assert function_of(system.observe(), "stack")[t1][-1]["cursor"] == FnValue({"slot": s2, "data": v2})
    _, violations = run(buggy, schedule)
    assert [str(s) for s in violations["walk_cursor_live"]] == ["WbPutback(t1)"]
    _, violations = run(config("skip_if_exists", scan_budget=2), schedule)
    assert "walk_cursor_live" not in violations  # the fixed walk restarts from the head


def test_lru_remove_self_waits_once_a_background_shrinker_runs() -> None:
    # The spec's finding (spec/README.md, model lru_remove): the shrinker holds s1's entry
    # isolated when t1 pins s1, so t1 has nothing to take off the LRU; the shrinker's
    # writeback meets a transient folio (t2's writeback of s1's previous entry, which
    # WbEntryGone then drops), fails with -EEXIST and puts the entry back; t1's own
    # reclaim isolates it and waits on t1's pin.
    system, _ = run(
        config("lru_remove"),
        "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v3) StartFault(t2, s=s2) SwapcachePrepare(t2) ZswapLruRemove(t2) "
        "ChargeReclaim(t2) LruIsolate(t2) FreeSlot(s=s1) SwapOut(s=s1, v=v2) ShrinkWorker(k1) LruIsolate(k1) "
        "WbAllocFolio(t2) WbFolioExists(k1) WbEntryGone(t2) StartFault(t1, s=s1) SwapcachePrepare(t1) "
        "ZswapLruRemove(t1) WbPutback(k1) "
        "ChargeReclaim(t1) LruIsolate(t1)",
    )
    assert function_of(system.observe(), "stack")[t1][0]["lru_removed"] is False
    assert system.blocked() == {t1: frozenset({t1})}


# A shrinker's writeback of s1 that holds s1's pin (swapcache_prepare() done, folio allocated).
WRITEBACK_PINS_S1 = "SwapOut(s=s1, v=v1) ShrinkWorker(k1) LruIsolate(k1) WbAllocFolio(k1)"
NO_ENTRY, NO_DATA = ModelValue("NoEntry"), ModelValue("NoData")


def test_writeback_frees_the_entry_it_wrote() -> None:
    for variant in ("skip_if_exists", "rotate"):
        system, _ = run(config(variant, scan_budget=2), WRITEBACK_PINS_S1 + " WbWrite(k1)")
        state = system.observe()
        assert function_of(state, "swap_device")[s1] == v1, variant  # the page is on the swap device now...
        assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and sequence_of(state, "zswap_lru") == (), (
            variant
        )  # ...and only there
        assert function_of(state, "swap_cache")[s1] == FnValue({"locked": False, "uptodate": True, "data": v1}), variant


def test_v6_8_invalidates_a_slot_freed_while_writeback_pins_it() -> None:
    # v6.8's swap_free() calls zswap_invalidate() at once, pin or no pin:
    # writeback's re-check under the tree lock then finds the entry gone.
    system, _ = run(config("skip_if_exists"), WRITEBACK_PINS_S1 + " FreeSlot(s=s1)")
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == NO_ENTRY
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 0, "has_cache": True})  # writeback's pin alone
    assert [str(s) for s in system.enabled() if s.actor == k1] == ["WbEntryGone(k1)"]
    system, _ = run(config("skip_if_exists"), WRITEBACK_PINS_S1 + " FreeSlot(s=s1) WbEntryGone(k1)")
    state = system.observe()
    assert function_of(state, "swap_device")[s1] == NO_DATA  # nothing written for a freed slot
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 0, "has_cache": False})  # and the pin is gone


def test_rotate_invalidates_a_pinned_slot_only_at_free_swap_slot() -> None:
    # 6.12 calls zswap_invalidate() from free_swap_slot(), once the use count
    # and SWAP_HAS_CACHE are both gone: the pinned slot keeps its entry, and
    # writeback's xa_cmpxchg() finds it and writes it out.
    system, _ = run(config("rotate", scan_budget=2), WRITEBACK_PINS_S1 + " FreeSlot(s=s1)")
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == ENTRY_S1
    assert [str(s) for s in system.enabled() if s.actor == k1] == ["WbWrite(k1)"]
    system, _ = run(
        config("rotate", scan_budget=2), WRITEBACK_PINS_S1 + " FreeSlot(s=s1) WbWrite(k1) DropCleanFolio(s=s1)"
    )
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and function_of(state, "swap_cache")[s1] == ModelValue(
        "NoFolio"
    )
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 0, "has_cache": False})  # free_swap_slot() ran


# shrink_worker's writeback charge may reclaim (WORKER_CHARGE_RECLAIM): the
# kworker has no PF_MEMALLOC.  The worker pins s1, its charge enters reclaim,
# the nested zswap_shrinker_scan walk meets the entry the worker is writing
# back (6.12 keeps it on the LRU) and so the worker's own pin.
WORKER_RECLAIMS = "SwapOut(s=s1, v=v1) ShrinkWorker(k1) LruIsolate(k1) WbAllocFolio(k1) WbChargeReclaim(k1)"


def worker_config(variant: str = "rotate", **kw: Unpack[_Knobs]) -> Config:
    knobs: _Knobs = {"scan_budget": 2, "worker_charge_reclaim": True}
    knobs.update(kw)
    return config(variant, **knobs)


def test_worker_writeback_pins_and_charges_in_steps_of_its_own() -> None:
    system, _ = run(worker_config(), "SwapOut(s=s1, v=v1) ShrinkWorker(k1) LruIsolate(k1) WbAllocFolio(k1)")
    state = system.observe()
    # pinned, no folio yet: the pin holder is the worker
    assert function_of(state, "swap_map")[s1]["has_cache"] and function_of(state, "swap_cache")[s1] == ModelValue(
        "NoFolio"
    )
    assert function_of(state, "stack")[k1][-1]["pc"] == "charge" and p.pin_held(state)
    assert [str(s) for s in system.enabled() if s.actor == k1] == [
        "WbChargeOk(k1)",
        "WbChargeReclaim(k1)",
        "WbChargeFail(k1)",
    ]
    # without WORKER_CHARGE_RECLAIM the pin and the folio come in one step
    system, _ = run(
        config("rotate", scan_budget=2), "SwapOut(s=s1, v=v1) ShrinkWorker(k1) LruIsolate(k1) WbAllocFolio(k1)"
    )
    assert function_of(system.observe(), "swap_cache")[s1] != ModelValue("NoFolio")


def test_worker_nested_walk_skips_its_own_pin_in_6_12() -> None:
    system, _ = run(worker_config(), WORKER_RECLAIMS + " LruIsolate(k1)")
    assert len(function_of(system.observe(), "stack")[k1]) == 4  # walk, writeback, walk, writeback
    assert system.blocked() == {}
    assert [str(s) for s in system.enabled() if s.actor == k1] == ["WbSkipBusy(k1)", "WbAllocFail(k1)"]
    # -ENOMEM, not -EEXIST: LRU_RETRY, the nested walk goes on (and meets the same entry
    # again, the only one) until its budget is spent; then the charge is retried
    system, violations = run(
        worker_config(), WORKER_RECLAIMS + " LruIsolate(k1) WbSkipBusy(k1) LruIsolate(k1) WbSkipBusy(k1) ShrinkDone(k1)"
    )
    assert "writeback_gives_up_only_on_own_pin" not in violations
    assert function_of(system.observe(), "stack")[k1][-1]["pc"] == "charge_retry"
    assert [str(s) for s in system.enabled() if s.actor == k1] == ["WbChargeOk(k1)", "WbChargeFail(k1)"]


def test_worker_self_waits_without_skip_if_exists() -> None:
    system, _ = run(worker_config(bugs=frozenset({"a65b0e7607cc"})), WORKER_RECLAIMS + " LruIsolate(k1)")
    assert system.blocked() == {k1: frozenset({k1})}
    assert not p.no_self_wait(system.observe(), skip=False)


def test_worker_charge_failure_releases_the_pin_and_frees_a_freed_slot() -> None:
    system, _ = run(
        worker_config(), "SwapOut(s=s1, v=v1) ShrinkWorker(k1) LruIsolate(k1) WbAllocFolio(k1) FreeSlot(s=s1)"
    )
    assert function_of(system.observe(), "zswap_tree")[s1] == ENTRY_S1  # SWAP_HAS_CACHE defers free_swap_slot()
    system, _ = run(
        worker_config(),
        "SwapOut(s=s1, v=v1) ShrinkWorker(k1) LruIsolate(k1) WbAllocFolio(k1) FreeSlot(s=s1) WbChargeFail(k1)",
    )
    state = system.observe()
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 0, "has_cache": False})
    assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and function_of(state, "stack")[k1] == (
        FnValue({"fn": "shrink_memcg_cb", "budget": 0}),
    )


# ---- The SWP_SYNCHRONOUS_IO swap-cache bypass (spec: SyncIO; models sync_io_*) ----------------
# A task skips the swap cache, pins s1 (v6.8's order: before the charge), its charge enters reclaim.
SYNC_THREAD = "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) SyncSwapcachePrepare(t1) ChargeReclaim(t1)"


def test_sync_io_lru_remove_self_waits_the_bypass_has_no_lru_removal() -> None:
    # The patch's removal lives in __read_swap_cache_async(), which the bypass does not call:
    # no ZswapLruRemove step, the entry stays on the LRU, the task's own reclaim takes it and waits.
    system, _ = run(config("lru_remove", sync_io=True), "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1)")
    assert "SyncSwapcachePrepare(t1)" in names(system) and "SwapcachePrepare(t1)" not in names(system)
    system, _ = run(config("lru_remove", sync_io=True), SYNC_THREAD)
    assert sequence_of(system.observe(), "zswap_lru") == (ENTRY_S1,) and system.holders(s1) == frozenset({t1})
    assert function_of(system.observe(), "stack")[t1][0]["lru_removed"] is False
    system, _ = run(config("lru_remove", sync_io=True), SYNC_THREAD + " LruIsolate(t1)")
    assert system.blocked() == {t1: frozenset({t1})}
    assert not p.no_self_wait(system.observe(), skip=False)


def test_sync_io_skip_if_exists_skips_the_bypass_pin() -> None:
    # No folio in the swap cache, only the pin: writeback's swapcache_prepare() says -EEXIST and it skips.
    system, _ = run(config("skip_if_exists", sync_io=True), SYNC_THREAD + " LruIsolate(t1)")
    assert function_of(system.observe(), "swap_cache")[s1] == ModelValue("NoFolio")
    assert {str(s) for s in system.enabled() if s.actor == t1} == {"WbSkipBusy(t1)", "WbAllocFail(t1)"}
    assert system.blocked() == {}


def test_sync_io_another_fault_backs_out_of_the_pin() -> None:
    # The second fault finds no folio and the pin taken: it backs out (schedule_timeout, fault again), no wait.
    system, _ = run(
        config("skip_if_exists", sync_io=True),
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) SyncSwapcachePrepare(t1) "
        "StartFault(t2, s=s1) SkipSwapcache(t2)",
    )
    assert [str(s) for s in system.enabled() if s.actor == t2] == ["SwapcacheBusy(t2)"]
    assert system.blocked() == {}
    system, _ = run(
        config("skip_if_exists", sync_io=True),
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) SyncSwapcachePrepare(t1) "
        "StartFault(t2, s=s1) SkipSwapcache(t2) SwapcacheBusy(t2)",
    )
    assert function_of(system.observe(), "stack")[t2] == ()


def test_sync_io_v6_8_maps_frees_and_unpins() -> None:
    system, _ = run(
        config("skip_if_exists", sync_io=True),
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) SyncSwapcachePrepare(t1) ChargeOk(t1) "
        "SyncMapFolio(t1)",
    )
    state = system.observe()
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 0, "has_cache": False})
    assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and sequence_of(state, "zswap_lru") == ()
    assert function_of(state, "swap_cache")[s1] == ModelValue("NoFolio") and function_of(state, "stack")[t1] == ()


def test_sync_io_rotate_charges_before_the_pin() -> None:
    # 6.12: alloc_swap_folio() charges with no pin held; the reclaim may write back the fault's own
    # entry (no wait: writeback pins); then the fault's swapcache_prepare() fails and it backs out.
    start = "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1)"
    system, _ = run(config("rotate", sync_io=True, scan_budget=2), start)
    assert function_of(system.observe(), "swap_map")[s1] == FnValue({"count": 1, "has_cache": False})
    assert system.holders(s1) == frozenset()
    written = start + " ChargeReclaim(t1) LruIsolate(t1) WbAllocFolio(t1) WbWrite(t1) ShrinkDone(t1) ChargeOk(t1)"
    system, _ = run(config("rotate", sync_io=True, scan_budget=2), written)
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and function_of(state, "swap_device")[s1] == v1
    assert [str(s) for s in system.enabled() if s.actor == t1] == ["SwapcacheBusy(t1)"]
    # the fault again finds the written-back folio in the swap cache and maps it
    system, _ = run(
        config("rotate", sync_io=True, scan_budget=2),
        written + " SwapcacheBusy(t1) StartFault(t1, s=s1) SwapCacheHit(t1) MapFolio(t1)",
    )
    assert function_of(system.observe(), "swap_map")[s1] == FnValue({"count": 0, "has_cache": False})


def test_sync_io_rotate_load_is_not_exclusive() -> None:
    # 6.12's zswap_load() into a folio outside the swap cache keeps the entry; swapcache_clear() frees
    # the slot, and zswap_invalidate() the entry, only at the end.
    system, _ = run(
        config("rotate", sync_io=True, scan_budget=2),
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) ChargeOk(t1) SyncSwapcachePrepare(t1)",
    )
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == ENTRY_S1 and system.holders(s1) == frozenset({t1})
    system, _ = run(
        config("rotate", sync_io=True, scan_budget=2),
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) ChargeOk(t1) SyncSwapcachePrepare(t1) "
        "SyncMapFolio(t1)",
    )
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and function_of(state, "swap_map")[s1] == FnValue(
        {"count": 0, "has_cache": False}
    )


# The read, then the PTE no longer holds the entry (a UFFDIO_MOVE of the swap PTE): out_nomap frees the
# private folio and swapcache_clear() drops the pin; the slot keeps its use count (spec: SyncPteChanged).
SYNC_READ_V6_8 = "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) SyncSwapcachePrepare(t1) ChargeOk(t1)"


@pytest.mark.parametrize("variant", ["skip_if_exists", "rotate"])
def test_sync_io_pte_changed_keeps_the_entry(variant: str) -> None:
    start = (
        SYNC_READ_V6_8
        if variant != "rotate"
        else "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) ChargeOk(t1) SyncSwapcachePrepare(t1)"
    )
    system, _ = run(config(variant, sync_io=True), start + " SyncPteChanged(t1)")
    state = system.observe()
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 1, "has_cache": False})
    assert function_of(state, "zswap_tree")[s1] == ENTRY_S1 and sequence_of(state, "zswap_lru") == (ENTRY_S1,)
    assert function_of(state, "stack")[t1] == () and system.holders(s1) == frozenset()
    # the fault at the entry's new address reads it again
    system, _ = run(config(variant, sync_io=True), start + " SyncPteChanged(t1) StartFault(t1, s=s1)")
    assert "SkipSwapcache(t1)" in names(system)


def test_bug_25cd241408a2_pte_changed_loses_the_data() -> None:
    # Before 25cd241408a2 the load into the private folio was exclusive: the folio goes, and with it the data.
    system, _ = run(config("skip_if_exists", sync_io=True, bugs=frozenset({"25cd241408a2"})), SYNC_READ_V6_8)
    assert function_of(system.observe(), "zswap_tree")[s1] == ENTRY_S1  # not read yet: the read is in the step
    system, _ = run(
        config("skip_if_exists", sync_io=True, bugs=frozenset({"25cd241408a2"})), SYNC_READ_V6_8 + " SyncPteChanged(t1)"
    )
    state = system.observe()
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 1, "has_cache": False})
    assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and function_of(state, "swap_device")[s1] == NO_DATA
    assert function_of(state, "swap_cache")[s1] == ModelValue("NoFolio")


# Use count 2 (SwapShared): the shared fault takes the swap cache although SyncIO is on, maps, and leaves its
# folio, the other PTE's only copy, in the swap cache; the second fault maps it and the slot is freed.
SHARED_FIRST = (
    "SwapOut(s=s1, v=v1) SwapDuplicate(s=s1) StartFault(t1, s=s1) SwapcachePrepare(t1) ChargeOk(t1) "
    "AddToSwapCache(t1) SwapReadFolio(t1) MapFolio(t1)"
)


@pytest.mark.parametrize("variant", ["skip_if_exists", "rotate"])
def test_shared_slot_hands_its_folio_to_the_other_pte(variant: str) -> None:
    shared = config(variant, sync_io=True, swap_shared=True)
    system, _ = run(shared, "SwapOut(s=s1, v=v1) SwapDuplicate(s=s1) StartFault(t1, s=s1)")
    assert "SkipSwapcache(t1)" not in names(system) and "SwapcachePrepare(t1)" in names(system)
    system, _ = run(shared, SHARED_FIRST)
    state = system.observe()
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 1, "has_cache": True})
    assert function_of(state, "swap_cache")[s1] == FnValue({"locked": False, "uptodate": True, "data": v1})
    assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and function_of(state, "swapped_page")[s1] == v1
    assert "DropCleanFolio(s=s1)" not in names(system)  # dirty: the other PTE's only copy
    system, _ = run(shared, SHARED_FIRST + " StartFault(t2, s=s1) SwapCacheHit(t2) MapFolio(t2)")
    state = system.observe()
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 0, "has_cache": False})
    assert function_of(state, "swap_cache")[s1] == ModelValue("NoFolio")


def test_shared_slot_free_drops_one_reference() -> None:
    shared = config("rotate", sync_io=True, swap_shared=True)
    # the other process unmaps while t1 faults: one reference goes, the slot stays in use
    system, _ = run(shared, "SwapOut(s=s1, v=v1) SwapDuplicate(s=s1) StartFault(t1, s=s1) FreeSlot(s=s1)")
    state = system.observe()
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 1, "has_cache": False})
    assert function_of(state, "zswap_tree")[s1] == ENTRY_S1 and function_of(state, "swapped_page")[s1] == v1
    assert "FreeSlot(s=s1)" not in names(system)  # the last reference: not while t1 faults on it


# v6.8 with zswap.exclusive_loads off: the page is read, mapped with its folio kept in the swap
# cache, written to and reclaimed again (spec models skip_if_exists_shared_loads, bug_678e54d4bb9a).
KEPT = (
    "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1) ChargeOk(t1) AddToSwapCache(t1)"
    " SwapReadFolio(t1) MapFolioKeepCache(t1)"
)


def test_shared_load_keeps_the_entry_until_the_kept_page_is_stored_again() -> None:
    system, violations = run(config("skip_if_exists", shared_loads=True, redirty=True), KEPT)
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == ENTRY_S1  # the shared load kept it
    assert function_of(state, "swap_cache")[s1] != ModelValue("NoFolio")
    system, violations = run(
        config("skip_if_exists", shared_loads=True, redirty=True), KEPT + " SwapOutAgain(s=s1, v=v2)"
    )
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == FnValue({"slot": s1, "data": v2})  # the duplicate replaced
    assert sequence_of(state, "zswap_lru") == (FnValue({"slot": s1, "data": v2}),)
    assert not violations


def test_failed_store_drops_the_kept_entry() -> None:
    schedule = KEPT + " SwapOutAgainRejected(s=s1, v=v2)"
    system, violations = run(config("skip_if_exists", shared_loads=True, redirty=True), schedule)
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == ModelValue("NoEntry")
    assert sequence_of(state, "zswap_lru") == ()  # nothing left for a walk to write back over v2
    assert function_of(state, "swap_device")[s1] == v2
    assert p.no_data_loss(state)
    assert not violations


def test_bug_678e54d4bb9a_the_kept_entry_overwrites_the_new_data_on_the_device() -> None:
    """The trace TLC gives for bug_678e54d4bb9a: the commit's "later lru writeback may overwrite the new data"."""
    schedule = KEPT + " SwapOutAgainRejected(s=s1, v=v2) ShrinkWorker(k1) LruIsolate(k1) WbAllocFolio(k1)"
    cfg = config("skip_if_exists", shared_loads=True, redirty=True, bugs=frozenset({"678e54d4bb9a"}))
    system, _ = run(cfg, schedule)
    assert p.no_data_loss(system.observe())
    system, _ = run(cfg, schedule + " WbWrite(k1)")
    state = system.observe()
    assert function_of(state, "swap_device")[s1] == v1
    assert not p.no_data_loss(state)


# Bug 13ddaf26be32: the bypass without its pin; TLC's trace for bug_13ddaf26be32 (and _rotate): t1 reads v1, t2
# maps it, frees s1, the page (now v2) is stored into s1 again, and t1's pte_same() passes.
PINLESS_RACE = (
    "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) ChargeOk(t1) SyncReadFolio(t1)"
    " StartFault(t2, s=s1) SkipSwapcache(t2) ChargeOk(t2) SyncReadFolio(t2) SyncMapFolio(t2) SwapOut(s=s1, v=v2)"
)


@pytest.mark.parametrize("variant", ["skip_if_exists", "rotate"])
def test_bug_13ddaf26be32_two_bypasses_map_stale_data(variant: str) -> None:
    cfg = config(variant, sync_io=True, bugs=frozenset({"13ddaf26be32"}))
    system, violations = run(cfg, PINLESS_RACE)
    assert not violations
    assert function_of(system.observe(), "swap_map")[s1] == FnValue({"count": 1, "has_cache": False})
    assert {"SyncMapFolio(t1)", "PteChanged(t1)"} <= set(names(system))  # the entry is back: pte_same() may pass
    system, violations = run(cfg, PINLESS_RACE + " SyncMapFolio(t1)")
    assert [str(step) for step in violations.get("no_stale_data", [])] == ["SyncMapFolio(t1)"]
    # with the pin, the second fault finds the slot pinned and backs out
    fixed, _ = run(
        config(variant, sync_io=True),
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1) ChargeOk(t1)"
        if variant == "rotate"
        else "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SkipSwapcache(t1)",
    )
    assert "SyncSwapcachePrepare(t1)" in names(fixed)


# 6.12's duplicate store (KeepSwapOutFolio): the swap-out folio stays in the swap cache, a read fault maps it with
# no load and keeps it, and the redirtied page's store meets the old entry (witness_rotate_duplicate_store).
SWAP_OUT_KEPT = "SwapOutKeepCache(s=s1, v=v1) StartFault(t1, s=s1) SwapCacheHit(t1) MapFolioKeepCache(t1)"


def test_rotate_swap_out_folio_leads_to_a_duplicate_store() -> None:
    cfg = config("rotate", keep_swapout_folio=True, redirty=True, clean_reclaim=True)
    system, violations = run(cfg, SWAP_OUT_KEPT)
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == ENTRY_S1  # no load: the entry stays
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 0, "has_cache": True})
    system, violations = run(cfg, SWAP_OUT_KEPT + " SwapOutAgain(s=s1, v=v2)")
    state = system.observe()
    assert function_of(state, "zswap_tree")[s1] == FnValue({"slot": s1, "data": v2})  # xa_store() returned the old
    assert sequence_of(state, "zswap_lru") == (FnValue({"slot": s1, "data": v2}),)
    assert not violations


def test_clean_kept_folio_is_reclaimed_with_no_store() -> None:
    cfg = config("rotate", keep_swapout_folio=True, clean_reclaim=True)
    system, violations = run(cfg, SWAP_OUT_KEPT + " UnmapCleanFolio(s=s1)")
    state = system.observe()
    assert function_of(state, "swap_map")[s1] == FnValue({"count": 1, "has_cache": False})
    assert function_of(state, "swapped_page")[s1] == v1 and function_of(state, "zswap_tree")[s1] == ENTRY_S1
    assert p.no_data_loss(state) and not violations
    # an exclusively loaded folio is dirty: no clean reclaim for it
    loaded = (
        "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1) ChargeOk(t1) AddToSwapCache(t1)"
        " SwapReadFolio(t1) MapFolioKeepCache(t1)"
    )
    system, _ = run(cfg, loaded)
    assert "UnmapCleanFolio(s=s1)" not in names(system)
