"""mm/memory.c: the swap fault."""

from __future__ import annotations

from . import contract, memcontrol, swap_state, zswap
from .page_io import swap_read_folio
from .points import Blocked, Offer, Preemptible, offer
from .state import MM, SwapinFrame


def handle_mm_fault(mm: MM, task: int) -> Preemptible[None]:
    """A task's life: when idle, fault on any swapped-out page (StartFault); then do_swap_page."""
    if not mm.frames(task):
        swapped_out = tuple(Offer("StartFault", (("s", s),)) for s in range(mm.nr_slots) if mm.swap_map[s].count)
        if not swapped_out:
            return
        slot = (yield swapped_out).slot()
        page = mm.swapped_page[slot]
        assert page is not None, "a slot in use refers to no page"
        mm.push_frame(task, SwapinFrame(slot, page=page))
    yield from do_swap_page(mm, task)


def pte_same(mm: MM, frame: SwapinFrame) -> bool:
    """Does the PTE still hold the swap entry this fault started from?"""
    return mm.swapped_page[frame.slot] == frame.page


def do_swap_page(mm: MM, task: int) -> Preemptible[None]:
    frame = mm.frame(task, 0, SwapinFrame)
    slot = frame.slot
    pc = frame.pc

    if pc == "lookup" and not pte_same(mm, frame):
        yield offer("PteChanged")  # another task brought the page in: nothing to do
        mm.pop_frame(task)
        return
    if pc in SYNC_IO_PCS or (pc == "lookup" and bypasses(mm, slot) and swap_state.filemap_get_folio(mm, slot) is None):
        yield from do_swap_page_skip_swapcache(mm, task)
        return
    if pc in ("lookup", "lru_remove", "charge", "charge_retry", "add"):
        folio_was_allocated, err = yield from swap_state.__read_swap_cache_async(
            mm, task, 0, slot, skip_if_exists=False
        )
        if err:
            mm.pop_frame(task)  # VM_FAULT_OOM
            return
        pc = "read" if folio_was_allocated else "hit_wait"
        mm.set_pc(task, 0, pc)

    if pc == "hit_stranded":
        # The folio we found left the swap cache still locked, and whoever locked it returned
        # without unlocking it (bug e3b63e966cac): [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);"
        # sleeps for good.  No pte_same() either: it comes after the lock.
        while True:
            yield Blocked(slot, "folio_lock_or_retry(): the folio left the swap cache locked; nobody unlocks it", True)
    if pc == "hit_gone":
        # The folio we found left the swap cache (swap_state.__delete_from_swap_cache); nobody holds
        # its lock: [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);" succeeds, then
        # [6.12 mm/memory.c:4378-4380] "if (unlikely(!folio_test_swapcache(folio) || page_swap_entry(page).val != entry.val))
        # goto out_page;" comes before the pte_same() recheck: fault again.
        yield offer("RetryFault")
        mm.pop_frame(task)
        return
    if pc == "hit_wait":
        # [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);", then the pte_same() recheck:
        # [6.12 mm/memory.c:4418-4419] "if (unlikely(!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte)))
        # goto out_nomap;"
        if not pte_same(mm, mm.frame(task, 0, SwapinFrame)):
            yield offer("PteChanged")
            mm.pop_frame(task)
            return
        # still the slot's folio: __delete_from_swap_cache() moves a waiter on a leaving folio to hit_gone
        folio = swap_state.filemap_get_folio(mm, slot)
        assert folio is not None, "a fault at hit_wait whose folio left the cache without __delete_from_swap_cache()"
        while folio.locked:
            yield Blocked(slot, "folio_lock_or_retry(): the folio is locked")
        if not folio.uptodate:
            return  # VM_FAULT_SIGBUS in the kernel; no step (no path leaves such a folio)
    elif pc == "read":
        yield offer("SwapReadFolio")
        swap_read_folio(mm, slot)
        mm.set_pc(task, 0, "map")

    if mm.swap_map[slot].count == 1:  # SwapShared: with another reference MapFolio keeps the folio anyway
        # [6.12 mm/memory.c:4535-4537] "swap_free_nr(entry, nr_pages); if (should_try_to_free_swap(folio, vma, vmf->flags)) folio_free_swap(folio);"
        # whether it is true (a write fault, swap full, mlocked) is the environment's choice.  v6.8 has the same test:
        # [v6.8 c145e0b47c77 mm/memory.c] "swap_free(entry); if (should_try_to_free_swap(folio, vma, vmf->flags)) folio_free_swap(folio);"
        choice = yield offer("MapFolio", "MapFolioKeepCache")
    else:
        choice = yield offer("MapFolio")
    # set_pte_at() maps the folio's data; swap_free(); folio_free_swap(); folio_unlock()
    swap_state.swap_free(mm, slot)
    if choice.name == "MapFolio" and not mm.swap_map[slot].count:
        swap_state.folio_unlock(mm, swap_state.delete_from_swap_cache(mm, slot))
    elif choice.name == "MapFolio":
        # A shared slot's other PTE still holds the entry: [6.12 mm/swapfile.c:1874-1875] folio_free_swap():
        # "if (folio_swapped(folio)) return false;" the folio stays in the swap cache for that PTE's fault.
        folio = mm.swap_cache[slot]
        assert folio is not None, "MapFolio without the fault's folio"
        mm.set_folio(slot, folio._replace(locked=False))
    else:  # the folio stays in the swap cache, SWAP_HAS_CACHE set, until reclaim drops it
        folio = mm.swap_cache[slot]
        assert folio is not None, "MapFolioKeepCache without the fault's folio"
        mm.set_folio(slot, folio._replace(locked=False))
    mm.pop_frame(task)


def bypasses(mm: MM, slot: int) -> bool:
    """A fault on ``slot`` that misses the swap cache takes the SWP_SYNCHRONOUS_IO bypass: ``__swap_count(entry) == 1``."""
    return mm.cfg.sync_io and mm.swap_map[slot].count == 1


# The pcs of the SWP_SYNCHRONOUS_IO bypass (spec/README.md, "Frames"); the last two only with bug 13ddaf26be32.
SYNC_IO_PCS = frozenset(
    {
        "sync_alloc",
        "sync_alloc_retry",
        "sync_prepare",
        "sync_charge",
        "sync_charge_retry",
        "sync_read",
        "sync_unpinned_read",
        "sync_unpinned_map",
    }
)


def pinless_bypass(mm: MM) -> bool:
    """Bug 13ddaf26be32: the bypass as it was before [patch <20240219082040.7495-1-ryncsn@gmail.com> mm/memory.c]
    "if (swapcache_prepare(entry)) {" ... "need_clear_cache = true;": no pin, so allocate, charge, read, map."""
    return contract.BUG_PINLESS_BYPASS in mm.cfg.bugs


def do_swap_page_skip_swapcache(mm: MM, task: int) -> Preemptible[None]:
    """do_swap_page()'s SWP_SYNCHRONOUS_IO branch: a private folio that never enters the swap cache.

    [6.12 mm/memory.c:4279-4282] "if (!folio) { if (data_race(si->flags & SWP_SYNCHRONOUS_IO) &&
    __swap_count(entry) == 1) {" (the use count is always 1 here).  6.12 (rotate) allocates and charges
    first and pins after; v6.8's 13ddaf26be32 pins first:
    [v6.8 13ddaf26be32 mm/memory.c] "if (swapcache_prepare(entry)) {" ... "folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE, 0, vma, vmf->address, false);"
    No __read_swap_cache_async(): lru_remove's LRU removal is not on this path.
    """
    frame = mm.frame(task, 0, SwapinFrame)
    slot = frame.slot
    pc = frame.pc
    if pc == "lookup":
        yield offer("SkipSwapcache")
        # without the pin (bug 13ddaf26be32) the two orders are one: allocate and charge, then read
        pc = "sync_alloc" if zswap.rotating(mm) or pinless_bypass(mm) else "sync_prepare"
        mm.set_pc(task, 0, pc)

    if pc in ("sync_alloc", "sync_alloc_retry"):
        # [6.12 mm/memory.c:4292] "folio = alloc_swap_folio(vmf);" charges it, with no pin held:
        # [6.12 mm/memory.c:4029-4030] "if (mem_cgroup_swapin_charge_folio(folio, vma->vm_mm, GFP_KERNEL, entry)) {"
        if (yield from memcontrol.mem_cgroup_swapin_charge_folio(mm, task, 0)):
            mm.pop_frame(task)  # no folio: VM_FAULT_OOM
            return
        pc = "sync_unpinned_read" if pinless_bypass(mm) else "sync_prepare"
        mm.set_pc(task, 0, pc)

    if pc == "sync_unpinned_read":
        # Bug 13ddaf26be32: no pin.  The read is taken while the PTE still holds the page (spec
        # SyncReadFolio: what the private folio holds is then the frame's page); else back out.
        if not pte_same(mm, mm.frame(task, 0, SwapinFrame)):
            yield offer("PteChanged")
            mm.pop_frame(task)
            return
        yield offer("SyncReadFolio")
        # [6.12 mm/memory.c:4329-4330] "folio->swap = entry; swap_read_folio(folio, NULL);" (not exclusive)
        zswap.zswap_load(mm, slot, swapcache=False)
        pc = "sync_unpinned_map"
        mm.set_pc(task, 0, pc)

    if pc == "sync_unpinned_map":
        # [6.12 mm/memory.c:4418-4419] "if (unlikely(!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte)))
        # goto out_nomap;" compares swap entries: it passes whenever the PTE holds the slot again, even
        # for a page that another thread mapped, wrote and swapped out to the same slot meanwhile.  A
        # slot in use for another page is another PTE's (the environment's choice, as the spec's).
        in_use = mm.swap_map[slot].count > 0
        same = pte_same(mm, mm.frame(task, 0, SwapinFrame))
        if in_use and same:
            choice = yield offer("SyncMapFolio")
        elif in_use:
            choice = yield offer("SyncMapFolio", "PteChanged")
        else:
            choice = yield offer("PteChanged")
        if choice.name == "SyncMapFolio":
            # set_pte_at() maps what the read gave; [6.12 mm/memory.c:4535] "swap_free_nr(entry, nr_pages);"
            # and no swapcache_clear(): the fault holds no pin.
            swap_state.swap_free(mm, slot)
        mm.pop_frame(task)
        return

    if pc == "sync_prepare":
        frame = mm.frame(task, 0, SwapinFrame)
        busy = mm.swap_map[slot].has_cache
        if not pte_same(mm, frame):
            # another fault mapped the page meanwhile: backing out, by either door, pops the fault
            yield (offer("PteChanged", "SwapcacheBusy") if busy else offer("PteChanged"))
            mm.pop_frame(task)
            return
        if busy:
            # [6.12 mm/memory.c:4308-4316] "if (swapcache_prepare(entry, nr_pages)) {" ...
            # "schedule_timeout_uninterruptible(1);" then "goto out_page;": the access faults again
            yield offer("SwapcacheBusy")
            mm.pop_frame(task)
            return
        yield offer("SyncSwapcachePrepare")
        swap_state.swapcache_prepare(mm, slot)
        pc = "sync_read" if zswap.rotating(mm) else "sync_charge"
        mm.set_pc(task, 0, pc)

    if pc in ("sync_charge", "sync_charge_retry"):
        if (yield from memcontrol.mem_cgroup_swapin_charge_folio(mm, task, 0)):
            # v6.8 [v6.8 13ddaf26be32 mm/memory.c] "goto out_page;", which clears the pin: [6.12 mm/memory.c:4641-4642]
            # "if (need_clear_cache) { swapcache_clear(si, entry, nr_pages);"
            swap_state.swapcache_clear(mm, slot)
            mm.pop_frame(task)
            return
        mm.set_pc(task, 0, "sync_read")

    # pc == "sync_read".  One step, as in the spec (SyncMapFolio, SyncPteChanged): while the pin is
    # held nothing changes the slot's entry or device bytes.  Whether the PTE still holds the entry
    # at the check is the environment's choice (a UFFDIO_MOVE of the swap PTE; spec: SyncPteChanged).
    choice = yield offer("SyncMapFolio", "SyncPteChanged")
    # [6.12 mm/memory.c:4329-4330] "folio->swap = entry; swap_read_folio(folio, NULL);" into the private
    # folio: the load leaves the entry in the tree (zswap.zswap_load, swapcache=False).
    data = zswap.zswap_load(mm, slot, swapcache=False)
    if data is None:
        data = mm.swap_device[slot]  # swap_readpage_bdev_sync()
    assert data is not None, "the bypass read a slot with no data"
    if choice.name == "SyncPteChanged":
        # [6.12 mm/memory.c:4418-4419] "if (unlikely(!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte)))
        # goto out_nomap;" then out_page/out_release free the private folio and its data, and
        # [6.12 mm/memory.c:4641-4642] "if (need_clear_cache) { swapcache_clear(si, entry, nr_pages);"
        # drops the pin; the slot keeps its use count (the entry moved to another PTE).
        swap_state.swapcache_clear(mm, slot)
        mm.pop_frame(task)
        return
    # set_pte_at() maps the private folio; [6.12 mm/memory.c:4535] "swap_free_nr(entry, nr_pages);" then
    # [6.12 mm/memory.c:4622-4623] "if (need_clear_cache) { swapcache_clear(si, entry, nr_pages);" frees the slot.
    swap_state.swap_free(mm, slot)
    swap_state.swapcache_clear(mm, slot)
    mm.pop_frame(task)
