"""What happens to swap slots around the protocol: the environment's steps.

Each step has a ``*_refusal`` function that returns why it may not happen
now (or None), so a refused request can say so, and the step itself.
"""

from __future__ import annotations

from gen.values import ModelValue

from . import swap_state, zswap
from .state import NO_FOLIO, SWAPIN, MM


def swap_out_refusal(mm: MM, slot: ModelValue, version: ModelValue) -> str | None:
    if mm.swap_map[slot]["count"]:
        return f"slot {slot.name} is in use (count = 1)"
    if mm.swap_map[slot]["has_cache"]:
        return f"slot {slot.name} is pinned (SWAP_HAS_CACHE): it cannot be reallocated yet"
    if version in mm.referenced_versions():
        return f"version {version.name} is referenced in the state: SwapOut takes a fresh one"
    return None


def swap_out(mm: MM, slot: ModelValue, version: ModelValue) -> None:
    """shrink_folio_list(): add_to_swap() allocates the slot, swap_writepage() -> zswap_store()."""
    mm.set_swap_map(slot, count=1)
    mm.set_swapped_page(slot, version)
    zswap.zswap_store(mm, slot, version)


def free_slot_refusal(mm: MM, slot: ModelValue) -> str | None:
    if not mm.swap_map[slot]["count"]:
        return f"slot {slot.name} is not in use"
    for actor, frames in mm.stack.items():
        if frames and frames[0]["fn"] == SWAPIN and frames[0]["slot"] == slot:
            return f"{actor.name} is faulting on slot {slot.name} (holds mmap_lock for read)"
    return None


def free_slot(mm: MM, slot: ModelValue) -> None:
    """munmap: zap_pte_range() -> free_swap_and_cache() -> swap_free() -> zswap_invalidate()."""
    swap_state.swap_free(mm, slot)


def drop_clean_folio_refusal(mm: MM, slot: ModelValue) -> str | None:
    cached = mm.swap_cache[slot]
    if cached is NO_FOLIO:
        return f"no folio is cached at slot {slot.name}"
    if cached["locked"] or not cached["uptodate"]:
        return f"the folio at slot {slot.name} is not clean (locked or not uptodate)"
    for actor, frames in mm.stack.items():
        if frames and frames[0]["fn"] == SWAPIN and frames[0]["slot"] == slot and frames[0]["pc"] == "hit_wait":
            return f"{actor.name} holds a reference to the folio at slot {slot.name} (pc hit_wait)"
    return None


def drop_clean_folio(mm: MM, slot: ModelValue) -> None:
    """Reclaim of a clean swap-cache folio: __remove_mapping() -> put_swap_folio()."""
    swap_state.delete_from_swap_cache(mm, slot)
