"""mm/memory.c: the swap fault."""

from __future__ import annotations

from . import swap_state, zswap
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
    if pc in ("lookup", "charge", "charge_retry", "add"):
        folio_was_allocated, err = yield from swap_state.__read_swap_cache_async(
            mm, task, 0, slot, skip_if_exists=False
        )
        if err:
            mm.pop_frame(task)  # VM_FAULT_OOM
            return
        pc = "read" if folio_was_allocated else "hit_wait"
        mm.set_pc(task, 0, pc)

    if pc == "hit_gone":
        # The folio we found left the swap cache (swap_state.__delete_from_swap_cache); nobody holds
        # its lock: [6.12 mm/memory.c:4357] "ret |= folio_lock_or_retry(folio, vmf);" succeeds, then
        # [6.12 mm/memory.c:4369-4371] "if (unlikely(!folio_test_swapcache(folio) || page_swap_entry(page).val != entry.val))
        # goto out_page;" comes before the pte_same() recheck: fault again.
        yield offer("RetryFault")
        mm.pop_frame(task)
        return
    if pc == "hit_wait":
        # [6.12 mm/memory.c:4357] "ret |= folio_lock_or_retry(folio, vmf);", then the pte_same() recheck:
        # [6.12 mm/memory.c:4409-4410] "if (unlikely(!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte)))
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

    if zswap.rotating(mm):
        # [6.12 mm/memory.c:4526-4528] "swap_free_nr(entry, nr_pages); if (should_try_to_free_swap(folio, vma, vmf->flags)) folio_free_swap(folio);"
        # whether it is true (a write fault, swap full, mlocked) is the environment's choice.
        choice = yield offer("MapFolio", "MapFolioKeepCache")
    else:
        choice = yield offer("MapFolio")
    # set_pte_at() maps the folio's data; swap_free(); folio_free_swap(); folio_unlock()
    swap_state.swap_free(mm, slot)
    if choice.name == "MapFolio":
        swap_state.delete_from_swap_cache(mm, slot)
    else:  # the folio stays in the swap cache, SWAP_HAS_CACHE set, until reclaim drops it
        folio = mm.swap_cache[slot]
        assert folio is not None, "MapFolioKeepCache without the fault's folio"
        mm.set_folio(slot, folio._replace(locked=False))
    mm.pop_frame(task)
