"""Hand-made traces shaped like spec/README.md's state, for the report tests.

Each trace is written out state by state, the way TLC would print it, for
the scenarios the report must explain: the seed's self-deadlock (variant
``none``), the ABBA deadlock between two tasks, and a trace with
environment steps.  Helpers keep each step a one-line functional update.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.values import FnValue, ModelValue, TlaValue, function_of, sequence_of
from gen.review.trace_view import StateStep

M = ModelValue
NO_ENTRY, NO_FOLIO, NO_DATA = M("NoEntry"), M("NoFolio"), M("NoData")


def entry(slot: str, data: str) -> FnValue:
    return FnValue(slot=M(slot), data=M(data))


def folio(*, locked: bool, uptodate: bool, data: str | None = None) -> FnValue:
    return FnValue(locked=locked, uptodate=uptodate, data=M(data) if data else NO_DATA)


def swapin(slot: str, page: str, pc: str, lru_removed: bool = False) -> FnValue:
    return FnValue(fn="do_swap_page", slot=M(slot), page=M(page), pc=pc, lru_removed=lru_removed)


def walk(budget: int, last: TlaValue = NO_ENTRY) -> FnValue:
    return FnValue(fn="shrink_memcg_cb", budget=budget, last=last)


def writeback(slot: str, data: str, pc: str) -> FnValue:
    return FnValue(fn="zswap_writeback_entry", entry=entry(slot, data), pc=pc)


def initial(slots: list[str], actors: list[str]) -> dict[str, TlaValue]:
    """Every slot free, nothing cached, every actor idle."""

    def by_slot(value: TlaValue) -> FnValue:
        return FnValue({M(s): value for s in slots})

    return {
        "swap_map": by_slot(FnValue(count=0, has_cache=False)),
        "swapped_page": by_slot(NO_DATA),
        "swap_cache": by_slot(NO_FOLIO),
        "zswap_tree": by_slot(NO_ENTRY),
        "zswap_lru": (),
        "swap_device": by_slot(NO_DATA),
        "stack": FnValue({M(a): () for a in actors}),
    }


def at(state: Mapping[str, TlaValue], variable: str, key: str, value: Any) -> dict[str, TlaValue]:
    """``[state EXCEPT !.variable[key] = value]``."""
    new = dict(state)
    new[variable] = function_of(state, variable).set(M(key), value)
    return new


def swap_out(state: dict[str, TlaValue], slot: str, data: str) -> dict[str, TlaValue]:
    state = at(state, "swap_map", slot, FnValue(count=1, has_cache=False))
    state = at(state, "swapped_page", slot, M(data))
    state = at(state, "zswap_tree", slot, entry(slot, data))
    return {**state, "zswap_lru": sequence_of(state, "zswap_lru") + (entry(slot, data),)}


def pin(state: dict[str, TlaValue], slot: str, held: bool) -> dict[str, TlaValue]:
    count = function_of(state, "swap_map")[M(slot)]["count"]
    return at(state, "swap_map", slot, FnValue(count=count, has_cache=held))


def seed_deadlock() -> list[StateStep]:
    """Variant none: t1 pins s1, reclaims from its charge, isolates s1's entry, waits on itself."""
    s = initial(["s1"], ["t1"])
    trace = [StateStep("Init", s)]
    s = swap_out(s, "s1", "v1")
    trace.append(StateStep("SwapOut", s))
    s = at(s, "stack", "t1", (swapin("s1", "v1", "lookup"),))
    trace.append(StateStep("StartFault", s))
    s = at(pin(s, "s1", True), "stack", "t1", (swapin("s1", "v1", "charge"),))
    trace.append(StateStep("SwapcachePrepare", s))
    s = at(s, "stack", "t1", (swapin("s1", "v1", "charge"), walk(1)))
    trace.append(StateStep("ChargeReclaim", s))
    s = {**s, "zswap_lru": ()}
    s = at(s, "stack", "t1", (swapin("s1", "v1", "charge"), walk(0), writeback("s1", "v1", "prepare")))
    trace.append(StateStep("LruIsolate", s))
    return trace


def abba_deadlock() -> list[StateStep]:
    """Variant none: t1 holds s1 and writes back s2's entry; t2 holds s2 and writes back s1's."""
    s = swap_out(swap_out(initial(["s1", "s2"], ["t1", "t2"]), "s1", "v1"), "s2", "v2")
    trace = [StateStep("Init", s)]
    for task, slot, page in (("t1", "s1", "v1"), ("t2", "s2", "v2")):
        s = at(s, "stack", task, (swapin(slot, page, "lookup"),))
        trace.append(StateStep("StartFault", s))
        s = at(pin(s, slot, True), "stack", task, (swapin(slot, page, "charge"),))
        trace.append(StateStep("SwapcachePrepare", s))
        s = at(s, "stack", task, (swapin(slot, page, "charge"), walk(1)))
        trace.append(StateStep("ChargeReclaim", s))
    # The LRU is <<e1, e2>>: t2 isolates the head (s1's entry, pinned by t1),
    # then t1 isolates s2's (pinned by t2).
    s = {**s, "zswap_lru": (entry("s2", "v2"),)}
    s = at(s, "stack", "t2", (swapin("s2", "v2", "charge"), walk(0), writeback("s1", "v1", "prepare")))
    trace.append(StateStep("LruIsolate", s))
    s = {**s, "zswap_lru": ()}
    s = at(s, "stack", "t1", (swapin("s1", "v1", "charge"), walk(0), writeback("s2", "v2", "prepare")))
    trace.append(StateStep("LruIsolate", s))
    return trace


def writeback_and_free() -> list[StateStep]:
    """A shrinker writes s1 back while its owner frees it; then reclaim drops the clean folio."""
    s = swap_out(initial(["s1"], ["t1", "k1"]), "s1", "v1")
    trace = [StateStep("Init", s)]
    s = at(s, "stack", "k1", (walk(1),))
    trace.append(StateStep("ShrinkWorker", s))
    s = {**s, "zswap_lru": ()}
    s = at(s, "stack", "k1", (walk(0), writeback("s1", "v1", "prepare")))
    trace.append(StateStep("LruIsolate", s))
    s = at(pin(s, "s1", True), "swap_cache", "s1", folio(locked=True, uptodate=False))
    s = at(s, "stack", "k1", (walk(0), writeback("s1", "v1", "write")))
    trace.append(StateStep("WbAllocFolio", s))
    s = at(s, "swap_cache", "s1", folio(locked=False, uptodate=True, data="v1"))
    s = at(at(s, "swap_device", "s1", M("v1")), "zswap_tree", "s1", NO_ENTRY)
    s = at(s, "stack", "k1", (walk(0),))
    trace.append(StateStep("WbWrite", s))
    s = at(s, "swap_cache", "s1", NO_FOLIO)
    s = pin(s, "s1", False)
    trace.append(StateStep("DropCleanFolio", s))
    s = at(at(s, "swap_map", "s1", FnValue(count=0, has_cache=False)), "swapped_page", "s1", NO_DATA)
    trace.append(StateStep("FreeSlot", s))
    return trace
