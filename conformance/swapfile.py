"""mm/swapfile.c: swapoff(2), try_to_unuse() and zswap_swapoff() (spec: Swapoffs, README "Swapoff").

The device's lifetime is the swapoff actor's bottom frame, as in the spec:
none, the device is on; pc ``unuse``, SWP_WRITEOK is cleared and
try_to_unuse() swaps every page in; pc ``off``, zswap_swapoff() has freed
the zswap tree, and any later dereference of the tree is a use after free
(:func:`conformance.zswap.swap_zswap_tree`).
"""

from __future__ import annotations

from . import swap_state
from .page_io import swap_read_folio
from .points import Blocked, Offer, Preemptible, offer
from .state import MM, SwapinFrame, SwapoffFrame
from .zswap import swap_write_ok


def swapoff(mm: MM, actor: int) -> Preemptible[None]:
    """swapoff(2) of the one device: clear SWP_WRITEOK, try_to_unuse(), zswap_swapoff()."""
    if not mm.frames(actor):
        if not swap_write_ok(mm):
            return  # one device: a second swapoff finds none
        # [6.12 mm/swapfile.c:2818] "p->flags &= ~SWP_WRITEOK;"
        yield offer("SwapoffStart")
        mm.push_frame(actor, SwapoffFrame())
    if mm.frame(actor, 0, SwapoffFrame).pc == "off":
        return  # the device is gone (no swapon)
    if len(mm.frames(actor)) == 1:
        # try_to_unuse(): unuse_mm() -> unuse_pte_range() for each PTE holding a slot, in any order
        offers = tuple(Offer("UnuseSlot", (("s", s),)) for s in range(mm.nr_slots) if mm.swap_map[s].count)
        # inuse_pages == 0 (no use count, no SWAP_HAS_CACHE), then percpu_ref_kill() and
        # wait_for_completion(): no task holds a get_swap_device() reference (do_swap_page() does).
        # [6.12 mm/swapfile.c:2886] "zswap_swapoff(p->type);"
        idle = not any(frames and type(frames[0]) is SwapinFrame for frames in mm.stack)
        if idle and not any(e.count or e.has_cache for e in mm.swap_map):
            offers += offer("ZswapSwapoff")
        if not offers:
            return
        choice = yield offers
        if choice.name == "ZswapSwapoff":
            # [6.12 mm/zswap.c:1684-1687] "WARN_ON_ONCE(!xa_empty(trees + i));" ... "kvfree(trees);"
            assert not any(mm.zswap_tree) and not mm.zswap_lru, "zswap_swapoff(): try_to_unuse() left entries"
            mm.set_frame(actor, 0, SwapoffFrame(pc="off"))
            return
        slot = choice.slot()
        page = mm.swapped_page[slot]
        assert page is not None, "a slot in use refers to no page"
        mm.push_frame(actor, SwapinFrame(slot, page=page))
    yield from unuse_pte_range(mm, actor)


def unuse_pte_range(mm: MM, actor: int) -> Preemptible[None]:
    """Swap one page in for swapoff: the swap-in frame at depth 1, above the swapoff frame.

    [6.12 mm/swapfile.c:2216] "folio = swap_cache_get_folio(entry, vma, addr);" else
    [6.12 mm/swapfile.c:2225] "folio = swapin_readahead(entry, GFP_HIGHUSER_MOVABLE,", whose
    __read_swap_cache_async() is the fault's (pin, charge that may reclaim, add), then
    [6.12 mm/swapfile.c:2235-2237] "folio_lock(folio); folio_wait_writeback(folio); ret = unuse_pte(vma, pmd, addr, entry, folio);"
    """
    depth = 1
    frame = mm.frame(actor, depth, SwapinFrame)
    slot = frame.slot
    pc = frame.pc
    same = mm.swapped_page[slot] == frame.page  # the PTE still holds the slot: pte_same_as_swp()

    if pc == "lookup" and not same:
        yield offer("PteChanged")
        mm.pop_frame(actor)
        return
    if pc in ("lookup", "lru_remove", "charge", "charge_retry", "add"):
        folio_was_allocated, err = yield from swap_state.__read_swap_cache_async(
            mm, actor, depth, slot, skip_if_exists=False
        )
        if err:
            # [6.12 mm/swapfile.c:2228-2232] "if (!folio) {" ... "return -ENOMEM;": try_to_unuse() fails,
            # [6.12 mm/swapfile.c:2828-2830] "if (err) { /* re-insert swap space back into swap_list */ reinsert_swap_info(p);"
            mm.pop_frame(actor)
            mm.pop_frame(actor)
            return
        pc = "read" if folio_was_allocated else "hit_wait"
        mm.set_pc(actor, depth, pc)

    if pc == "hit_stranded":
        # The folio left the swap cache still locked and nobody unlocks it (bug e3b63e966cac):
        # [6.12 mm/swapfile.c:2235] "folio_lock(folio);" sleeps for good, and swapoff with it.
        while True:
            yield Blocked(slot, "folio_lock(): the folio left the swap cache locked; nobody unlocks it", True)
    if pc == "hit_gone":
        # The folio left the swap cache while folio_lock() slept; unuse_pte_range() does not look at
        # folio_test_swapcache().  [6.12 mm/swapfile.c:2104-2108] unuse_pte(): "if (unlikely(!pte ||
        # !pte_same_as_swp(ptep_get(pte), swp_entry_to_pte(entry)))) { ret = 0; goto out; }"
        if not same:
            yield offer("PteChanged")
            mm.pop_frame(actor)
            return
        if mm.cfg.unuse_matches_swap_entry:
            # The fix merged for v6.18: [v6.18-rc1 ae38eb210590 mm/swapfile.c] unuse_pte():
            # "if (!folio_matches_swap_entry(folio, entry)) return 0;" (try_to_unuse() meets the slot again)
            yield offer("UnuseFolioGone")
            mm.pop_frame(actor)
            return
        # The folio was dropped by a failure path, never uptodate: [6.12 mm/swapfile.c:2112]
        # "if (unlikely(hwpoisoned || !folio_test_uptodate(folio))) {" ... [6.12 mm/swapfile.c:2119]
        # "swp_entry = make_poisoned_swp_entry();" ... [6.12 mm/swapfile.c:2170] "swap_free(entry);"
        yield offer("UnusePoison")
        swap_state.swap_free(mm, slot)
        mm.pop_frame(actor)
        return
    if pc == "hit_wait":
        if not same:
            yield offer("PteChanged")
            mm.pop_frame(actor)
            return
        folio = swap_state.filemap_get_folio(mm, slot)
        assert folio is not None, "swapoff at hit_wait whose folio left the cache without __delete_from_swap_cache()"
        while folio.locked:
            yield Blocked(slot, "folio_lock(): the folio is locked")
        if not folio.uptodate:
            return  # no path leaves such a folio unlocked
    elif pc == "read":
        yield offer("SwapReadFolio")
        swap_read_folio(mm, slot)
        mm.set_pc(actor, depth, "map")

    yield offer("MapFolio")
    # unuse_pte() maps the folio, swap_free(); [6.12 mm/swapfile.c:2244] "folio_free_swap(folio);"
    swap_state.swap_free(mm, slot)
    swap_state.folio_unlock(mm, swap_state.delete_from_swap_cache(mm, slot))
    mm.pop_frame(actor)
