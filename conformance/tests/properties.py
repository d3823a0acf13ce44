"""The spec's safety properties (spec/Zswap.tla, "Properties"), over observe() values.

Written against the TLA+ values only, not the implementation's internals,
so they check the implementation rather than restate it.  State properties
take a state; action properties take the state before, the step, and the
state after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance import contract
from conformance.steps import STEPS, Step
from conformance.values import FnValue, ModelValue

State = dict[str, Any]
NO_ENTRY = ModelValue("NoEntry")
NO_FOLIO = ModelValue("NoFolio")
NO_DATA = ModelValue("NoData")
HOLDER_PCS = contract.HOLDING_PCS["do_swap_page"]
WB_HOLDER_PCS = contract.HOLDING_PCS["zswap_writeback_entry"]


def _slot_of(frame: FnValue) -> ModelValue:
    slot: ModelValue = frame["slot"] if frame["fn"] == "do_swap_page" else frame["entry"]["slot"]
    return slot


def holds(state: State, actor: ModelValue, slot: ModelValue) -> bool:
    """Actor holds the slot's pin (Holds in the spec)."""
    for f in state["stack"][actor]:
        if f["fn"] == "do_swap_page" and f["slot"] == slot and f["pc"] in HOLDER_PCS:
            return True
        if f["fn"] == "zswap_writeback_entry" and f["entry"]["slot"] == slot and f["pc"] in WB_HOLDER_PCS:
            return True
    return False


def blocked_on(state: State, actor: ModelValue, skip_if_exists: bool, sync_io: bool = False) -> ModelValue | None:
    """The slot the actor waits on (BlockedOn), or None.  ``sync_io``: a fault that would take the
    SWP_SYNCHRONOUS_IO bypass (use count 1) does not wait on a pin, it skips the swap cache."""
    frames = state["stack"][actor]
    if not frames:
        return None
    f = frames[-1]
    s: ModelValue
    if f["fn"] == "do_swap_page":
        s = f["slot"]
        if state["swapped_page"][s] != f["page"]:
            return None
        folio = state["swap_cache"][s]
        bypasses = sync_io and state["swap_map"][s]["count"] == 1
        if f["pc"] == "lookup" and folio == NO_FOLIO and state["swap_map"][s]["has_cache"] and not bypasses:
            return s
        if f["pc"] == "hit_wait" and folio != NO_FOLIO and folio["locked"]:
            return s
    elif f["fn"] == "zswap_writeback_entry" and f["pc"] == "prepare":
        s = f["entry"]["slot"]
        m = state["swap_map"][s]
        if state["swap_cache"][s] == NO_FOLIO and m["count"] > 0 and m["has_cache"] and not skip_if_exists:
            return s
    return None


def waits_on(state: State, skip_if_exists: bool, sync_io: bool = False) -> dict[ModelValue, set[ModelValue]]:
    edges: dict[ModelValue, set[ModelValue]] = {a: set() for a in state["stack"]}
    for a in state["stack"]:
        s = blocked_on(state, a, skip_if_exists, sync_io)
        if s is not None:
            edges[a] = {b for b in state["stack"] if holds(state, b, s)}
    return edges


def waits_on_stranded_folio(state: State, actor: ModelValue) -> bool:
    """The actor sleeps on the lock of a folio that left the swap cache still locked (spec WaitsOnStrandedFolio)."""
    frames = state["stack"][actor]
    return bool(frames) and frames[-1]["fn"] == "do_swap_page" and frames[-1]["pc"] == "hit_stranded"


def _reachable(edges: dict[ModelValue, set[ModelValue]], start: ModelValue) -> set[ModelValue]:
    seen: set[ModelValue] = set()
    todo = list(edges[start])
    while todo:
        b = todo.pop()
        if b not in seen:
            seen.add(b)
            todo.extend(edges[b])
    return seen


# -- state properties ----------------------------------------------------------
def type_ok(state: State) -> bool:
    """Every variable has the shape the contract gives it (a structural subset of TypeOK)."""
    for m in state["swap_map"].values():
        if set(m) != {"count", "has_cache"} or m["count"] not in (0, 1, 2):  # 2: SwapShared
            return False
    for folio in state["swap_cache"].values():
        if folio != NO_FOLIO and set(folio) != {"locked", "uptodate", "data"}:
            return False
    for frames in state["stack"].values():
        if len(frames) > 4:  # a shrinker whose writeback charge reclaims: walk, writeback, walk, writeback
            return False
        for f in frames:
            if f["fn"] not in ("do_swap_page", "shrink_memcg_cb", "zswap_writeback_entry", "swapoff"):
                return False
    return isinstance(state["zswap_lru"], tuple)


def no_self_wait(state: State, skip: bool, sync_io: bool = False) -> bool:
    """No actor waits on a pin that it holds itself (the thread's deadlock)."""
    edges = waits_on(state, skip, sync_io)
    return all(a not in edges[a] for a in edges)


def no_wait_cycle(state: State, skip: bool, sync_io: bool = False) -> bool:
    """No actor waits, through a chain of pin holders, on itself."""
    edges = waits_on(state, skip, sync_io)
    return all(a not in _reachable(edges, a) for a in edges)


def no_orphaned_wait(state: State, skip: bool, sync_io: bool = False) -> bool:
    """Every waiting actor waits on some actor that holds what it waits for (no orphaned pin or folio lock)."""
    edges = waits_on(state, skip, sync_io)
    return all(
        edges[a] for a in edges if blocked_on(state, a, skip, sync_io) is not None or waits_on_stranded_folio(state, a)
    )


def no_data_loss(state: State) -> bool:
    """A swapped-out page's data is in zswap, on the device, or in an uptodate swap-cache folio."""
    for s, m in state["swap_map"].items():
        if m["count"] == 0:
            continue
        page = state["swapped_page"][s]
        entry, folio = state["zswap_tree"][s], state["swap_cache"][s]
        if not (
            (entry != NO_ENTRY and entry["data"] == page)
            or state["swap_device"][s] == page
            or (folio != NO_FOLIO and folio["uptodate"] and folio["data"] == page)
        ):
            return False
    return True


def swap_cache_implies_pin(state: State) -> bool:
    """A folio in the swap cache implies SWAP_HAS_CACHE."""
    return all(state["swap_map"][s]["has_cache"] for s, f in state["swap_cache"].items() if f != NO_FOLIO)


def pin_held(state: State) -> bool:
    """A pin with no folio in the swap cache has a frame that holds it."""
    return all(
        any(holds(state, a, s) for a in state["stack"])
        for s, m in state["swap_map"].items()
        if m["has_cache"] and state["swap_cache"][s] == NO_FOLIO
    )


def lru_only_live(state: State) -> bool:
    """The zswap LRU holds only live tree entries, each once."""
    lru = state["zswap_lru"]
    return all(state["zswap_tree"][e["slot"]] == e for e in lru) and len(set(lru)) == len(lru)


# -- action properties ---------------------------------------------------------
def _top(state: State, actor: ModelValue | None) -> FnValue:
    assert actor is not None, "an actor's step without its actor"
    top: FnValue = state["stack"][actor][-1]
    return top


def _actor(step: Step) -> ModelValue:
    assert step.actor is not None, f"{step.name} without its actor"
    return step.actor


def _sync_read_data(state: State, slot: ModelValue) -> Any:
    entry = state["zswap_tree"][slot]
    return entry["data"] if entry != NO_ENTRY else state["swap_device"][slot]


def no_stale_data(before: State, step: Step, after: State) -> bool:
    """A fault maps exactly the data of the page it faulted on (the bypass: reads it; the pin-less
    bypass of bug 13ddaf26be32: maps what it read onto the page the PTE holds now)."""
    if step.name in ("MapFolio", "MapFolioKeepCache"):
        f = _top(before, step.actor)
        return bool(before["swap_cache"][f["slot"]]["data"] == f["page"])
    if step.name == "SyncReadFolio" or (step.name == "SyncMapFolio" and _top(before, step.actor)["pc"] == "sync_read"):
        f = _top(before, step.actor)
        return bool(_sync_read_data(before, f["slot"]) == f["page"])
    if step.name == "SyncMapFolio":
        f = _top(before, step.actor)
        return bool(before["swapped_page"][f["slot"]] == f["page"])
    return True


def writeback_gives_up_only_on_own_pin(before: State, step: Step, after: State) -> bool:
    """Writeback gives up on a pinned entry only when the pin is its own (Johannes)."""
    return step.name != "WbSkipBusy" or holds(before, _actor(step), _slot_of(_top(before, step.actor)))


# The steps of a task's own fault (spec FaultStep), but those with the zswap load, which may free an
# entry (the bypass's: the slot freed at the map, or bug 25cd241408a2's exclusive load).
FAULT_STEPS = frozenset(name for name, kind in STEPS.items() if kind.actor == "task") - {
    "SwapReadFolio",
    "SyncMapFolio",
    "SyncPteChanged",
}


def fault_path_no_lru_work(before: State, step: Step, after: State) -> bool:
    """No fault step except the zswap load itself changes the zswap LRU (Yosry)."""
    return step.name not in FAULT_STEPS or before["zswap_lru"] == after["zswap_lru"]


def walk_makes_progress(before: State, step: Step, after: State) -> bool:
    """After a failed writeback puts its entry back, the LRU head is another entry if there is one."""
    if step.name != "WbPutback" or len(after["zswap_lru"]) <= 1:
        return True
    return bool(after["zswap_lru"][0] != _top(before, step.actor)["entry"])


def walk_cursor_live(before: State, step: Step, after: State) -> bool:
    """A walk continues only from a cursor that is still on the LRU."""
    if step.name != "WbPutback":
        return True
    cursor = _top(before, step.actor)["cursor"]
    return cursor == NO_ENTRY or cursor in before["zswap_lru"]


# -- the step properties that defend guards (spec: "The step properties below ...") --
# do_swap_page's control flow (spec SwapinPcNext).
SWAPIN_PC_NEXT = frozenset(
    {
        ("lookup", "hit_wait"),
        ("lookup", "lru_remove"),
        ("lookup", "charge"),
        ("hit_wait", "hit_gone"),
        ("hit_wait", "hit_stranded"),
        ("lru_remove", "charge"),
        ("charge", "charge_retry"),
        ("charge", "add"),
        ("charge", "read"),
        ("charge_retry", "add"),
        ("charge_retry", "read"),
        ("add", "read"),
        ("read", "map"),
        # the SWP_SYNCHRONOUS_IO bypass: 6.12 charges, then pins; v6.8 pins, then charges
        ("lookup", "sync_alloc"),
        ("lookup", "sync_prepare"),
        ("sync_alloc", "sync_alloc_retry"),
        ("sync_alloc", "sync_prepare"),
        ("sync_alloc_retry", "sync_prepare"),
        ("sync_prepare", "sync_charge"),
        ("sync_prepare", "sync_read"),
        ("sync_charge", "sync_charge_retry"),
        ("sync_charge", "sync_read"),
        ("sync_charge_retry", "sync_read"),
        # bug 13ddaf26be32: no pin, the read and the map apart
        ("sync_alloc", "sync_unpinned_read"),
        ("sync_alloc_retry", "sync_unpinned_read"),
        ("sync_unpinned_read", "sync_unpinned_map"),
    }
)


def hit_wait_has_folio(state: State) -> bool:
    """A fault waiting for a folio's lock (hit_wait) waits on a folio in the swap cache."""
    return all(
        state["swap_cache"][frames[0]["slot"]] != NO_FOLIO
        for frames in state["stack"].values()
        if frames and frames[0]["fn"] == "do_swap_page" and frames[0]["pc"] == "hit_wait"
    )


def swapin_follows_control_flow(before: State, step: Step, after: State) -> bool:
    """A fault keeps its slot and page and follows do_swap_page's control flow forward."""
    for actor, frames in before["stack"].items():
        new = after["stack"][actor]
        if not frames or not new or frames[0]["fn"] != "do_swap_page":
            continue
        f, g = frames[0], new[0]
        if g["fn"] != "do_swap_page" or g["slot"] != f["slot"] or g["page"] != f["page"]:
            return False
        if g["pc"] != f["pc"] and (f["pc"], g["pc"]) not in SWAPIN_PC_NEXT:
            return False
    return True


def blocked_actors_wait(before: State, step: Step, after: State, skip: bool, sync_io: bool = False) -> bool:
    """An actor blocked on a slot takes no step of its own (a fault whose folio leaves the cache: hit_gone,
    or with bug e3b63e966cac hit_stranded)."""
    for actor, frames in before["stack"].items():
        if blocked_on(before, actor, skip, sync_io) is None or after["stack"][actor] == frames:
            continue
        # a task's only frame, or swapoff's unuse_pte_range() above its swapoff frame
        if frames[-1]["fn"] != "do_swap_page" or after["stack"][actor] not in (
            frames[:-1] + (frames[-1].set("pc", pc),) for pc in ("hit_gone", "hit_stranded")
        ):
            return False
    return True


def pin_only_in_use(before: State, step: Step, after: State) -> bool:
    """SWAP_HAS_CACHE is set only on a slot in use, or by the step that puts it in use (SwapOutKeepCache)."""
    return all(
        m["count"] > 0 or after["swap_map"][s]["count"] > 0
        for s, m in before["swap_map"].items()
        if not m["has_cache"] and after["swap_map"][s]["has_cache"]
    )


def walk_budget_never_grows(before: State, step: Step, after: State) -> bool:
    """A walk's budget (nr_to_walk) only goes down: a walk never restarts in place."""
    for actor, frames in before["stack"].items():
        for f, g in zip(frames, after["stack"][actor], strict=False):
            if f["fn"] == g["fn"] == "shrink_memcg_cb" and g["budget"] > f["budget"]:
                return False
    return True


def _leading_referenced(state: State) -> int:
    """How many entries at the LRU head a rotating walk passes over (spec LeadingReferenced)."""
    lru = state["zswap_lru"]
    for i, entry in enumerate(lru):
        if not state["zswap_referenced"][entry["slot"]]:
            return i
    return len(lru)


def walk_ends_only_when_spent(before: State, step: Step, after: State) -> bool:
    """A walk ends only when its budget is spent, the LRU is empty, or the rest goes on referenced entries."""
    for actor, frames in before["stack"].items():
        if frames and frames[-1]["fn"] == "shrink_memcg_cb" and len(after["stack"][actor]) < len(frames):
            budget = frames[-1]["budget"]
            if budget != 0 and before["zswap_lru"] and budget > _leading_referenced(before):
                return False
    return True


def lru_stop_only_at_swap_cache(before: State, step: Step, after: State) -> bool:
    """A task's walk stops early (LRU_STOP) only at a swap-cache folio (-EEXIST)."""
    for actor, frames in before["stack"].items():
        new = after["stack"][actor]
        if len(frames) != 3 or len(new) != 2 or frames[0]["fn"] != "do_swap_page":
            continue  # a task's walk (spec: t \in Tasks, stack <<fault, walk, writeback>>)
        if frames[1]["budget"] > 0 and new[1]["budget"] == 0:
            if before["swap_cache"][frames[2]["entry"]["slot"]] == NO_FOLIO:
                return False
    return True


def writeback_drops_folio_only_for_gone_entry(before: State, step: Step, after: State) -> bool:
    """Writeback drops its new folio only when its entry left the tree meanwhile (the re-check)."""
    for frames in before["stack"].values():
        if frames and frames[-1]["fn"] == "zswap_writeback_entry" and frames[-1]["pc"] == "write":
            entry = frames[-1]["entry"]
            if after["swap_cache"][entry["slot"]] == NO_FOLIO and before["zswap_tree"][entry["slot"]] == entry:
                return False
    return True


def _tree_freed(state: State) -> bool:
    """zswap_swapoff() has freed the tree: a swapoff frame at pc "off" (spec TreeFreed)."""
    return any(
        frames and frames[0]["fn"] == "swapoff" and frames[0]["pc"] == "off" for frames in state["stack"].values()
    )


def tree_empty_at_swapoff(state: State) -> bool:
    """zswap_swapoff() finds the tree empty (its WARN_ON_ONCE) and no entry on the LRU."""
    return not _tree_freed(state) or (
        all(e == NO_ENTRY for e in state["zswap_tree"].values()) and not state["zswap_lru"]
    )


def unuse_never_poisons(before: State, step: Step, after: State) -> bool:
    """swapoff's unuse_pte() never poisons the PTE of a page that is still swapped out (spec UnuseNeverPoisons)."""
    for actor, frames in before["stack"].items():
        if len(frames) == 2 and frames[0]["fn"] == "swapoff" and frames[1]["pc"] == "hit_gone":
            swapin = frames[1]
            slot = swapin["slot"]
            if before["swapped_page"][slot] == swapin["page"] and after["stack"][actor] != frames:
                if after["swapped_page"][slot] != before["swapped_page"][slot]:
                    return False  # UnusePoison; UnuseFolioGone leaves the page swapped out
    return True


# WritebackNeverTouchesFreedTree has no mirror here: the implementation checks it itself, as KASAN
# would, by raising conformance.zswap.UseAfterFree when it dereferences a freed tree.

# Action properties that need to know whether writeback skips a pinned slot (BlockedOn does).
NEEDS_SKIP = frozenset({"blocked_actors_wait"})


def check_action(name: str, before: State, step: Step, after: State, skip: bool, sync_io: bool = False) -> bool:
    """Evaluate the action property ``name`` on one step."""
    prop = globals()[name]
    return bool(prop(before, step, after, skip, sync_io) if name in NEEDS_SKIP else prop(before, step, after))


StateProperty = Callable[[State], bool]
ActionProperty = Callable[[State, Step, State], bool]
