"""swapoff poisons the PTE of a live page: model swapoff_rotate_poison's 13-step trace on the real 6.12 C.

The model's finding (spec/README.md, "Swapoff"): unuse_pte_range() goes from
``folio_lock()`` (mm/swapfile.c:2235) to ``unuse_pte()`` without checking
that the folio is still the swap cache's folio for that entry, as
do_swap_page() does (mm/memory.c:4378-4380).  Writeback whose
``xa_cmpxchg`` re-check fails deletes the folio it allocated, never filled,
from the swap cache and unlocks it (mm/zswap.c:1097-1101); swapoff, waiting
on that lock, finds it not uptodate, and ``unuse_pte()`` treats it as a read
error: a poisoned swap entry goes into the PTE of the page that reused the
slot, and the slot is freed with that page's only copy (mm/swapfile.c:2112-2124).

Here the same steps run on the harness, whose ``unuse_pte_range()`` and
``unuse_pte()`` are 6.12's own (extracted byte for byte, as are
``zswap_writeback_entry()``, ``__read_swap_cache_async()``, the list_lru
walk and ``zswap_swapoff()``), with ``observe()`` and ``enabled()`` equal to
the Python reference's after every step; at the end page v2's PTE holds the
poisoned entry and v2's data is nowhere: the C shows the model's finding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from conformance.config import Config
from conformance.system import System
from conformance.values import ModelValue

REPO = Path(__file__).resolve().parents[3]
CONFIG = Config.from_cfg(REPO / "spec/models/swapoff_rotate_poison.cfg")
k1, o1, s1, v1, v2 = (ModelValue(n) for n in ("k1", "o1", "s1", "v1", "v2"))
NO_DATA, NO_ENTRY, NO_FOLIO = ModelValue("NoData"), ModelValue("NoEntry"), ModelValue("NoFolio")

# TLC's counterexample of swapoff_rotate_poison (property UnuseNeverPoisons), spec/README.md "Swapoff".
POISON_TRACE: list[tuple[str, ModelValue | None, dict[str, ModelValue]]] = [
    ("SwapOut", None, {"s": s1, "v": v1}),
    ("ShrinkWorker", k1, {}),
    ("ShrinkDone", k1, {}),  # the referenced bit's second chance: rotated, budget spent
    ("ShrinkWorker", k1, {}),
    ("LruIsolate", k1, {}),  # takes s1:v1, drops the LRU lock
    ("FreeSlot", None, {"s": s1}),  # v1's entry freed (zswap_invalidate)
    ("SwapOut", None, {"s": s1, "v": v2}),  # the slot reused by page v2
    ("SwapoffStart", o1, {}),
    ("UnuseSlot", o1, {"s": s1}),  # try_to_unuse() meets v2's PTE
    ("WbAllocFolio", k1, {}),  # pins s1: a locked folio in the swap cache, not uptodate
    ("SwapCacheHit", o1, {}),  # swap_cache_get_folio() finds it; folio_lock() waits
    ("WbEntryGone", k1, {}),  # the xa_cmpxchg re-check fails: delete_from_swap_cache(), folio_unlock()
    ("UnusePoison", o1, {}),  # unuse_pte(): !folio_test_uptodate() -> make_poisoned_swp_entry(), swap_free()
]


def _harness() -> Path:
    from conformance.kernel.build import BuildError, build
    from conformance.kernel.extract import ExtractError

    try:
        return build()
    except (BuildError, ExtractError) as err:
        pytest.skip(f"kernel harness not available: {err}")


def _state(system: Any) -> dict[str, Any]:
    """observe()'s variables, for indexing into (the values' shapes are the contract's)."""
    return cast(dict[str, Any], system.observe())


def _lost(state: dict[str, Any], data: ModelValue) -> bool:
    """``data`` is nowhere: no PTE, tree entry, swap-cache folio or device slot holds it."""
    return (
        data not in state["swapped_page"].values()
        and all(e == NO_ENTRY or e["data"] != data for e in state["zswap_tree"].values())
        and all(f == NO_FOLIO or f["data"] != data for f in state["swap_cache"].values())
        and data not in state["swap_device"].values()
    )


def _replay_both(kernel: Any, reference: System) -> None:
    for n, (name, actor, args) in enumerate(POISON_TRACE, 1):
        assert set(kernel.enabled()) == set(reference.enabled()), f"before step {n} ({name})"
        reference.step(name, actor, **args)
        kernel.step(name, actor, **args)
        assert kernel.observe() == reference.observe(), f"after step {n} ({name})"


def test_reference_poisons_v2() -> None:
    """The Python reference takes the trace, and it ends with v2's data lost (the model's verdict)."""
    reference = System(CONFIG)
    before = None
    for name, actor, args in POISON_TRACE:
        if name == "UnusePoison":
            before = _state(reference)
        reference.step(name, actor, **args)
    assert before is not None
    assert before["swapped_page"][s1] == v2 and before["zswap_tree"][s1]["data"] == v2
    assert before["stack"][o1][-1]["pc"] == "hit_gone"  # the folio left the swap cache under swapoff's wait
    assert _lost(_state(reference), v2)


def test_kernel_poisons_the_pte_of_live_page_v2() -> None:
    """The real 6.12 C takes the same 13 steps, state for state, and poisons page v2's PTE."""
    from conformance.kernel.system import KernelSystem

    kernel = KernelSystem(CONFIG, _harness())
    reference = System(CONFIG)
    _replay_both(kernel, reference)
    state = _state(kernel)
    assert kernel.poisoned() == [v2]  # set_pte_at() wrote make_poisoned_swp_entry() into v2's PTE
    assert state["swap_map"][s1]["count"] == 0 and not state["swap_map"][s1]["has_cache"]  # the slot is free
    assert _lost(state, v2)  # v2's zswap entry went with the slot (zswap_invalidate)
    assert state["stack"][o1] == _state(reference)["stack"][o1]  # swapoff goes on: o1 back at pc "unuse"
    kernel.close()


def test_kernel_without_the_reuse_maps_v1() -> None:
    """Control: the same race without the slot's reuse.  Writeback's re-check holds, it writes v1 and
    unlocks an uptodate folio; swapoff maps it (MapFolio): nothing is poisoned."""
    from conformance.kernel.system import KernelSystem

    kernel = KernelSystem(CONFIG, _harness())
    steps = [
        ("SwapOut", None, {"s": s1, "v": v1}),
        ("ShrinkWorker", k1, {}),
        ("ShrinkDone", k1, {}),
        ("ShrinkWorker", k1, {}),
        ("LruIsolate", k1, {}),
        ("SwapoffStart", o1, {}),
        ("UnuseSlot", o1, {"s": s1}),
        ("WbAllocFolio", k1, {}),
        ("SwapCacheHit", o1, {}),
        ("WbWrite", k1, {}),
        ("MapFolio", o1, {}),
    ]
    reference = System(CONFIG)
    for name, actor, args in steps:
        reference.step(name, actor, **args)
        kernel.step(name, actor, **args)
        assert kernel.observe() == reference.observe(), name
    assert kernel.poisoned() == [] and kernel.mapped()[o1] == v1
    kernel.close()


def test_kernel_with_the_recheck_swaps_v2_in() -> None:
    """A candidate fix (patches/unuse-pte-range-recheck.patch: after folio_lock(), the check do_swap_page()
    makes, as Kairui Song's 2025 folio_matches_swap_entry() does): at the trace's last step swapoff drops
    the stale folio instead (UnuseFolioGone, the spec's step for v6.18's check), meets v2's PTE again and swaps v2 in."""
    from conformance.kernel.build import BuildError, build
    from conformance.kernel.extract import ExtractError
    from conformance.kernel.system import KernelSystem

    patch = Path(__file__).resolve().parents[1] / "patches" / "unuse-pte-range-recheck.patch"
    try:
        exe = build([patch])
    except (BuildError, ExtractError) as err:
        pytest.skip(f"kernel harness not available: {err}")
    kernel = KernelSystem(CONFIG, exe)
    for name, actor, args in POISON_TRACE[:-1]:
        kernel.step(name, actor, **args)
    enabled = {(step.name, step.actor) for step in kernel.enabled()}
    assert ("UnusePoison", o1) not in enabled and ("UnuseFolioGone", o1) in enabled
    kernel.step("UnuseFolioGone", o1)
    for name, actor, args in [
        ("UnuseSlot", o1, {"s": s1}),
        ("SwapcachePrepare", o1, {}),
        ("ChargeOk", o1, {}),
        ("AddToSwapCache", o1, {}),
        ("SwapReadFolio", o1, {}),
        ("MapFolio", o1, {}),
    ]:
        kernel.step(name, actor, **args)
    assert kernel.poisoned() == [] and kernel.mapped()[o1] == v2
    state = _state(kernel)
    assert state["zswap_tree"][s1] == NO_ENTRY and state["swap_map"][s1]["count"] == 0  # v2 swapped in
    kernel.close()
