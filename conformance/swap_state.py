"""mm/swap_state.c and the swap map helpers of mm/swapfile.c.

``__read_swap_cache_async`` serves both callers, as in the kernel: the
faulting task (``do_swap_page``) and zswap writeback.  The contract splits
the fault's path into steps (pin, charge, add) because the charge can run
reclaim in between; writeback's call pins and adds its locked folio in one
step (its charge never reclaims: ``PF_MEMALLOC``).  The frame's ``pc`` says
where a rebuilt generator resumes (see system.py).
"""

from __future__ import annotations

from gen.values import FnValue, ModelValue

from . import zswap
from .memcontrol import mem_cgroup_swapin_charge_folio
from .points import EEXIST, ENOENT, ENOMEM, Blocked, Preemptible, offer
from .state import NO_DATA, NO_ENTRY, NO_FOLIO, SWAPIN, MM, folio


def filemap_get_folio(mm: MM, slot: ModelValue) -> FnValue | ModelValue:
    """The folio at ``slot`` in the swap address space, or NoFolio."""
    return mm.swap_cache[slot]


def swap_swapcount(mm: MM, slot: ModelValue) -> int:
    return mm.swap_map[slot]["count"]


def swapcache_prepare(mm: MM, slot: ModelValue) -> int:
    """Set SWAP_HAS_CACHE (the pin); -EEXIST when someone already holds it."""
    if mm.swap_map[slot]["has_cache"]:
        return -EEXIST
    mm.set_swap_map(slot, has_cache=True)
    return 0


def put_swap_folio(mm: MM, slot: ModelValue) -> None:
    """Drop SWAP_HAS_CACHE: the pin is released."""
    mm.set_swap_map(slot, has_cache=False)


def add_to_swap_cache(mm: MM, slot: ModelValue, new_folio: FnValue) -> None:
    mm.set_folio(slot, new_folio)


def swap_free(mm: MM, slot: ModelValue) -> None:
    """The PTE no longer refers to the slot: drop its use count; zswap forgets it."""
    mm.set_swap_map(slot, count=0)
    mm.set_swapped_page(slot, NO_DATA)
    zswap.zswap_invalidate(mm, slot)


def delete_from_swap_cache(mm: MM, slot: ModelValue) -> None:
    """The folio leaves the swap cache and its swap reference (the pin) is put."""
    mm.set_folio(slot, NO_FOLIO)
    put_swap_folio(mm, slot)


def __read_swap_cache_async(mm: MM, actor: ModelValue, depth: int, slot: ModelValue,
                            skip_if_exists: bool) -> Preemptible:
    """Find or create the swap-cache folio of ``slot``.

    Returns ``(folio_was_allocated, err)``: ``(True, 0)`` when this call
    pinned the slot and added a new locked folio, ``(False, 0)`` when a
    folio was already cached, ``(False, -errno)`` on failure.  The caller's
    frame is ``mm.frame(actor, depth)``.
    """
    frame = mm.frame(actor, depth)
    fault = frame["fn"] == SWAPIN
    pc = frame["pc"]

    def goto(next_pc: str) -> str:
        # Only the fault's frame records these points; writeback's whole call is one step.
        if fault:
            mm.update_frame(actor, depth, pc=next_pc)
        return next_pc

    if pc in ("lookup", "prepare"):
        while True:
            if filemap_get_folio(mm, slot) is not NO_FOLIO:
                yield offer("SwapCacheHit" if fault else "WbFolioExists")
                return False, 0
            if not swap_swapcount(mm, slot):
                # Only writeback gets here: a fault whose page was freed took PteChanged.
                yield offer("WbSlotFreed")
                return False, -ENOENT
            if mm.swap_map[slot]["has_cache"]:
                # swapcache_prepare() would return -EEXIST: someone is swapping the slot in.
                if skip_if_exists:
                    yield offer("WbSkipBusy")
                    return False, -EEXIST
                # schedule_timeout_uninterruptible(1) and retry: wait for the pin holder.
                yield Blocked(slot, "swapcache_prepare() returns -EEXIST")
                continue
            yield offer("SwapcachePrepare" if fault else "WbAllocFolio")
            swapcache_prepare(mm, slot)
            break
        # The swap entry is ours to swap in.
        if fault and mm.cfg.variant == "lru_remove":
            # Domenico's v2: keep our own reclaim from isolating this entry.
            mm.update_frame(actor, depth, lru_removed=zswap.zswap_remove_swpentry_from_lru(mm, slot))
        if mm.cfg.variant == "swap_table":
            # The swap table pins the slot by inserting the locked folio, in the same critical section.
            add_to_swap_cache(mm, slot, folio(locked=True, uptodate=False, data=NO_DATA))
        pc = goto("charge")

    if pc in ("charge", "charge_retry"):
        if (yield from mem_cgroup_swapin_charge_folio(mm, actor, depth)):
            # fail_unlock:
            put_swap_folio(mm, slot)
            if mm.cfg.variant == "swap_table":
                mm.set_folio(slot, NO_FOLIO)
            if fault and mm.frame(actor, depth)["lru_removed"] and mm.zswap_tree[slot] is not NO_ENTRY:
                zswap.zswap_lru_add(mm, mm.zswap_tree[slot])
            return False, -ENOMEM
        if mm.cfg.variant == "swap_table":
            return True, 0  # the folio is in the swap cache already
        pc = goto("add")
        if fault:
            yield offer("AddToSwapCache")

    add_to_swap_cache(mm, slot, folio(locked=True, uptodate=False, data=NO_DATA))
    return True, 0
