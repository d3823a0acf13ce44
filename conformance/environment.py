"""What happens to swap slots around the protocol: the environment's steps.

Each step has a ``*_refusal`` function that returns why it may not happen
now (or None), so a refused request can say so, and the step itself.
"""

from __future__ import annotations

from . import swap_state, zswap
from .points import Args
from .state import MM, Folio, SwapinFrame, SwapoffFrame
from .zswap import swap_write_ok


def _swapin_frame(frames: tuple[object, ...]) -> SwapinFrame | None:
    """An actor's swap-in frame: a task's bottom one, or swapoff's unuse_pte_range() above its swapoff frame."""
    if frames and type(frames[0]) is SwapinFrame:
        return frames[0]
    if len(frames) > 1 and type(frames[0]) is SwapoffFrame and type(frames[1]) is SwapinFrame:
        return frames[1]
    return None


def _faults_on(mm: MM, slot: int) -> list[SwapinFrame]:
    """The swap-in frames on ``slot``: tasks faulting on it, swapoff swapping it in (both hold mmap_lock for read)."""
    return [f for f in map(_swapin_frame, mm.stack) if f is not None and f.slot == slot]


def enabled_steps(mm: MM, versions: list[str]) -> list[tuple[str, Args]]:
    """The environment's enabled steps, in order: SwapOut (by slot, version), FreeSlot, DropCleanFolio,
    SwapDuplicate, SwapOutAgain and SwapOutAgainRejected.

    The same guards as the ``*_refusal`` functions, in one pass over the state
    (enabled() runs at every step).
    """
    faulting: dict[int, bool] = {}  # slot -> some fault on it waits at hit_wait
    for frames in mm.stack:
        frame = _swapin_frame(frames)
        if frame is not None:
            faulting[frame.slot] = faulting.get(frame.slot, False) or frame.pc == "hit_wait"
    swap_out: list[tuple[str, Args]] = []
    free: list[tuple[str, Args]] = []
    drop: list[tuple[str, Args]] = []
    dup: list[tuple[str, Args]] = []
    again: list[tuple[str, Args]] = []
    referenced: set[str] | None = None
    write_ok = swap_write_ok(mm)
    for slot, entry in enumerate(mm.swap_map):
        if entry.count:
            if slot not in faulting or entry.count > 1:
                free.append(("FreeSlot", (("s", slot),)))
            if mm.cfg.swap_shared and entry.count == 1 and slot not in faulting:
                dup.append(("SwapDuplicate", (("s", slot),)))
        elif not entry.has_cache and write_ok:
            if referenced is None:
                referenced = mm.referenced_versions()
            fresh = [v for v in versions if v not in referenced]
            if mm.cfg.fresh_version == "first":
                fresh = fresh[:1]
            swap_out += [("SwapOut", (("s", slot), ("v", v))) for v in fresh]
            if mm.cfg.keep_swapout_folio:
                again += [("SwapOutKeepCache", (("s", slot), ("v", v))) for v in fresh]
        folio = mm.swap_cache[slot]
        if (
            folio is not None
            and not folio.locked
            and folio.uptodate
            and not faulting.get(slot, False)
            and not _dirty_shared(mm, slot)
        ):
            drop.append(("DropCleanFolio", (("s", slot),)))
            if mm.cfg.clean_reclaim and not entry.count and _folio_clean(mm, slot):
                again.append(("UnmapCleanFolio", (("s", slot),)))
            if mm.cfg.redirty and not entry.count:  # a kept folio (has_cache: it is in the swap cache)
                if referenced is None:
                    referenced = mm.referenced_versions()
                fresh = [v for v in versions if v not in referenced]
                if mm.cfg.fresh_version == "first":
                    fresh = fresh[:1]
                for name in ("SwapOutAgain", "SwapOutAgainRejected"):
                    again += [(name, (("s", slot), ("v", v))) for v in fresh]
    return swap_out + free + drop + dup + again


def _dirty_shared(mm: MM, slot: int) -> bool:
    """SwapShared: the slot's folio holds data that neither zswap nor the device has, and a PTE still needs it.

    A shared fault's exclusive load marks it dirty ([6.12 mm/zswap.c:1634-1636] "if (swapcache) {
    zswap_entry_free(entry); folio_mark_dirty(folio);"): reclaim would write it out again before dropping it.
    """
    folio = mm.swap_cache[slot]
    if not mm.cfg.swap_shared or folio is None or not mm.swap_map[slot].count:
        return False
    entry = mm.zswap_tree[slot]
    return folio.data != mm.swap_device[slot] and (entry is None or entry.data != folio.data)


def swap_out_refusal(mm: MM, slot: int, version: str, referenced: set[str] | None = None) -> str | None:
    if not swap_write_ok(mm):
        return "swapoff cleared SWP_WRITEOK: the device hands out no slot"
    if mm.swap_map[slot].count:
        return "the slot is in use (count = 1)"
    if mm.swap_map[slot].has_cache:
        return "the slot is pinned (SWAP_HAS_CACHE): it cannot be reallocated yet"
    referenced = mm.referenced_versions() if referenced is None else referenced
    if version in referenced:
        return f"version {version} is referenced in the state: SwapOut takes a fresh one"
    if mm.cfg.fresh_version == "first":
        first = next(v.name for v in mm.cfg.version_values if v.name not in referenced)
        if version != first:
            return f"this model takes the first fresh version ({first}), not {version} (FirstFreshVersion)"
    return None


def swap_out(mm: MM, slot: int, version: str) -> None:
    """shrink_folio_list(): add_to_swap() allocates the slot, swap_writepage() -> zswap_store()."""
    mm.set_swap_map(slot, count=1)
    mm.set_swapped_page(slot, version)
    zswap.zswap_store(mm, slot, version)


def free_slot_refusal(mm: MM, slot: int) -> str | None:
    if not mm.swap_map[slot].count:
        return "the slot is not in use"
    if _faults_on(mm, slot) and mm.swap_map[slot].count == 1:
        return "a task is faulting on the slot, or swapoff swapping it in (mmap_lock held for read)"
    return None


def free_slot(mm: MM, slot: int) -> None:
    """munmap: zap_pte_range() -> free_swap_and_cache() -> swap_free() -> zswap_invalidate().

    A shared slot: one of its two PTEs goes (the other process's, whoever faults), the slot stays in use.
    """
    swap_state.swap_free(mm, slot)


def swap_duplicate_refusal(mm: MM, slot: int) -> str | None:
    if not mm.cfg.swap_shared:
        return "this model has no shared swap entries (SwapShared)"
    if mm.swap_map[slot].count != 1:
        return "only a slot with use count 1 is duplicated here (use count 0, or 2 already)"
    if _faults_on(mm, slot):
        return "a task is faulting on the slot (fork holds the parent's mmap_lock for write)"
    return None


def swap_duplicate(mm: MM, slot: int) -> None:
    """fork: [6.12 mm/memory.c:805] copy_nonpresent_pte(): "if (swap_duplicate(entry) < 0)" fails not: use count 2."""
    mm.set_swap_map(slot, count=2)


def drop_clean_folio_refusal(mm: MM, slot: int) -> str | None:
    folio = mm.swap_cache[slot]
    if folio is None:
        return "no folio is cached at the slot"
    if folio.locked or not folio.uptodate:
        return "the folio is not clean (locked or not uptodate)"
    if any(frame.pc == "hit_wait" for frame in _faults_on(mm, slot)):
        return "a faulting task holds a reference to the folio (pc hit_wait)"
    if _dirty_shared(mm, slot):
        return "the folio is dirty: the other PTE's only copy of the page (SwapShared)"
    return None


def drop_clean_folio(mm: MM, slot: int) -> None:
    """Reclaim of a clean swap-cache folio: __remove_mapping() -> put_swap_folio()."""
    swap_state.delete_from_swap_cache(mm, slot)


def _folio_clean(mm: MM, slot: int) -> bool:
    """The slot's folio holds data that zswap or the device has too (the spec's FolioClean): not dirty.

    An exclusive load marks its folio dirty ([6.12 mm/zswap.c:1634-1636] "if (swapcache) {
    zswap_entry_free(entry); folio_mark_dirty(folio);"), and that version is nowhere else.
    """
    folio = mm.swap_cache[slot]
    assert folio is not None, "the cleanness of a folio that is not there"
    entry = mm.zswap_tree[slot]
    return folio.data == mm.swap_device[slot] or (entry is not None and entry.data == folio.data)


def swap_out_keep_cache_refusal(mm: MM, slot: int, version: str) -> str | None:
    if not mm.cfg.keep_swapout_folio:
        return "this model drops the swap-out folio at once (KeepSwapOutFolio)"
    return swap_out_refusal(mm, slot, version)


def swap_out_keep_cache(mm: MM, slot: int, version: str) -> None:
    """SwapOut, and the folio stays in the swap cache: [6.12 mm/page_io.c:279-281] "if (zswap_store(folio)) {
    folio_unlock(folio); return 0; }", and reclaim drops it only once it gets the lock again
    ([6.12 mm/vmscan.c:1419-1420] "if (!folio_trylock(folio)) goto keep;"): unlocked, clean, SWAP_HAS_CACHE."""
    swap_out(mm, slot, version)
    mm.set_swap_map(slot, has_cache=True)
    swap_state.add_to_swap_cache(mm, slot, Folio(locked=False, uptodate=True, data=version))


def _kept_folio_refusal(mm: MM, slot: int) -> str | None:
    """Why no page of ``slot`` sits mapped with its clean folio kept in the swap cache (spec KeptFolio)."""
    if mm.swap_map[slot].count:
        return "the slot is in use (count = 1): no page of it sits mapped in the swap cache"
    return drop_clean_folio_refusal(mm, slot)


def unmap_clean_folio_refusal(mm: MM, slot: int) -> str | None:
    if not mm.cfg.clean_reclaim:
        return "this model has no clean kept folio reclaimed again (CleanReclaim)"
    why = _kept_folio_refusal(mm, slot)
    if why is not None:
        return why
    if not _folio_clean(mm, slot):
        return "the folio is dirty (its data is neither in zswap nor on the device): reclaim would store it"
    return None


def unmap_clean_folio(mm: MM, slot: int) -> None:
    """A kept folio's page, not written to, is reclaimed again: [6.12 mm/vmscan.c:1326] "try_to_unmap(folio, flags);"
    puts the slot back in the PTE (use count 1), and a clean folio skips pageout() ([6.12 mm/vmscan.c:1347]
    "if (folio_test_dirty(folio)) {"): __remove_mapping() drops it, nothing is stored."""
    folio = mm.swap_cache[slot]
    assert folio is not None and folio.data is not None, "UnmapCleanFolio without a kept folio"
    mm.set_swap_map(slot, count=1)
    mm.set_swapped_page(slot, folio.data)
    swap_state.delete_from_swap_cache(mm, slot)


def swap_out_again_refusal(mm: MM, slot: int, version: str) -> str | None:
    """Why the page kept in the swap cache at ``slot`` cannot be stored again as ``version`` now (or None)."""
    if not mm.cfg.redirty:
        return "this model has no redirtied pages (Redirty)"
    why = _kept_folio_refusal(mm, slot)
    if why is not None:
        return why
    referenced = mm.referenced_versions()
    if version in referenced:
        return f"version {version} is referenced in the state: the redirtied page's data is fresh"
    if mm.cfg.fresh_version == "first":
        first = next(v.name for v in mm.cfg.version_values if v.name not in referenced)
        if version != first:
            return f"this model takes the first fresh version ({first}), not {version} (FirstFreshVersion)"
    return None


def swap_out_again(mm: MM, slot: int, version: str, stored: bool) -> None:
    """A page that do_swap_page() left in the swap cache was written to and is reclaimed again.

    try_to_unmap() puts the slot back in the PTE (swap_duplicate(): use count 1), pageout() ->
    swap_writepage() -> zswap_store() of the new data; if zswap does not take it, __swap_writepage()
    writes it to the device.  Then __remove_mapping() drops the clean folio, as at SwapOut.
    """
    mm.set_swap_map(slot, count=1)
    mm.set_swapped_page(slot, version)
    if not zswap.zswap_store(mm, slot, version, zswap_enabled=stored):
        mm.set_device(slot, version)
    swap_state.delete_from_swap_cache(mm, slot)
