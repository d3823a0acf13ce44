"""Hand-written schedules run against the real 6.12 C (and two patched copies of it).

(a) The thread's self-deadlock schedule on 6.12 as released: a task pins its
    slot, its charge enters reclaim, its own walk rotates the referenced entry,
    then takes it; writeback meets the task's own pin and, with
    skip_if_exists, gives up (WbSkipBusy): the walk goes on, no deadlock, and
    the fault completes.
(b) The same with zswap_writeback_entry() passing false for skip_if_exists
    (patches/a65b0e7607cc-no-skip-if-exists.patch): the task ends blocked on
    its own pin in schedule_timeout_uninterruptible().
(c) With the xa_cmpxchg() re-check removed (patches/04fc7816089c-no-recheck.patch):
    the walk takes v1's entry, the slot is freed (the entry is freed with it)
    and reused for v2, then writeback decompresses the freed entry: ASan
    reports a heap-use-after-free in zswap_decompress() called from
    zswap_writeback_entry().  (With ASan's quarantine, a freed entry's memory
    is not reused at once, so the sanitizer sees the stale entry before any
    stale data can reach a fault.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from conformance.config import Config
from conformance.values import FnValue, ModelValue, TlaValue

PATCHES = Path(__file__).resolve().parent.parent / "patches"
t1, k1, s1, v1, v2 = (ModelValue(n) for n in ("t1", "k1", "s1", "v1", "v2"))
ONE_TASK = Config(
    tasks=("t1",), shrinkers=(), slots=("s1",), versions=("v1", "v2"), variant="skip_if_exists", scan_budget=2
)
ONE_SHRINKER = Config(
    tasks=("t1",), shrinkers=("k1",), slots=("s1",), versions=("v1", "v2"), variant="skip_if_exists", scan_budget=2
)


def _harness(patches: list[Path]) -> Path:
    from conformance.kernel.build import BuildError, build
    from conformance.kernel.extract import ExtractError

    try:
        return build(patches)
    except (BuildError, ExtractError) as err:
        pytest.skip(f"kernel harness not available: {err}")


Script = Sequence[tuple[str, "ModelValue | None", Mapping[str, TlaValue]]]


def _run(system: Any, script: Script) -> None:
    """Take the steps of ``script`` on a KernelSystem or a System (each raises if a step is not enabled)."""
    for name, actor, args in script:
        system.step(name, actor, **args)


def _observe(system: Any) -> dict[str, Any]:
    """observe()'s variables, for indexing into (the values' shapes are the contract's)."""
    return cast(dict[str, Any], system.observe())


SELF_DEADLOCK = [
    ("SwapOut", None, {"s": s1, "v": v1}),
    ("StartFault", t1, {"s": s1}),
    ("SwapcachePrepare", t1, {}),
    ("ChargeReclaim", t1, {}),
    ("LruIsolate", t1, {}),
]


def test_a_self_deadlock_schedule_skips_on_612(kernel_harness: Path) -> None:
    from conformance.kernel.system import KernelSystem

    system = KernelSystem(ONE_TASK, kernel_harness)
    _run(system, SELF_DEADLOCK)
    state = _observe(system)
    # the walk rotated the referenced entry (one budget) and took it (one more)
    assert state["stack"][t1][1] == FnValue({"fn": "shrink_memcg_cb", "budget": 0})
    assert state["stack"][t1][2]["entry"] == FnValue({"slot": s1, "data": v1})
    assert state["zswap_referenced"][s1] is False
    assert {str(s) for s in system.enabled()} == {"WbSkipBusy(t1)", "WbAllocFail(t1)"}
    _run(
        system,
        [
            ("WbSkipBusy", t1, {}),
            ("ShrinkDone", t1, {}),
            ("ChargeOk", t1, {}),
            ("AddToSwapCache", t1, {}),
            ("SwapReadFolio", t1, {}),
            ("MapFolio", t1, {}),
        ],
    )
    assert system.blocked() == {}
    assert system.mapped()[t1] == v1
    state = _observe(system)
    assert state["stack"][t1] == ()
    assert state["zswap_tree"][s1] == ModelValue("NoEntry") and state["zswap_lru"] == ()
    assert state["swap_map"][s1] == FnValue({"count": 0, "has_cache": False})


def test_b_without_skip_if_exists_the_task_waits_on_its_own_pin() -> None:
    from conformance.kernel.system import KernelSystem

    system = KernelSystem(ONE_TASK, _harness([PATCHES / "a65b0e7607cc-no-skip-if-exists.patch"]))
    _run(system, SELF_DEADLOCK)
    # only the allocation failure is left: with the allocation ok, the real
    # code loops in schedule_timeout_uninterruptible() on the task's own pin
    assert [str(s) for s in system.enabled()] == ["WbAllocFail(t1)"]
    assert system.holders(s1) == frozenset({t1})
    with pytest.raises(Exception, match="WbSkipBusy"):
        system.step("WbSkipBusy", t1)


def test_b_without_skip_if_exists_deadlocks_when_allocation_succeeds() -> None:
    """Allocation is an input: with it always succeeding the task is stuck for good."""
    from conformance.kernel.system import KernelSystem

    system = KernelSystem(ONE_TASK, _harness([PATCHES / "a65b0e7607cc-no-skip-if-exists.patch"]))
    _run(system, SELF_DEADLOCK)
    steps, blocked, _ = system._trials()
    assert blocked == {} and [str(s) for s, _, _ in steps] == ["WbAllocFail(t1)"]
    rows = system._harness.ask("trials")
    assert '"WB_PREPARE","BLOCKED"' in rows  # alloc ok: the -EEXIST loop on t1's own pin


def test_c_without_the_recheck_writeback_uses_the_freed_entry() -> None:
    from conformance.kernel.system import HarnessError, KernelSystem

    system = KernelSystem(ONE_SHRINKER, _harness([PATCHES / "04fc7816089c-no-recheck.patch"]))
    _run(
        system,
        [
            ("SwapOut", None, {"s": s1, "v": v1}),
            ("ShrinkWorker", k1, {}),
            ("LruIsolate", k1, {}),  # rotates v1's entry, then takes it
            ("FreeSlot", None, {"s": s1}),  # zswap_invalidate() frees the entry
            ("SwapOut", None, {"s": s1, "v": v2}),
            ("WbAllocFolio", k1, {}),
        ],
    )
    with pytest.raises(HarnessError) as caught:
        system.enabled()  # trying WbWrite runs zswap_decompress() on the freed entry
    report = str(caught.value)
    assert "heap-use-after-free" in report
    assert "zswap_writeback_entry" in report and "mm/zswap.c" in report


def test_c_the_same_schedule_on_612_finds_the_entry_gone(kernel_harness: Path) -> None:
    from conformance.kernel.system import KernelSystem

    system = KernelSystem(ONE_SHRINKER, kernel_harness)
    _run(
        system,
        [
            ("SwapOut", None, {"s": s1, "v": v1}),
            ("ShrinkWorker", k1, {}),
            ("LruIsolate", k1, {}),
            ("FreeSlot", None, {"s": s1}),
            ("SwapOut", None, {"s": s1, "v": v2}),
            ("WbAllocFolio", k1, {}),
        ],
    )
    assert [str(s) for s in system.enabled() if s.actor == k1] == ["WbEntryGone(k1)"]
    _run(
        system,
        [
            ("WbEntryGone", k1, {}),
            ("StartFault", t1, {"s": s1}),
            ("SwapcachePrepare", t1, {}),
            ("ChargeOk", t1, {}),
            ("AddToSwapCache", t1, {}),
            ("SwapReadFolio", t1, {}),
            ("MapFolio", t1, {}),
        ],
    )
    assert system.mapped()[t1] == v2


FOLIO_REPLACED = [
    ("SwapOut", None, {"s": s1, "v": v1}),
    ("ShrinkWorker", k1, {}),
    ("LruIsolate", k1, {}),  # rotates v1's entry, takes it (budget 4 -> 2)
    ("FreeSlot", None, {"s": s1}),  # v1's entry is invalidated
    ("SwapOut", None, {"s": s1, "v": v2}),
    ("StartFault", t1, {"s": s1}),
    ("WbAllocFolio", k1, {}),  # k1's folio A, locked, in the swap cache
    ("SwapCacheHit", t1, {}),  # t1 takes a reference to A and waits for its lock
    ("WbEntryGone", k1, {}),  # the entry is not v1's: A leaves the cache, unlocked
    ("LruIsolate", k1, {}),  # rotates v2's entry, takes it (budget 2 -> 0)
    ("WbAllocFolio", k1, {}),  # k1's folio B, locked, in the swap cache
]


def test_d_a_waiter_whose_folio_was_replaced_retries_at_once(kernel_harness: Path) -> None:
    """Folio identity: a fault waits on the folio it found, not on the slot's current folio.

    t1 found folio A (SwapCacheHit) and holds a reference to it; A left the
    swap cache (WbEntryGone) and another folio B, locked, took the slot.  In
    6.12 t1 locks A at once (nobody holds A's lock), sees
    ``!folio_test_swapcache(folio)`` ([6.12 mm/memory.c:4369]) and retries the
    fault.  The spec (pc ``hit_gone``) and the reference agree: RetryFault, and
    no wait on B's holder.
    """
    from conformance.kernel.system import KernelSystem
    from conformance.system import System

    config = Config(
        tasks=("t1",), shrinkers=("k1",), slots=("s1",), versions=("v1", "v2"), variant="rotate", scan_budget=4
    )
    kernel, reference = KernelSystem(config, kernel_harness), System(config)
    _run(kernel, FOLIO_REPLACED)
    _run(reference, FOLIO_REPLACED)
    assert kernel.observe() == reference.observe()
    assert _observe(kernel)["stack"][t1][0]["pc"] == "hit_gone"
    for system in (kernel, reference):
        assert [str(s) for s in system.enabled() if s.actor == t1] == ["RetryFault(t1)"]
        assert t1 not in system.blocked()
