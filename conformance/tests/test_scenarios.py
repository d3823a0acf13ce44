"""The thread's scenario walked by hand in every variant, and the other claims of the brief."""

from __future__ import annotations

from typing import TypedDict, Unpack

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


def test_lru_remove_never_offers_the_pinned_entry_to_its_own_writeback() -> None:
    system, _ = run(config("lru_remove"), THREAD)
    state = system.observe()
    assert function_of(state, "stack")[t1][0]["lru_removed"] is True
    assert ENTRY_S1 not in sequence_of(state, "zswap_lru") and function_of(state, "zswap_tree")[s1] == ENTRY_S1
    assert "LruIsolate(t1)" not in names(system) and "ShrinkDone(t1)" in names(system)
    # the fault fails: the hidden entry goes back to the LRU tail
    system, _ = run(config("lru_remove"), THREAD + " ShrinkDone(t1) ChargeFail(t1)")
    assert system.observe()["zswap_lru"] == (ENTRY_S1,)


def test_skip_if_exists_gives_up_and_puts_the_entry_back_at_the_tail() -> None:
    system, _ = run(config("skip_if_exists"), THREAD + " LruIsolate(t1)")
    assert names(system)[0] == "WbSkipBusy(t1)" and system.blocked() == {}
    system, _ = run(
        config("skip_if_exists", scan_budget=2),
        "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v2) StartFault(t1, s=s1) SwapcachePrepare(t1) ChargeReclaim(t1) "
        "LruIsolate(t1) WbSkipBusy(t1) WbPutback(t1)",
    )
    assert system.observe()["zswap_lru"] == (FnValue({"slot": s2, "data": v2}), ENTRY_S1)
    assert "LruIsolate(t1)" in names(system)  # the walk goes on with s2's entry, then finishes the fault
    system, _ = run(
        config("skip_if_exists"),
        THREAD + " LruIsolate(t1) WbSkipBusy(t1) WbPutback(t1) ShrinkDone(t1) "
        "ChargeOk(t1) AddToSwapCache(t1) SwapReadFolio(t1) MapFolio(t1)",
    )
    assert function_of(system.observe(), "stack")[t1] == () and system.observe()["zswap_lru"] == ()


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
    _, violations = run(config("lru_remove"), "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) SwapcachePrepare(t1)")
    assert [str(s) for s in violations["fault_path_no_lru_work"]] == ["SwapcachePrepare(t1)"]
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
        "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v3) StartFault(t2, s=s2) SwapcachePrepare(t2) ChargeReclaim(t2) "
        "LruIsolate(t2) FreeSlot(s=s1) SwapOut(s=s1, v=v2) ShrinkWorker(k1) LruIsolate(k1) WbAllocFolio(t2) "
        "WbFolioExists(k1) WbEntryGone(t2) StartFault(t1, s=s1) SwapcachePrepare(t1) WbPutback(k1) "
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
        assert function_of(state, "zswap_tree")[s1] == NO_ENTRY and state["zswap_lru"] == (), (
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
