"""The bad states of the counterexamples, as predicates on the driving interface.

The generated counterexample tests (conformance/generated/test_counterexamples.py)
call these on the implementation, so they read only ``blocked()``,
``observe()`` and ``enabled()``; gen.generators.counterexamples calls
:func:`where_fix_bites` when it writes that file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance import replay
from conformance import system as system_module
from conformance.steps import Step
from conformance.values import FnValue, ModelValue, TlaValue, function_of


def where_fix_bites(
    config: Any,
    steps: Sequence[Step],
    states: Sequence[Mapping[str, TlaValue]],
    badness: str,
    system_for: replay.SystemFactory = replay.system_for,
) -> tuple[int, str]:
    """Replay a counterexample's steps against a fixed config: where and how the fix bites.

    ``(k, "refused")``: step ``k`` is refused; ``(k, "diverged")``: step ``k``
    leads to a state the buggy trace does not have; ``(n, "not bad")``: every
    step matches, but the last state is not the bad one (e.g. the writer
    skips instead of waiting).  Raises ``AssertionError`` if the bad state is
    reached anyway: then the fix does not fix it.
    """
    system = system_for(config)
    for number, step in enumerate(steps, 1):
        if badness_holds(badness, system, step):
            raise AssertionError(f"the fixed config reaches the bad state ({badness}) before step {number}, {step}")
        try:
            system.step(step.name, step.actor, **dict(step.args))
        except system_module.StepRefused:  # the fix forbids this step
            return number, "refused"
        if system.observe() != states[number]:
            return number, "diverged"
    if badness_holds(badness, system, None):
        raise AssertionError(f"the fixed config reaches the bad state ({badness}) after the last step")
    return len(steps), "not bad"


def starves_in_loop(states: Sequence[Mapping[str, TlaValue]], steps: Sequence[Step], loop_start: int) -> bool:
    """A lasso's loop (states[loop_start:], closed by the last step) in which some task is
    faulting in every state and takes none of the loop's steps."""
    if states[-1] != states[loop_start]:
        return False
    movers = {step.actor for step in steps[loop_start:]}
    tasks = set(function_of(states[loop_start], "stack"))
    return any(
        task not in movers and all(function_of(state, "stack")[task] for state in states[loop_start:]) for task in tasks
    )


def badness_holds(badness: str, system: Any, next_step: Step | None) -> bool:
    """Whether the system is in the bad state (for action properties: about to take the bad step).

    The generated tests call this on the implementation, so it reads only
    the driving interface: ``blocked()`` and ``observe()``.
    """
    if badness == "self_wait":
        return any(actor in holders for actor, holders in system.blocked().items())
    if badness == "wait_cycle":
        waits = system.blocked()

        def reach(start: ModelValue) -> set[ModelValue]:
            seen: set[ModelValue] = set()
            todo = list(waits.get(start, ()))
            while todo:
                actor = todo.pop()
                if actor not in seen:
                    seen.add(actor)
                    todo.extend(waits.get(actor, ()))
            return seen

        return any(a != b and b in reach(a) and a in reach(b) for a in waits for b in waits)
    if badness == "fault_never_completes":
        if next_step is not None:
            return False  # a stuttering lasso is bad in its last state only
        # Fairness is per actor (the environment's steps are not fair): the
        # behaviour may stutter forever once no actor can move, and a task
        # that is still faulting then never completes.
        state = system.observe()
        if any(step[1] is not None for step in system.enabled()):
            return False
        return any(frames for task, frames in state["stack"].items() if task in system.tasks)
    if badness == "data_loss":
        # NoDataLoss: a slot in use whose page's data is in zswap, on the device and in the swap cache
        # nowhere (bug 25cd241408a2's exclusive load into a private folio the fault then dropped).
        state = system.observe()
        return any(_data_lost(state, slot) for slot in state["swap_map"])
    if badness == "orphaned_wait":
        # NoOrphanedWait: an actor waits and nobody holds what it waits for (a folio that left the
        # swap cache still locked: bug e3b63e966cac).
        return any(not holders for holders in system.blocked().values())
    if next_step is None or next_step.actor is None:
        return False
    state = system.observe()
    top = state["stack"][next_step.actor][-1] if state["stack"][next_step.actor] else None
    if badness == "stale_data":
        if next_step.name == "SyncMapFolio" and top is not None and top["pc"] == "sync_unpinned_map":
            # bug 13ddaf26be32: the pin-less bypass maps what it read onto a page that changed meanwhile
            return bool(state["swapped_page"][top["slot"]] != top["page"])
        if next_step.name not in ("MapFolio", "MapFolioKeepCache") or top is None or top["fn"] != "do_swap_page":
            return False
        folio = state["swap_cache"][top["slot"]]
        return isinstance(folio, FnValue) and folio["data"] != top["page"]
    if badness == "lru_stop":
        walk = state["stack"][next_step.actor][-2] if len(state["stack"][next_step.actor]) > 1 else None
        return (
            next_step.name == "WbFolioExists"
            and next_step.actor in system.tasks
            and walk is not None
            and walk["budget"] > 0
        )
    if badness == "cursor_freed":
        if next_step.name != "WbPutback" or top is None or top["fn"] != "zswap_writeback_entry":
            return False
        return top["cursor"] != ModelValue("NoEntry") and top["cursor"] not in state["zswap_lru"]
    raise ValueError(f"unknown bad state {badness!r}")


def _data_lost(state: Mapping[str, Any], slot: TlaValue) -> bool:
    """The spec's NoDataLoss fails at ``slot``."""
    if state["swap_map"][slot]["count"] == 0:
        return False
    page = state["swapped_page"][slot]
    entry = state["zswap_tree"][slot]
    folio = state["swap_cache"][slot]
    in_zswap = isinstance(entry, FnValue) and entry["data"] == page
    in_cache = isinstance(folio, FnValue) and folio["uptodate"] is True and folio["data"] == page
    return not (in_zswap or state["swap_device"][slot] == page or in_cache)
