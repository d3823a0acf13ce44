"""mm/memcontrol.c: charging the new swap-in folio, which may reclaim."""

from __future__ import annotations

from . import zswap
from .points import ENOMEM, Preemptible, offer
from .state import MM, SwapinFrame, WalkFrame


def mem_cgroup_swapin_charge_folio(mm: MM, actor: int, depth: int) -> Preemptible[int]:
    """Charge the folio being swapped in by the frame at ``depth``: 0 or -ENOMEM.

    Whether the charge succeeds, enters direct reclaim or fails is the
    environment's choice (ChargeOk / ChargeReclaim / ChargeFail).  Reclaim
    runs at most once per fault (the kernel gives up after
    MAX_RECLAIM_RETRIES), then the charge succeeds or fails.
    """
    frame = mm.frame(actor, depth)
    if type(frame) is not SwapinFrame:
        return 0  # zswap writeback runs under PF_MEMALLOC: its charge never reclaims
    if frame.pc == "charge":
        if len(mm.frames(actor)) == depth + 1:  # not reclaiming yet
            choice = yield offer("ChargeOk", "ChargeReclaim", "ChargeFail")
            if choice.name == "ChargeOk":
                return 0
            if choice.name == "ChargeFail":
                return -ENOMEM
            # try_charge_memcg(): [6.12 mm/memcontrol.c:2236-2237] "nr_reclaimed =
            # try_to_free_mem_cgroup_pages(mem_over_limit, nr_pages, gfp_mask, reclaim_options, NULL);":
            # reclaim in this very task
            mm.push_frame(actor, WalkFrame(budget=mm.cfg.scan_budget))
        yield from try_to_free_mem_cgroup_pages(mm, actor, depth + 1)
        mm.set_pc(actor, depth, "charge_retry")
    choice = yield offer("ChargeOk", "ChargeFail")
    return 0 if choice.name == "ChargeOk" else -ENOMEM


def try_to_free_mem_cgroup_pages(mm: MM, actor: int, depth: int) -> Preemptible[None]:
    """Direct reclaim; of all it does, only the zswap shrinker matters here."""
    # shrink_node() -> shrink_slab() -> zswap_shrinker_scan() -> list_lru_shrink_walk()
    yield from zswap.shrink_memcg(mm, actor, depth, encountered_page_in_swapcache=True)
