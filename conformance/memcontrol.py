"""mm/memcontrol.c: charging the new swap-in folio, which may reclaim."""

from __future__ import annotations

from . import zswap
from .points import ENOMEM, Preemptible, offer
from .state import MM, SwapinFrame, WalkFrame, WritebackFrame


def worker_charges(mm: MM, actor: int, depth: int) -> bool:
    """Whether the charge of the frame at ``depth`` can reclaim or fail although it is writeback's.

    Reclaim sets PF_MEMALLOC ([6.12 mm/vmscan.c:6628] "noreclaim_flag =
    memalloc_noreclaim_save();"), and then [6.12 mm/memcontrol.c:2214-2215]
    "if (unlikely(current->flags & PF_MEMALLOC)) goto force;": a writeback
    inside reclaim charges without reclaiming.  shrink_worker() is a
    kworker without PF_MEMALLOC: with WORKER_CHARGE_RECLAIM the writeback
    of its own walk (depth 1, under the walk at depth 0) charges like a fault.
    """
    return mm.cfg.worker_charge_reclaim and depth == 1 and type(mm.frame(actor, depth)) is WritebackFrame


def mem_cgroup_swapin_charge_folio(mm: MM, actor: int, depth: int) -> Preemptible[int]:
    """Charge the folio being swapped in by the frame at ``depth``: 0 or -ENOMEM.

    Whether the charge succeeds, enters direct reclaim or fails is the
    environment's choice (ChargeOk / ChargeReclaim / ChargeFail; the
    worker's writeback: WbChargeOk / WbChargeReclaim / WbChargeFail).
    Reclaim runs at most once per fault (the kernel gives up after
    MAX_RECLAIM_RETRIES), then the charge succeeds or fails.
    """
    frame = mm.frame(actor, depth)
    if type(frame) is WalkFrame:
        raise TypeError(f"mem_cgroup_swapin_charge_folio() for actor {actor}'s walk frame {depth}")
    fault = type(frame) is SwapinFrame
    if not fault and not worker_charges(mm, actor, depth):
        return 0  # zswap writeback in reclaim runs under PF_MEMALLOC: its charge never reclaims
    ok, reclaim, fail = (
        ("ChargeOk", "ChargeReclaim", "ChargeFail") if fault else ("WbChargeOk", "WbChargeReclaim", "WbChargeFail")
    )
    if frame.pc in ("charge", "sync_alloc", "sync_charge"):  # the bypass charges its private folio the same way
        if len(mm.frames(actor)) == depth + 1:  # not reclaiming yet
            choice = yield offer(ok, reclaim, fail)
            if choice.name == ok:
                return 0
            if choice.name == fail:
                return -ENOMEM
            # try_charge_memcg(): [6.12 mm/memcontrol.c:2240-2241] "nr_reclaimed =
            # try_to_free_mem_cgroup_pages(mem_over_limit, nr_pages, gfp_mask, reclaim_options, NULL);":
            # reclaim in this very task
            mm.push_frame(actor, WalkFrame(budget=mm.cfg.scan_budget))
        yield from try_to_free_mem_cgroup_pages(mm, actor, depth + 1)
        mm.set_pc(actor, depth, frame.pc + "_retry")
    choice = yield offer(ok, fail)
    return 0 if choice.name == ok else -ENOMEM


def try_to_free_mem_cgroup_pages(mm: MM, actor: int, depth: int) -> Preemptible[None]:
    """Direct reclaim (a task's, or the worker's writeback's); of all it does, only the zswap shrinker matters here."""
    # shrink_node() -> shrink_slab() -> zswap_shrinker_scan() -> list_lru_shrink_walk()
    yield from zswap.shrink_memcg(mm, actor, depth, encountered_page_in_swapcache=True)
