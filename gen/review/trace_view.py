"""What a reviewer needs from a counterexample, read off its states.

A TLC trace is a list of states, each reached by a named action.  The
contract (spec/README.md) makes every step attributable from the state
change alone: an actor step changes that actor's ``stack``; an environment
step changes one slot's ``swap_map`` or ``swap_cache``.  This module turns
the states into :class:`StepView` rows (who, which slot, what changed,
which pins were taken or released) and the last state into the waits that
explain a deadlock ("t1 waits on the pin it holds").

Nothing here is specific to Mermaid or Markdown: :mod:`gen.review.mermaid` and
:mod:`gen.review.report` render these views.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import contract
from conformance.show import show_frame, show_value
from conformance.steps import Step
from conformance.tlc_config import config_constants
from conformance.values import FnValue, ModelValue, TlaValue
from gen.generators.edges import EdgeRecoveryError, recover_step

__all__ = [
    "Change",
    "StateStep",
    "StepView",
    "TraceViewError",
    "Wait",
    "describe_waits",
    "format_frame",
    "format_value_short",
    "view_steps",
    "waits_in",
    "writeback_skips_pinned_in",
]

State = Mapping[str, TlaValue]

# Shared structures: every variable but the actors' call stacks.
SHARED_VARIABLES = ("swap_map", "swapped_page", "swap_cache", "zswap_tree", "zswap_lru", "swap_device")
# Program counters at which a swap-in frame holds its slot's pin (contract,
# "Who waits on whom").
SWAPIN_HOLDS = contract.HOLDING_PCS["do_swap_page"]
# The side of a push or pop where there is no frame.
NOTHING = "—"


class TraceViewError(ValueError):
    """A trace whose states do not have the contract's shape."""


@dataclass(frozen=True)
class StateStep:
    """One state of a trace and the action that reached it (``Init`` first)."""

    action: str
    state: State


@dataclass(frozen=True)
class Change:
    """One variable (or one part of it) that a step changed, as short text."""

    where: str  # e.g. "swap_map[s1].has_cache", "stack[t1]"
    before: str
    after: str

    def __str__(self) -> str:
        if self.before == NOTHING:
            return f"{self.where} {self.after}"
        if self.after == NOTHING:
            return f"{self.where} {self.before}"
        return f"{self.where}: {self.before} → {self.after}"


@dataclass(frozen=True)
class StepView:
    """One step of a trace as a reader sees it."""

    number: int  # 1-based; state 0 is the initial state
    action: str
    actor: str | None  # None: an environment step (SwapOut, FreeSlot, DropCleanFolio)
    slot: str | None
    changes: tuple[Change, ...]
    touches_shared: bool
    pins_taken: tuple[str, ...]
    pins_released: tuple[str, ...]


@dataclass(frozen=True)
class Wait:
    """In the final state, ``waiter`` cannot move until ``holder`` releases ``slot``."""

    waiter: str
    slot: str
    holder: str | None  # None: the pin is held but no actor holds it
    why: str  # "pin" (SWAP_HAS_CACHE held), "folio lock", or "stranded folio lock" (bug e3b63e966cac)


def _name(value: Any) -> str:
    return value.name if isinstance(value, ModelValue) else str(value)


def _var(state: State, variable: str) -> FnValue:
    """A variable the contract makes a function (of actors or of slots)."""
    value = state.get(variable)
    if not isinstance(value, FnValue):
        raise TraceViewError(
            f"`{variable}` is {'missing' if value is None else format_value_short(value)}, not a function: "
            "the trace does not follow spec/README.md's variables; re-run TLC on the current spec"
        )
    return value


# The short printer is conformance.show's, shared with the simulator; these names are this module's API.
format_value_short = show_value
format_frame = show_frame


def frame_slot(frame: Mapping[str, Any]) -> str | None:
    """The slot a frame works on (``entry.slot`` for writeback; none for a walk)."""
    if frame["fn"] == "do_swap_page":
        return _name(frame["slot"])
    if frame["fn"] == "zswap_writeback_entry":
        return _name(frame["entry"]["slot"])
    return None


def _diff(where: str, before: TlaValue, after: TlaValue) -> list[Change]:
    """Field-level differences between two values of the same shape."""
    if before == after:
        return []
    if isinstance(before, FnValue) and isinstance(after, FnValue) and set(before) == set(after):
        if set(before) in ({"slot", "data"}, {"locked", "uptodate", "data"}):
            return [Change(where, format_value_short(before), format_value_short(after))]
        changes: list[Change] = []
        for key in sorted(before, key=_name):
            part = f"{where}.{key}" if isinstance(key, str) else f"{where}[{_name(key)}]"
            changes += _diff(part, before[key], after[key])
        return changes
    return [Change(where, format_value_short(before), format_value_short(after))]


def _stack_changes(actor: str, before: tuple[Any, ...], after: tuple[Any, ...]) -> list[Change]:
    """Push, pop and per-field changes of one actor's call stack."""
    changes: list[Change] = []
    common = min(len(before), len(after))
    for depth in range(common):
        old, new = before[depth], after[depth]
        if old == new:
            continue
        if old["fn"] == new["fn"]:
            label = format_frame(old).split("(")[0]
            slot = frame_slot(old)
            for key in sorted(old):
                if old[key] != new[key]:
                    changes.append(
                        Change(
                            f"{actor} {label}{'(' + slot + ')' if slot else ''}.{key}",
                            format_value_short(old[key]),
                            format_value_short(new[key]),
                        )
                    )
        else:
            changes.append(Change(f"stack[{actor}][{depth + 1}]", format_frame(old), format_frame(new)))
    for frame in reversed(before[common:]):
        changes.append(Change(f"{actor} pop", format_frame(frame), NOTHING))
    for frame in after[common:]:
        changes.append(Change(f"{actor} push", NOTHING, format_frame(frame)))
    return changes


def _state_changes(before: State, after: State) -> list[Change]:
    """Every change of a step, in reading order: call stacks, then shared structures."""
    changes: list[Change] = []
    stack_before, stack_after = _var(before, "stack"), _var(after, "stack")
    for actor in sorted(stack_after, key=_name):
        old, new = stack_before[actor], stack_after[actor]
        if old != new:
            changes += _stack_changes(_name(actor), old, new)
    for variable in SHARED_VARIABLES:
        if variable in before and variable in after:
            changes += _diff(variable, before[variable], after[variable])
    return changes


def _actor_slot(step: Step, before: State, after: State) -> str | None:
    """The slot an actor step works on: its frame's slot (contract, "Steps")."""
    assert step.actor is not None
    old, new = _var(before, "stack")[step.actor], _var(after, "stack")[step.actor]
    # The deeper stack's top frame is the one the step is about: the pushed
    # frame of a push, the popped one of a pop, the updated one otherwise.
    # The nearest frame with a slot below it names the slot (a reclaim walk
    # inside a fault works for that fault's slot).
    deeper = old if len(old) > len(new) else new
    slots = [frame_slot(frame) for frame in reversed(deeper) if frame_slot(frame) is not None]
    return slots[0] if slots else None


def _pins(before: State, after: State) -> tuple[tuple[str, ...], tuple[str, ...]]:
    taken, released = [], []
    for slot in sorted(_var(after, "swap_map"), key=_name):
        old, new = _var(before, "swap_map")[slot]["has_cache"], _var(after, "swap_map")[slot]["has_cache"]
        if new and not old:
            taken.append(_name(slot))
        elif old and not new:
            released.append(_name(slot))
    return tuple(taken), tuple(released)


def view_steps(trace: Sequence[StateStep]) -> list[StepView]:
    """One :class:`StepView` per transition of ``trace`` (its first state is initial)."""
    views: list[StepView] = []
    for number in range(1, len(trace)):
        before, after = trace[number - 1].state, trace[number].state
        missing = {"stack", "swap_map"} - set(after)
        if missing:
            raise TraceViewError(
                f"state {number} has no {', '.join(sorted(missing))}: the trace does not follow "
                "spec/README.md's variables; re-run TLC on the current spec"
            )
        changes = _state_changes(before, after)
        try:
            # Who took the step, and on which slot for the environment: the
            # generator's edge recovery, so the report and the generated
            # tests can never disagree about it.
            step = recover_step(trace[number].action, before, after, f"step {number}")
        except EdgeRecoveryError as error:
            raise TraceViewError(f"{error}; fix the action in spec/Zswap.tla or the trace's source") from None
        if step.actor is not None:
            actor, slot = step.actor.name, _actor_slot(step, before, after)
        else:
            actor, slot = None, _name(dict(step.args)["s"])
        taken, released = _pins(before, after)
        views.append(
            StepView(
                number=number,
                action=trace[number].action,
                actor=actor,
                slot=slot,
                changes=tuple(changes),
                touches_shared=any(
                    variable in after and before[variable] != after[variable] for variable in SHARED_VARIABLES
                ),
                pins_taken=taken,
                pins_released=released,
            )
        )
    return views


def _holder(state: State, slot: ModelValue) -> str | None:
    for actor, frames in sorted(_var(state, "stack").items(), key=lambda item: _name(item[0])):
        for frame in frames:
            if frame["fn"] == "do_swap_page" and frame["slot"] == slot and frame["pc"] in SWAPIN_HOLDS:
                return _name(actor)
            if frame["fn"] == "zswap_writeback_entry" and frame["entry"]["slot"] == slot and frame["pc"] == "write":
                return _name(actor)
    return None


def waits_in(state: State, *, skip_if_exists: bool = False) -> list[Wait]:
    """Every actor blocked in ``state`` and whom it waits on (contract, "Who waits on whom").

    ``skip_if_exists``: the model's VARIANT is ``skip_if_exists``, so
    writeback gives up on a held pin instead of waiting for it.
    """
    waits: list[Wait] = []
    no_folio = ModelValue("NoFolio")
    for actor, frames in sorted(_var(state, "stack").items(), key=lambda item: _name(item[0])):
        if not frames:
            continue
        top = frames[-1]
        if top["fn"] == "do_swap_page":
            slot = top["slot"]
            if _var(state, "swapped_page")[slot] != top["page"]:
                continue  # PteChanged is enabled
            folio = _var(state, "swap_cache")[slot]
            if top["pc"] == "lookup" and folio == no_folio and _var(state, "swap_map")[slot]["has_cache"]:
                waits.append(Wait(_name(actor), _name(slot), _holder(state, slot), "pin"))
            elif top["pc"] == "hit_wait" and folio != no_folio and folio["locked"]:
                waits.append(Wait(_name(actor), _name(slot), _holder(state, slot), "folio lock"))
            elif top["pc"] == "hit_stranded":  # the folio left the swap cache locked: nobody holds it
                waits.append(Wait(_name(actor), _name(slot), None, "stranded folio lock"))
        elif top["fn"] == "zswap_writeback_entry" and top["pc"] == "prepare" and not skip_if_exists:
            slot = top["entry"]["slot"]
            entry = _var(state, "swap_map")[slot]
            if _var(state, "swap_cache")[slot] == no_folio and entry["count"] == 1 and entry["has_cache"]:
                waits.append(Wait(_name(actor), _name(slot), _holder(state, slot), "pin"))
    return waits


def writeback_skips_pinned_in(config: Path) -> bool:
    """Whether the model of ``config`` has writeback give up on a held pin (Zswap.tla's SkipIfExists):
    ``waits_in``'s ``skip_if_exists`` for a trace of that model."""
    constants = config_constants(config)
    return contract.writeback_skips_pinned(str(constants.get("VARIANT")), constants.get("BUGS", ()))


def describe_waits(waits: Sequence[Wait]) -> list[str]:
    """Sentences for the final state: self-waits and wait cycles first."""
    by_waiter = {wait.waiter: wait for wait in waits}
    sentences: list[str] = []
    seen_in_cycle: set[str] = set()
    for wait in waits:
        if wait.holder == wait.waiter:
            what = "the pin it holds" if wait.why == "pin" else "the folio it locked"
            sentences.append(f"{wait.waiter} waits on {what} ({wait.slot})")
            seen_in_cycle.add(wait.waiter)
    for wait in waits:
        if wait.waiter in seen_in_cycle:
            continue
        # Follow holders from this waiter; a return to it is a cycle (ABBA and longer).
        chain, current = [wait], wait
        while current.holder in by_waiter and current.holder not in {w.waiter for w in chain}:
            current = by_waiter[current.holder]
            chain.append(current)
        if current.holder == wait.waiter and len(chain) > 1:
            sentences.append(
                "; ".join(f"{w.waiter} waits on {w.holder} ({w.slot})" for w in chain) + f": a cycle of {len(chain)}"
            )
            seen_in_cycle.update(w.waiter for w in chain)
    for wait in waits:
        if wait.waiter in seen_in_cycle:
            continue
        if wait.why == "stranded folio lock":
            sentences.append(
                f"{wait.waiter} waits on no one: the folio it found at {wait.slot} left the swap cache locked"
            )
            continue
        holder = wait.holder if wait.holder is not None else "no one (the pin is held by no actor)"
        sentences.append(f"{wait.waiter} waits on {holder} for {wait.slot}'s {wait.why}")
    return sentences
