"""mm/swap_state.c and the swap map helpers of mm/swapfile.c.

``__read_swap_cache_async`` serves both callers, as in the kernel: the
faulting task (``do_swap_page``) and zswap writeback.  The contract splits
the fault's path into steps (pin, charge, add) because the charge can run
reclaim in between; writeback's call pins and adds its locked folio in one
step (its charge never reclaims: ``PF_MEMALLOC``), except the background
worker's with WORKER_CHARGE_RECLAIM, which charges in steps of its own
(``memcontrol.worker_charges``).  The caller's frame
``pc`` says where a rebuilt generator resumes (see system.py).
"""

from __future__ import annotations

from . import memcontrol, zswap
from .points import EEXIST, ENOENT, ENOMEM, Blocked, Preemptible, offer
from .state import MM, Folio, SwapinFrame, SwapoffFrame, WalkFrame


def filemap_get_folio(mm: MM, slot: int) -> Folio | None:
    """The folio at ``slot`` in the swap address space."""
    return mm.swap_cache[slot]


def swap_swapcount(mm: MM, slot: int) -> int:
    return mm.swap_map[slot].count


def swapcache_prepare(mm: MM, slot: int) -> int:
    """Set SWAP_HAS_CACHE (the pin); -EEXIST when someone already holds it."""
    if mm.swap_map[slot].has_cache:
        return -EEXIST
    mm.set_swap_map(slot, has_cache=True)
    return 0


def put_swap_folio(mm: MM, slot: int) -> None:
    """Drop SWAP_HAS_CACHE: the pin is released."""
    mm.set_swap_map(slot, has_cache=False)
    if zswap.invalidates_when_free(mm) and not mm.swap_map[slot].count:
        # [6.12 mm/swapfile.c:1672-1674] "if (!__swap_entry_free_locked(si, offset + i, SWAP_HAS_CACHE)) {" ... "free_swap_slot(entry);"
        free_swap_slot(mm, slot)


def free_swap_slot(mm: MM, slot: int) -> None:
    """The slot is free (no use count, no SWAP_HAS_CACHE): zswap forgets it."""
    # [6.12 mm/swap_slots.c:277] "zswap_invalidate(entry);"
    zswap.zswap_invalidate(mm, slot)


def swap_free(mm: MM, slot: int) -> None:
    """The PTE no longer refers to the slot: drop its use count; zswap forgets it.

    The v6.8 models invalidate at once; 6.12 (rotate), and v6.8 with shared loads, only when the slot
    is really free, i.e. no folio holds SWAP_HAS_CACHE ([6.12 mm/swapfile.c:1520-1521] "if (!usage) free_swap_slot(entry);").
    A shared slot (use count 2, SwapShared) loses this PTE's reference only: the other PTE still holds it.
    """
    count = mm.swap_map[slot].count
    if count > 1:
        mm.set_swap_map(slot, count=count - 1)
        return
    mm.set_swap_map(slot, count=0)
    mm.set_swapped_page(slot, None)
    if not zswap.invalidates_when_free(mm) or not mm.swap_map[slot].has_cache:
        zswap.zswap_invalidate(mm, slot)


def swapcache_clear(mm: MM, slot: int) -> None:
    """The SWP_SYNCHRONOUS_IO bypass drops its pin: [6.12 mm/swapfile.c:3779] "cluster_swap_free_nr(si, offset, nr, SWAP_HAS_CACHE);"

    as put_swap_folio() does (6.12: the slot is freed if its use count is gone).
    """
    put_swap_folio(mm, slot)


def add_to_swap_cache(mm: MM, slot: int, folio: Folio) -> None:
    mm.set_folio(slot, folio)


# The faults asleep on a folio's lock: (actor, frame index) pairs.
Waiters = tuple[tuple[int, int], ...]


def __delete_from_swap_cache(mm: MM, slot: int) -> Waiters:
    """The slot's folio leaves the swap address space: ``folio->swap`` and PG_swapcache are cleared.

    A fault that found this folio (pc ``hit_wait``) holds a reference to the
    folio, not to the slot: when it locks it, it sees that it left, whatever
    folio holds the slot by then, and retries ([6.12 mm/memory.c:4378-4380]
    "if (unlikely(!folio_test_swapcache(folio) || page_swap_entry(page).val != entry.val)) goto out_page;").
    The state keeps folios by slot, so the fault's frame records it now.  The folio is
    still locked (its deleter holds it, or a fault that found it would not wait): its
    waiters sleep on in the lock, pc ``hit_stranded``, until the deleter's
    :func:`folio_unlock` of the waiters returned here moves them to ``hit_gone``.
    """
    mm.set_folio(slot, None)
    waiters: list[tuple[int, int]] = []
    for actor, frames in enumerate(mm.stack):
        if frames and type(frames[0]) is SwapinFrame and frames[0].slot == slot and frames[0].pc == "hit_wait":
            waiters.append((actor, 0))
        # swapoff's unuse_pte_range() holds the folio the same way (its frame above the swapoff frame)
        elif (
            len(frames) == 2
            and type(frames[0]) is SwapoffFrame
            and type(frames[1]) is SwapinFrame
            and frames[1].slot == slot
            and frames[1].pc == "hit_wait"
        ):
            waiters.append((actor, 1))
    for actor, depth in waiters:
        mm.set_pc(actor, depth, "hit_stranded")
    return tuple(waiters)


def folio_unlock(mm: MM, waiters: Waiters) -> None:
    """Unlock a folio that has left the swap cache: its waiters wake and will see that it left (``hit_gone``)."""
    for actor, depth in waiters:
        mm.set_pc(actor, depth, "hit_gone")


def delete_from_swap_cache(mm: MM, slot: int) -> Waiters:
    """The folio leaves the swap cache and its swap reference (the pin) is put; returns its waiters."""
    waiters = __delete_from_swap_cache(mm, slot)
    put_swap_folio(mm, slot)
    return waiters


def __read_swap_cache_async(
    mm: MM, actor: int, depth: int, slot: int, skip_if_exists: bool
) -> Preemptible[tuple[bool, int]]:
    """Find or create the swap-cache folio of ``slot`` for the frame ``mm.frame(actor, depth)``.

    Returns ``(folio_was_allocated, err)``: ``(True, 0)`` when this call
    pinned the slot and added a new locked folio, ``(False, 0)`` when a
    folio was already cached, ``(False, -errno)`` on failure.
    """
    frame = mm.frame(actor, depth)
    if type(frame) is WalkFrame:
        raise TypeError(f"__read_swap_cache_async() for actor {actor}'s walk frame {depth}")
    fault = type(frame) is SwapinFrame
    # The worker's writeback records its charge too (WbChargeOk / WbChargeReclaim / WbChargeFail).
    records = fault or memcontrol.worker_charges(mm, actor, depth)
    pc = frame.pc

    def goto(next_pc: str) -> str:
        # Only the fault's frame records these points; writeback's whole call is one step
        # (the worker's: two, the pin and the charge).
        if records:
            mm.set_pc(actor, depth, next_pc)
        return next_pc

    if pc in ("lookup", "prepare"):
        while True:
            if filemap_get_folio(mm, slot) is not None:
                yield offer("SwapCacheHit" if fault else "WbFolioExists")
                return False, 0
            if not swap_swapcount(mm, slot):
                # Only writeback gets here: a fault whose page was freed took PteChanged.
                yield offer("WbSlotFreed")
                return False, -ENOENT
            # The folio is allocated before the pin is tried (6.12: once, so a writer
            # looping on a held pin already has it): writeback may fail here.
            # [6.12 mm/swap_state.c:476-479] "if (!new_folio) { new_folio = folio_alloc_mpol(gfp_mask, 0, mpol, ilx, numa_node_id()); if (!new_folio) goto put_and_return;"
            may_fail_alloc = not fault and (skip_if_exists or not mm.swap_map[slot].has_cache)
            if mm.swap_map[slot].has_cache:
                # [6.12 mm/swap_state.c:485-489] "err = swapcache_prepare(entry, 1);" would return -EEXIST:
                # someone is swapping the slot in.
                # [6.12 mm/swap_state.c:499-500] "if (skip_if_exists) goto put_and_return;" (a65b0e7607cc)
                if skip_if_exists:
                    choice = yield (offer("WbSkipBusy", "WbAllocFail") if may_fail_alloc else offer("WbSkipBusy"))
                    return False, -EEXIST if choice.name == "WbSkipBusy" else -ENOMEM
                # [6.12 mm/swap_state.c:509] "schedule_timeout_uninterruptible(1);", then retry: wait for the pin holder.
                yield Blocked(slot, "swapcache_prepare() returns -EEXIST")
                continue
            if fault:
                yield offer("SwapcachePrepare")
            elif (
                yield (offer("WbAllocFolio", "WbAllocFail") if may_fail_alloc else offer("WbAllocFolio"))
            ).name == "WbAllocFail":
                return False, -ENOMEM
            swapcache_prepare(mm, slot)
            break
        # The swap entry is ours to swap in.
        if mm.cfg.variant == "swap_table":
            # The swap table pins the slot by inserting the locked folio, in one critical section.
            add_to_swap_cache(mm, slot, Folio(locked=True, uptodate=False, data=None))
        pc = goto("lru_remove" if fault and mm.cfg.variant == "lru_remove" else "charge")

    if pc == "lru_remove":
        # Domenico's v2 keeps our own reclaim from isolating this entry, after the pin and
        # __folio_set_locked(), under the LRU lock only: a walk may have isolated it meanwhile.
        # [patch <20230912001318.2437018-2-nphamcs@gmail.com> mm/swap_state.c]
        # "zswap_lru_removed = zswap_remove_swpentry_from_lru(entry);"
        # Writeback's own call would look up the entry it isolated itself: a no-op, so no step.
        yield offer("ZswapLruRemove")
        removed = zswap.zswap_remove_swpentry_from_lru(mm, slot)
        mm.set_frame(actor, depth, mm.frame(actor, depth, SwapinFrame)._replace(lru_removed=removed))
        pc = goto("charge")

    if pc in ("charge", "charge_retry"):
        if (yield from memcontrol.mem_cgroup_swapin_charge_folio(mm, actor, depth)):
            # [6.12 mm/swap_state.c:538-539] "fail_unlock: put_swap_folio(new_folio, entry);"
            if mm.cfg.variant == "swap_table":
                folio_unlock(mm, __delete_from_swap_cache(mm, slot))
            put_swap_folio(mm, slot)
            if fault:
                zswap_lru_reinsert(mm, actor, depth, slot)
            return False, -ENOMEM
        if mm.cfg.variant == "swap_table":
            return True, 0  # the folio is in the swap cache already
        pc = goto("add") if fault else "add"

    if fault:  # pc == "add"
        yield offer("AddToSwapCache")
    add_to_swap_cache(mm, slot, Folio(locked=True, uptodate=False, data=None))
    if fault:
        # Domenico's v2 re-inserts on success too, until swap_read_folio()'s exclusive load frees it:
        # [patch <20230912001318.2437018-2-nphamcs@gmail.com> mm/swap_state.c]
        # "if (zswap_lru_removed) zswap_insert_swpentry_into_lru(entry);"
        zswap_lru_reinsert(mm, actor, depth, slot)
    return True, 0


def zswap_lru_reinsert(mm: MM, actor: int, depth: int, slot: int) -> None:
    """lru_remove: put the slot's entry back on the LRU (at the tail) if this fault took it off."""
    hidden = mm.zswap_tree[slot]
    if mm.frame(actor, depth, SwapinFrame).lru_removed and hidden is not None:
        zswap.zswap_lru_add(mm, hidden)
