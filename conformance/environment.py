"""What happens to swap slots around the protocol: the environment's steps.

Each step has a ``*_refusal`` function that returns why it may not happen
now (or None), so a refused request can say so, and the step itself.
"""

from __future__ import annotations

from . import swap_state, zswap
from .points import Args
from .state import MM, SwapinFrame, SwapoffFrame
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
    """The environment's enabled steps, in order: SwapOut (by slot, version), FreeSlot, DropCleanFolio.

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
    referenced: set[str] | None = None
    write_ok = swap_write_ok(mm)
    for slot, entry in enumerate(mm.swap_map):
        if entry.count:
            if slot not in faulting:
                free.append(("FreeSlot", (("s", slot),)))
        elif not entry.has_cache and write_ok:
            if referenced is None:
                referenced = mm.referenced_versions()
            fresh = [v for v in versions if v not in referenced]
            if mm.cfg.fresh_version == "first":
                fresh = fresh[:1]
            swap_out += [("SwapOut", (("s", slot), ("v", v))) for v in fresh]
        folio = mm.swap_cache[slot]
        if folio is not None and not folio.locked and folio.uptodate and not faulting.get(slot, False):
            drop.append(("DropCleanFolio", (("s", slot),)))
    return swap_out + free + drop


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
    if _faults_on(mm, slot):
        return "a task is faulting on the slot, or swapoff swapping it in (mmap_lock held for read)"
    return None


def free_slot(mm: MM, slot: int) -> None:
    """munmap: zap_pte_range() -> free_swap_and_cache() -> swap_free() -> zswap_invalidate()."""
    swap_state.swap_free(mm, slot)


def drop_clean_folio_refusal(mm: MM, slot: int) -> str | None:
    folio = mm.swap_cache[slot]
    if folio is None:
        return "no folio is cached at the slot"
    if folio.locked or not folio.uptodate:
        return "the folio is not clean (locked or not uptodate)"
    if any(frame.pc == "hit_wait" for frame in _faults_on(mm, slot)):
        return "a faulting task holds a reference to the folio (pc hit_wait)"
    return None


def drop_clean_folio(mm: MM, slot: int) -> None:
    """Reclaim of a clean swap-cache folio: __remove_mapping() -> put_swap_folio()."""
    swap_state.delete_from_swap_cache(mm, slot)
