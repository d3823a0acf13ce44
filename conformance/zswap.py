"""mm/zswap.c: the compressed cache, its LRU, and writeback.

The walk follows v6.8: ``shrink_memcg`` walks ``pool->list_lru`` from the
head (oldest) for at most SCAN_BUDGET entries (``list_lru_walk_one``'s
``nr_to_walk``); ``shrink_memcg_cb`` isolates one entry, writes it back and,
on failure, puts it back (``zswap_lru_putback``).
"""

from __future__ import annotations

from gen.values import FnValue, ModelValue

from . import swap_state
from .points import EEXIST, ENOMEM, Preemptible, offer
from .state import NO_ENTRY, MM, walk_frame, writeback_frame, zswap_entry

# Commit ids of bugs the config may reintroduce (Config.bugs).
BUG_NO_ENTRY_RECHECK = "04fc7816089c"  # writeback does not re-check the tree entry
BUG_NO_SKIP_IF_EXISTS = "a65b0e7607cc"  # writeback waits on a held pin again


# pool->list_lru: head = oldest
def zswap_lru_add(mm: MM, entry: FnValue) -> None:
    mm.zswap_lru = mm.zswap_lru + (entry,)


def zswap_lru_del(mm: MM, entry: FnValue) -> bool:
    """Take ``entry`` off the LRU; False if it was not on it (isolated, or never added)."""
    if entry not in mm.zswap_lru:
        return False
    mm.zswap_lru = tuple(e for e in mm.zswap_lru if e != entry)
    return True


def zswap_lru_putback(mm: MM, entry: FnValue) -> None:
    """Return a failed entry to the LRU: the tail as in v6.8, or the head (what the thread argued against)."""
    if mm.cfg.putback == "head":
        mm.zswap_lru = (entry,) + mm.zswap_lru
    else:
        mm.zswap_lru = mm.zswap_lru + (entry,)


def zswap_remove_swpentry_from_lru(mm: MM, slot: ModelValue) -> bool:
    """Variant lru_remove (Domenico's v2): hide the slot's entry from reclaim while we swap it in."""
    entry = mm.zswap_tree[slot]
    return entry is not NO_ENTRY and zswap_lru_del(mm, entry)


def zswap_entry_free(mm: MM, entry: FnValue) -> None:
    """Erase ``entry`` from the tree (if it is still there) and from the LRU."""
    slot = entry["slot"]
    if mm.zswap_tree[slot] == entry:
        mm.set_tree(slot, NO_ENTRY)
    zswap_lru_del(mm, entry)


def zswap_store(mm: MM, slot: ModelValue, data: ModelValue) -> None:
    """Compress the page into a new entry: into the tree, at the LRU tail."""
    old = mm.zswap_tree[slot]
    if old is not NO_ENTRY:  # a duplicate store invalidates the old entry
        zswap_entry_free(mm, old)
    entry = zswap_entry(slot, data)
    mm.set_tree(slot, entry)
    zswap_lru_add(mm, entry)


def zswap_load(mm: MM, slot: ModelValue) -> ModelValue | None:
    """The slot's data if zswap holds it, else None.  Exclusive (v6.9+): the entry is freed."""
    entry = mm.zswap_tree[slot]
    if entry is NO_ENTRY:
        return None
    zswap_entry_free(mm, entry)
    return entry["data"]


def zswap_invalidate(mm: MM, slot: ModelValue) -> None:
    """The slot was freed: its entry, if any, goes."""
    entry = mm.zswap_tree[slot]
    if entry is not NO_ENTRY:
        zswap_entry_free(mm, entry)


def zswap_writeback_entry(mm: MM, actor: ModelValue, depth: int) -> Preemptible:
    """Write the isolated entry of the frame at ``depth`` to the swap device: 0 or -errno."""
    frame = mm.frame(actor, depth)
    entry = frame["entry"]
    slot = entry["slot"]
    if frame["pc"] == "prepare":
        skip_if_exists = mm.cfg.variant == "skip_if_exists" and BUG_NO_SKIP_IF_EXISTS not in mm.cfg.bugs
        folio_was_allocated, err = yield from swap_state.__read_swap_cache_async(
            mm, actor, depth, slot, skip_if_exists)
        if err:
            return -ENOMEM
        if not folio_was_allocated:
            return -EEXIST  # someone else's folio: we have no business writing it
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
    # unlocks when writeback completes.
    mm.update_folio(slot, locked=False, uptodate=True, data=entry["data"])
    mm.set_device(slot, entry["data"])
    if mm.zswap_tree[slot] == entry:  # the tree may have been invalidated / reused
        zswap_entry_free(mm, entry)
    return 0


def shrink_memcg_cb(mm: MM, actor: ModelValue, depth: int) -> Preemptible:
    """Write back the entry isolated in the frame at ``depth``; put it back on failure.

    Returns the entry put back, or NoEntry when it was written back.
    """
    frame = mm.frame(actor, depth)
    entry = frame["entry"]
    if frame["pc"] != "putback":
        if not (yield from zswap_writeback_entry(mm, actor, depth)):
            mm.pop_frame(actor)
            return NO_ENTRY
        mm.update_frame(actor, depth, pc="putback")
    yield offer("WbPutback")  # spin_lock(lru lock) again
    if mm.zswap_tree[entry["slot"]] == entry:  # not invalidated meanwhile
        zswap_lru_putback(mm, entry)
    mm.pop_frame(actor)
    return entry


def shrink_memcg(mm: MM, actor: ModelValue, depth: int) -> Preemptible:
    """list_lru_walk_one(&pool->list_lru, shrink_memcg_cb, nr_to_walk): the walk frame at ``depth``."""
    while True:
        if len(mm.frames(actor)) == depth + 1:  # between two entries
            walk = mm.frame(actor, depth)
            if walk["budget"] == 0 or not mm.zswap_lru:
                yield offer("ShrinkDone")
                mm.pop_frame(actor)
                return
            yield offer("LruIsolate")
            entry = mm.zswap_lru[0]
            mm.zswap_lru = mm.zswap_lru[1:]  # list_lru_isolate()
            mm.update_frame(actor, depth, budget=walk["budget"] - 1)
            mm.push_frame(actor, writeback_frame(entry))
        last = yield from shrink_memcg_cb(mm, actor, depth + 1)
        mm.update_frame(actor, depth, last=last)


def shrink_worker(mm: MM, shrinker: ModelValue) -> Preemptible:
    """The background shrinker: one walk over the LRU each time the pool is over its limit."""
    if not mm.frames(shrinker):
        if not mm.zswap_lru:
            return
        yield offer("ShrinkWorker")
        mm.push_frame(shrinker, walk_frame(mm.cfg.scan_budget))
    yield from shrink_memcg(mm, shrinker, 0)
