"""mm/zswap.c: the compressed cache, its LRU, and writeback.

The walk follows v6.8: ``shrink_memcg`` walks ``pool->list_lru`` from the
head (oldest) for at most SCAN_BUDGET entries (``list_lru_walk_one``'s
``nr_to_walk``); ``shrink_memcg_cb`` isolates one entry, writes it back and,
on failure, puts it back (``zswap_lru_putback``).

Variant ``rotate`` is 6.12 (6.9 .. 6.12): the callback gives a referenced
entry its second chance (LRU_ROTATE), moves the entry it writes back to the
LRU tail, where it stays (``list_move_tail``), puts nothing back, and a
task's reclaim walk stops (LRU_STOP) when writeback meets a swap-cache folio.
"""

from __future__ import annotations

from . import contract, swap_state
from .points import EEXIST, ENOMEM, Preemptible, offer
from .state import MM, SwapoffFrame, WalkFrame, WritebackFrame, ZswapEntry

# Commit ids of bugs the config may reintroduce (Config.bugs).
BUG_NO_ENTRY_RECHECK = contract.BUG_NO_ENTRY_RECHECK
BUG_LRU_SKIP_CURSOR = contract.BUG_LRU_SKIP_CURSOR
BUG_SYNC_EXCLUSIVE_LOAD = contract.BUG_SYNC_EXCLUSIVE_LOAD
BUG_STORE_KEEPS_DUP = contract.BUG_STORE_KEEPS_DUP
BUG_SWAPOFF_RACE = contract.BUG_SWAPOFF_RACE
BUG_NO_FOLIO_CLEANUP = contract.BUG_NO_FOLIO_CLEANUP


def rotating(mm: MM) -> bool:
    """6.9 .. 6.12: entries are rotated on the LRU, never isolated."""
    return mm.cfg.variant == "rotate"


def invalidates_when_free(mm: MM) -> bool:
    """zswap_invalidate only once the slot is fully free (no use count, no SWAP_HAS_CACHE).

    6.12 (rotate) and v6.8 with shared loads (spec: DeferredInvalidate); the v6.8
    models with exclusive loads invalidate at the first swap_free(), which only
    adds behaviours there.
    """
    return rotating(mm) or mm.cfg.shared_loads


# The device's lifetime (swapoff: conformance.swapfile).
class UseAfterFree(AssertionError):
    """The zswap tree was dereferenced after zswap_swapoff() freed it (what KASAN reports in the kernel)."""


def tree_freed(mm: MM) -> bool:
    """zswap_swapoff() has freed the device's zswap tree."""
    return any(frames and type(frames[0]) is SwapoffFrame and frames[0].pc == "off" for frames in mm.stack)


def swap_write_ok(mm: MM) -> bool:
    """SWP_WRITEOK: no swapoff has started, so the device hands out new slots."""
    return not any(frames and type(frames[0]) is SwapoffFrame for frames in mm.stack)


def swap_zswap_tree(mm: MM, why: str) -> None:
    """Dereference the zswap tree (``tree->lock``, ``xa_cmpxchg``): a use after free once swapoff freed it."""
    if tree_freed(mm):
        raise UseAfterFree(f"{why}: the zswap tree was freed by zswap_swapoff() (5878303c5353)")


def deref_tree_on_first_step(mm: MM, gen: Preemptible[int], why: str) -> Preemptible[int]:
    """Run ``gen``; the first step it takes starts by dereferencing the zswap tree.

    v6.8's shrink_memcg_cb() took ``spin_lock(&tree->lock)`` right after the
    LRU lock dropped, before zswap_writeback_entry() held a folio; the model
    folds that into writeback's first step (spec: TreeDerefPcs, pc "prepare").
    """
    point = next(gen)
    while True:
        choice = yield point
        if why:
            swap_zswap_tree(mm, why)
            why = ""
        try:
            point = gen.send(choice)
        except StopIteration as stop:
            result: int = stop.value
            return result


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
        mm.set_referenced(entry.slot, False)
    zswap_lru_del(mm, entry)


def zswap_store(mm: MM, slot: int, data: str, zswap_enabled: bool = True) -> bool:
    """Compress the page into a new entry: into the tree, at the LRU tail.  False: the page goes to the device.

    ``zswap_enabled`` False stands for every store that does not happen: zswap
    disabled, or the compression, the pool limit or an allocation failing.
    A redirtied page's store meets the entry its last store left (a shared
    load kept it): it must go whatever happens, or a load would read it and
    its writeback would overwrite the new data on the device.
    """
    if not zswap_enabled and BUG_STORE_KEEPS_DUP in mm.cfg.bugs:
        # before 678e54d4bb9a the skipped store returned first: [v6.5 42c06a0e8ebe mm/zswap.c] "if (!zswap_enabled || !tree) return false;"
        return False
    # [v6.8 ca56489c2f1d mm/zswap.c] zswap_store(): "dupentry = zswap_rb_search(&tree->rbroot, offset);
    # if (dupentry) { zswap_duplicate_entry++; zswap_invalidate_entry(tree, dupentry); }"
    # 6.12 erases it when the new entry goes in ([6.12 mm/zswap.c:1534-1535] "if (old) zswap_entry_free(old);")
    # and on every failure ([6.12 mm/zswap.c:1573-1581] "check_old:" ... "entry = xa_erase(tree, offset);"):
    # the same end state.
    old = mm.zswap_tree[slot]
    if old is not None:
        zswap_entry_free(mm, old)
    if not zswap_enabled:
        return False
    entry = ZswapEntry(slot, data)
    # [6.12 mm/zswap.c:1518] "entry->referenced = true;"
    mm.set_referenced(slot, rotating(mm))
    mm.set_tree(slot, entry)
    zswap_lru_add(mm, entry)
    return True


def zswap_load(mm: MM, slot: int, swapcache: bool = True) -> str | None:
    """The slot's data if zswap holds it, else None.  Exclusive (v6.9+): the entry is freed.

    Not when the folio is not in the swap cache (the SWP_SYNCHRONOUS_IO bypass's private
    folio, which the fault may free): [6.12 mm/zswap.c:1621-1624]
    "if (swapcache) entry = xa_erase(tree, offset); else entry = xa_load(tree, offset);"
    (25cd241408a2, in stable 6.5+: every variant).  Bug 25cd241408a2 erases it anyway:
    [patch <20240324210447.956973-1-hannes@cmpxchg.org> mm/zswap.c] "zswap_rb_erase(&tree->rbroot, entry);"
    The v6.8 variants' loads are exclusive unless the model turns zswap.exclusive_loads off
    (``shared_loads``, never with the bypass): then the entry stays and moves to the LRU tail,
    [v6.8 a65b0e7607cc mm/zswap.c] zswap_load(): "} else if (entry->length) { zswap_lru_del(&entry->pool->list_lru, entry);
    zswap_lru_add(&entry->pool->list_lru, entry); }"
    An entry a walk isolated is off the list: list_lru_del() does nothing, list_lru_add() puts it back.
    """
    entry = mm.zswap_tree[slot]
    if entry is None:
        return None
    if mm.cfg.shared_loads:
        zswap_lru_del(mm, entry)
        zswap_lru_add(mm, entry)
    elif swapcache or BUG_SYNC_EXCLUSIVE_LOAD in mm.cfg.bugs:
        zswap_entry_free(mm, entry)
    return entry.data


def zswap_invalidate(mm: MM, slot: int) -> None:
    """The slot was freed: its entry, if any, goes."""
    entry = mm.zswap_tree[slot]
    if entry is not None:
        zswap_entry_free(mm, entry)


def zswap_writeback_entry(mm: MM, actor: int, depth: int) -> Preemptible[int]:
    """Write the isolated entry of the frame at ``depth`` to the swap device: 0 or -errno."""
    frame = mm.frame(actor, depth, WritebackFrame)
    entry = frame.entry
    slot = entry.slot
    if frame.pc in ("prepare", "charge", "charge_retry"):  # the worker's charge (WORKER_CHARGE_RECLAIM) resumes here
        skip_if_exists = contract.writeback_skips_pinned(mm.cfg.variant, mm.cfg.bugs)
        folio_was_allocated, err = yield from swap_state.__read_swap_cache_async(mm, actor, depth, slot, skip_if_exists)
        if err:
            return -ENOMEM
        if not folio_was_allocated:
            return -EEXIST  # someone else's folio: not ours to write
        mm.set_pc(actor, depth, "write")

    # The folio is locked and the swap cache secured.  Verify that the entry
    # has not been invalidated and recycled behind our backs: our reference
    # does not prevent that, and old data must not overwrite a new page.
    # [6.12 mm/zswap.c:1097-1102] "if (entry != xa_cmpxchg(tree, offset, entry, NULL, GFP_KERNEL)) {
    # delete_from_swap_cache(folio); folio_unlock(folio); folio_put(folio); return -ENOMEM; }"
    # [v6.8 04fc7816089c mm/zswap.c] zswap_writeback_entry(): "if (zswap_rb_search(&tree->rbroot,
    # swp_offset(entry->swpentry)) != entry) { spin_unlock(&tree->lock); delete_from_swap_cache(folio);"
    # and [patch <20240125085127.1327013-1-yosryahmed@google.com> mm/zswap.c] e3b63e966cac's
    # "folio_unlock(folio); folio_put(folio);" after it (without them the folio is stranded, locked).
    if mm.zswap_tree[slot] != entry and BUG_NO_ENTRY_RECHECK not in mm.cfg.bugs:
        yield offer("WbEntryGone")
        swap_zswap_tree(mm, "zswap_writeback_entry()'s re-check")  # the locked folio pins the device
        waiters = swap_state.delete_from_swap_cache(mm, slot)
        if BUG_NO_FOLIO_CLEANUP not in mm.cfg.bugs:
            swap_state.folio_unlock(mm, waiters)  # and folio_put()
        return -ENOMEM

    yield offer("WbWrite")
    swap_zswap_tree(mm, "zswap_writeback_entry()'s re-check")
    # [v6.8 e8f897f4afef mm/zswap.c] "__zswap_load(entry, &folio->page);" ... "folio_mark_uptodate(folio);"
    # ... "__swap_writepage(folio, &wbc);": the folio unlocks when the write completes.
    folio = mm.swap_cache[slot]
    assert folio is not None, "WbWrite without the folio writeback added"
    mm.set_folio(slot, folio._replace(locked=False, uptodate=True, data=entry.data))
    mm.set_device(slot, entry.data)
    if mm.zswap_tree[slot] == entry:  # the tree may have been invalidated / reused
        zswap_entry_free(mm, entry)
    return 0


def shrink_memcg_cb(mm: MM, actor: int, depth: int, encountered_page_in_swapcache: bool = False) -> Preemptible[None]:
    """Write back the entry isolated in the frame at ``depth``; put it back on failure."""
    frame = mm.frame(actor, depth, WritebackFrame)
    entry = frame.entry
    if frame.pc != "putback":
        writeback = zswap_writeback_entry(mm, actor, depth)
        if frame.pc == "prepare" and (not rotating(mm) or BUG_SWAPOFF_RACE in mm.cfg.bugs):
            # Before 5878303c5353 the callback took the tree's lock as soon as the LRU lock dropped,
            # before zswap_writeback_entry() held a folio that keeps swapoff out:
            # [patch <20240126-zswap-writeback-race-v2-2-b10479847099@bytedance.com> mm/zswap.c], removed lines:
            # "spin_unlock(lock);" ... "spin_lock(&tree->lock);" ... "if (entry != zswap_rb_search(&tree->rbroot, swpoffset))"
            # 6.12 looks the tree up only with the locked folio: [6.12 mm/zswap.c:1096] "tree = swap_zswap_tree(swpentry);"
            writeback = deref_tree_on_first_step(mm, writeback, "shrink_memcg_cb()'s spin_lock(&tree->lock)")
        writeback_result = yield from writeback
        if not writeback_result:
            mm.pop_frame(actor)
            return
        if rotating(mm):
            # The entry is at the LRU tail already: nothing to put back.
            # [6.12 mm/zswap.c:1220-1221] "if (writeback_result == -EEXIST && encountered_page_in_swapcache) { ret = LRU_STOP;"
            mm.pop_frame(actor)
            if writeback_result == -EEXIST and encountered_page_in_swapcache:
                mm.set_budget(actor, depth - 1, 0)  # LRU_STOP ends the walk
            return
        # LRU_RETRY restarts the walk from the head; only -EEXIST (LRU_SKIP
        # with bug 27d3969b47cc) goes on from the cursor.
        cursor = frame.cursor if writeback_result == -EEXIST else None
        mm.set_frame(actor, depth, mm.frame(actor, depth, WritebackFrame)._replace(pc="putback", cursor=cursor))
    # [v6.8 a65b0e7607cc mm/zswap.c] shrink_memcg_cb(): "if (writeback_result) { zswap_reject_reclaim_fail++;
    # zswap_lru_putback(&entry->pool->list_lru, entry); ret = LRU_RETRY;"
    yield offer("WbPutback")  # spin_lock(lru lock) again
    # v6.8 took the tree's lock again first, with no folio to pin the device (5878303c5353 removed it)
    swap_zswap_tree(mm, "shrink_memcg_cb()'s spin_lock(&tree->lock) after writeback")
    # Not invalidated meanwhile, and not back on the list already (a shared load re-adds an isolated entry):
    # [v6.8 a65b0e7607cc mm/list_lru.c] list_lru_putback(): "if (list_empty(item)) {"
    if mm.zswap_tree[entry.slot] == entry and entry not in mm.zswap_lru:
        zswap_lru_putback(mm, entry)
    mm.pop_frame(actor)


def shrink_memcg(mm: MM, actor: int, depth: int, encountered_page_in_swapcache: bool = False) -> Preemptible[None]:
    """list_lru_walk_one(&pool->list_lru, shrink_memcg_cb, nr_to_walk): the walk frame at ``depth``.

    The walk restarts from the head after every entry (LRU_RETRY,
    LRU_REMOVED_RETRY), so it always isolates the oldest entry.
    ``encountered_page_in_swapcache`` is passed by zswap_shrinker_scan()
    (reclaim in a task), not by shrink_worker().
    """
    while True:
        if len(mm.frames(actor)) == depth + 1:  # between two entries
            walk = mm.frame(actor, depth, WalkFrame)
            if rotating(mm):
                if (yield from _rotating_walk_step(mm, actor, depth, walk.budget)):
                    return
                continue
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
            # The kernel's callback does [v6.8 a65b0e7607cc mm/zswap.c] shrink_memcg_cb():
            # "list_lru_isolate(l, item);"; it is the same step, so the walk does it here.
            mm.zswap_lru = mm.zswap_lru[1:]  # list_lru_isolate()
            mm.set_budget(actor, depth, walk.budget - 1)
            mm.push_frame(actor, WritebackFrame(entry, cursor=cursor))
        yield from shrink_memcg_cb(mm, actor, depth + 1, encountered_page_in_swapcache)


def _leading_referenced(mm: MM) -> int:
    """How many entries at the head the walk rotates before it meets an unreferenced one (all, if all are)."""
    for i, entry in enumerate(mm.zswap_lru):
        if not mm.zswap_referenced[entry.slot]:
            return i
    return len(mm.zswap_lru)


def _rotate_head(mm: MM, count: int) -> None:
    """LRU_ROTATE ``count`` entries: clear their referenced bits, move them to the tail in order."""
    lru = mm.zswap_lru
    for entry in lru[:count]:
        mm.set_referenced(entry.slot, False)
    mm.zswap_lru = lru[count:] + lru[:count]


def _rotating_walk_step(mm: MM, actor: int, depth: int, budget: int) -> Preemptible[bool]:
    """One locked stretch of 6.12's __list_lru_walk_one: True when the walk ended (ShrinkDone).

    The LRU lock is held from the walk's (re)start to the callback's
    spin_unlock, so the second chances it hands out and the entry it then
    takes are one step.
    """
    rotations = _leading_referenced(mm)
    if not mm.zswap_lru or budget <= rotations:
        yield offer("ShrinkDone")
        # [6.12 mm/list_lru.c:230-232] "if (!*nr_to_walk) break; --*nr_to_walk;"
        if mm.zswap_lru:
            _rotate_head(mm, budget)
        mm.pop_frame(actor)
        return True
    yield offer("LruIsolate")
    # [6.12 mm/zswap.c:1164-1167] "if (entry->referenced) { entry->referenced = false; return LRU_ROTATE; }"
    _rotate_head(mm, rotations)
    entry = mm.zswap_lru[0]
    # [6.12 mm/zswap.c:1194] "list_move_tail(item, &l->list);": it stays on the LRU while written back
    mm.zswap_lru = mm.zswap_lru[1:] + (entry,)
    mm.set_budget(actor, depth, budget - rotations - 1)
    mm.push_frame(actor, WritebackFrame(entry))
    return False


def shrink_worker(mm: MM, shrinker: int) -> Preemptible[None]:
    """The background shrinker: one walk over the LRU each time the pool is over its limit."""
    if not mm.frames(shrinker):
        if not mm.zswap_lru:
            return
        yield offer("ShrinkWorker")
        mm.push_frame(shrinker, WalkFrame(budget=mm.cfg.scan_budget))
    yield from shrink_memcg(mm, shrinker, 0)
