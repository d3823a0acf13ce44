"""mm/zswap.c: the compressed cache, its LRU, and writeback.

The walk follows v6.8: ``shrink_memcg`` walks ``pool->list_lru`` from the
head (oldest) for at most SCAN_BUDGET entries (``list_lru_walk_one``'s
``nr_to_walk``); ``shrink_memcg_cb`` isolates one entry, writes it back and,
on failure, puts it back (``zswap_lru_putback``).
"""

from __future__ import annotations

from . import contract, swap_state
from .points import EEXIST, ENOMEM, Preemptible, offer
from .state import MM, WalkFrame, WritebackFrame, ZswapEntry

# Commit ids of bugs the config may reintroduce (Config.bugs).
BUG_NO_ENTRY_RECHECK = contract.BUG_NO_ENTRY_RECHECK
BUG_LRU_SKIP_CURSOR = contract.BUG_LRU_SKIP_CURSOR


# pool->list_lru, head = oldest
def zswap_lru_add(mm: MM, entry: ZswapEntry) -> None:
    mm.zswap_lru = mm.zswap_lru + (entry,)


def zswap_lru_del(mm: MM, entry: ZswapEntry) -> bool:
    """Take ``entry`` off the LRU; False if it was not on it (isolated, or never added)."""
    if entry not in mm.zswap_lru:
        return False
    mm.zswap_lru = tuple(e for e in mm.zswap_lru if e != entry)
    return True


def zswap_lru_putback(mm: MM, entry: ZswapEntry) -> None:
    """Return a failed entry to the LRU: the tail as in v6.8, or the head (what the thread argued against)."""
    if mm.cfg.putback == "head":
        mm.zswap_lru = (entry,) + mm.zswap_lru
    else:
        mm.zswap_lru = mm.zswap_lru + (entry,)


def zswap_remove_swpentry_from_lru(mm: MM, slot: int) -> bool:
    """Variant lru_remove (Domenico's v2): hide the slot's entry from reclaim while we swap it in."""
    entry = mm.zswap_tree[slot]
    return entry is not None and zswap_lru_del(mm, entry)


def zswap_entry_free(mm: MM, entry: ZswapEntry) -> None:
    """Erase ``entry`` from the tree (if it is still there) and from the LRU."""
    if mm.zswap_tree[entry.slot] == entry:
        mm.set_tree(entry.slot, None)
    zswap_lru_del(mm, entry)


def zswap_store(mm: MM, slot: int, data: str) -> None:
    """Compress the page into a new entry: into the tree, at the LRU tail."""
    old = mm.zswap_tree[slot]
    if old is not None:  # a duplicate store invalidates the old entry
        zswap_entry_free(mm, old)
    entry = ZswapEntry(slot, data)
    mm.set_tree(slot, entry)
    zswap_lru_add(mm, entry)


def zswap_load(mm: MM, slot: int) -> str | None:
    """The slot's data if zswap holds it, else None.  Exclusive (v6.9+): the entry is freed."""
    entry = mm.zswap_tree[slot]
    if entry is None:
        return None
    zswap_entry_free(mm, entry)
    return entry.data


def zswap_invalidate(mm: MM, slot: int) -> None:
    """The slot was freed: its entry, if any, goes."""
    entry = mm.zswap_tree[slot]
    if entry is not None:
        zswap_entry_free(mm, entry)


def zswap_writeback_entry(mm: MM, actor: int, depth: int) -> Preemptible:
    """Write the isolated entry of the frame at ``depth`` to the swap device: 0 or -errno."""
    frame = mm.frame(actor, depth)
    entry = frame.entry
    slot = entry.slot
    if frame.pc == "prepare":
        skip_if_exists = contract.writeback_skips_pinned(mm.cfg.variant, mm.cfg.bugs)
        folio_was_allocated, err = yield from swap_state.__read_swap_cache_async(mm, actor, depth, slot, skip_if_exists)
        if err:
            return -ENOMEM
        if not folio_was_allocated:
            return -EEXIST  # someone else's folio: not ours to write
        mm.update_frame(actor, depth, pc="write")

    # The folio is locked and the swap cache secured.  Verify that the entry
    # has not been invalidated and recycled behind our backs: our reference
    # does not prevent that, and old data must not overwrite a new page.
    if mm.zswap_tree[slot] != entry and BUG_NO_ENTRY_RECHECK not in mm.cfg.bugs:
        yield offer("WbEntryGone")
        swap_state.delete_from_swap_cache(mm, slot)  # and folio_unlock()
        return -ENOMEM

    yield offer("WbWrite")
    # __zswap_load(); folio_mark_uptodate(); __swap_writepage(); the folio
    # unlocks when the write completes.
    mm.set_folio(slot, mm.swap_cache[slot]._replace(locked=False, uptodate=True, data=entry.data))
    mm.set_device(slot, entry.data)
    if mm.zswap_tree[slot] == entry:  # the tree may have been invalidated / reused
        zswap_entry_free(mm, entry)
    return 0


def shrink_memcg_cb(mm: MM, actor: int, depth: int) -> Preemptible:
    """Write back the entry isolated in the frame at ``depth``; put it back on failure."""
    frame = mm.frame(actor, depth)
    entry = frame.entry
    if frame.pc != "putback":
        writeback_result = yield from zswap_writeback_entry(mm, actor, depth)
        if not writeback_result:
            mm.pop_frame(actor)
            return
        # LRU_RETRY restarts the walk from the head; only -EEXIST (LRU_SKIP
        # with bug 27d3969b47cc) goes on from the cursor.
        cursor = frame.cursor if writeback_result == -EEXIST else None
        mm.update_frame(actor, depth, pc="putback", cursor=cursor)
    yield offer("WbPutback")  # spin_lock(lru lock) again
    if mm.zswap_tree[entry.slot] == entry:  # not invalidated meanwhile
        zswap_lru_putback(mm, entry)
    mm.pop_frame(actor)


def shrink_memcg(mm: MM, actor: int, depth: int, encountered_page_in_swapcache: bool = False) -> Preemptible:
    """list_lru_walk_one(&pool->list_lru, shrink_memcg_cb, nr_to_walk): the walk frame at ``depth``.

    The walk restarts from the head after every entry (LRU_RETRY,
    LRU_REMOVED_RETRY), so it always isolates the oldest entry.
    ``encountered_page_in_swapcache`` is passed by zswap_shrinker_scan()
    (reclaim in a task), not by shrink_worker().
    """
    while True:
        if len(mm.frames(actor)) == depth + 1:  # between two entries
            walk = mm.frame(actor, depth)
            if walk.budget == 0 or not mm.zswap_lru:
                yield offer("ShrinkDone")
                mm.pop_frame(actor)
                return
            yield offer("LruIsolate")
            entry = mm.zswap_lru[0]
            # list_for_each_safe() remembers the next node before the callback runs.
            cursor = None
            if BUG_LRU_SKIP_CURSOR in mm.cfg.bugs and encountered_page_in_swapcache and len(mm.zswap_lru) > 1:
                cursor = mm.zswap_lru[1]
            # The kernel's callback does list_lru_isolate(); it is the same step, so the walk does it here.
            mm.zswap_lru = mm.zswap_lru[1:]  # list_lru_isolate()
            mm.update_frame(actor, depth, budget=walk.budget - 1)
            mm.push_frame(actor, WritebackFrame(entry, cursor=cursor))
        yield from shrink_memcg_cb(mm, actor, depth + 1)


def shrink_worker(mm: MM, shrinker: int) -> Preemptible:
    """The background shrinker: one walk over the LRU each time the pool is over its limit."""
    if not mm.frames(shrinker):
        if not mm.zswap_lru:
            return
        yield offer("ShrinkWorker")
        mm.push_frame(shrinker, WalkFrame(budget=mm.cfg.scan_budget))
    yield from shrink_memcg(mm, shrinker, 0)
