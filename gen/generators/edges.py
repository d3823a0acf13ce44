"""Which actor took a step, and with which arguments: recovered from the state change.

TLC 2.15 labels an edge with the action's name only.  The contract
(spec/README.md, "Steps") makes the rest recoverable: every actor step
changes that actor's ``stack``, and every environment step changes exactly
one slot.  So:

* actor step: the actor is the one whose ``stack`` changed; ``StartFault``'s
  slot is the slot of the frame it pushed.  A step that takes a folio out of
  the swap cache also moves the faults waiting on that folio from pc
  ``hit_wait`` to ``hit_gone`` (spec ``FolioLeaves``; ``hit_stranded`` when
  it leaves still locked, bug e3b63e966cac): such a change is no step of theirs;
* environment step: the slot is the one whose per-slot variables changed;
  the version of ``SwapOut`` (and of ``SwapOutAgain``, ``SwapOutAgainRejected``)
  is the page it swapped out.

When the change does not single out one actor or one slot the edge is
ambiguous, and that is an error naming the edge: a test built on a guess
would test the guess.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.steps import ACTOR_STEPS, FOLDED_STEPS, STEP_ARGS, Step
from conformance.steps import ENV_STEPS as ENVIRONMENT_STEPS
from conformance.tla_text import format_value
from conformance.values import FnValue, ModelValue, TlaValue

__all__ = ["ACTOR_STEPS", "ENVIRONMENT_STEPS", "FOLDED_STEPS", "EdgeRecoveryError", "recover_step"]

# Variables indexed by slot: an environment step changes them at exactly one slot.
PER_SLOT_VARIABLES = ("swap_map", "swapped_page", "swap_cache", "zswap_tree", "swap_device")


class EdgeRecoveryError(ValueError):
    """An edge whose actor or arguments the state change does not determine."""


def recover_step(action: str, before: Mapping[str, TlaValue], after: Mapping[str, TlaValue], edge: str) -> Step:
    """The step behind an edge labelled ``action`` from ``before`` to ``after``.

    ``edge`` names the edge in error messages (e.g. ``"edge 12 (state 3 -> 7)"``).
    """
    if action in ACTOR_STEPS or action in FOLDED_STEPS:
        actor = _changed_actor(action, before, after, edge)
        if action in ("StartFault", "UnuseSlot"):  # the new swap-in frame on top names the slot
            frame = _function(after, "stack", edge)[actor][-1]
            return Step(action, actor, (("s", frame["slot"]),))
        return Step(action, actor)
    if action in ENVIRONMENT_STEPS:
        if before["stack"] != after["stack"]:
            raise EdgeRecoveryError(
                f"{edge}: {action} is an environment step but changed `stack`; "
                "the contract says environment steps change only slots"
            )
        slot = _changed_slot(action, before, after, edge)
        if "v" in STEP_ARGS.get(action, ()):  # SwapOut, SwapOutAgain(Rejected): the page now at the slot
            return Step(action, None, (("s", slot), ("v", _function(after, "swapped_page", edge)[slot])))
        return Step(action, None, (("s", slot),))
    raise EdgeRecoveryError(
        f"{edge}: action {action!r} has no step in the contract (spec/README.md, Steps) "
        "and is no folded step; add it there and to conformance/steps.py"
    )


def _folio_left_under(old: TlaValue, new: TlaValue) -> bool:
    """Is ``old`` -> ``new`` a waiting fault whose folio left the swap cache (hit_wait -> hit_gone, or
    hit_stranded), nothing else?

    A task's swap-in frame is its only one; swapoff's unuse_pte_range() waits the
    same way in the frame above its swapoff frame.
    """
    if not (isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new) in (1, 2)):
        return False
    if old[:-1] != new[:-1]:
        return False
    was, now = old[-1], new[-1]
    return (
        isinstance(was, Mapping)
        and isinstance(now, Mapping)
        and was.get("pc") == "hit_wait"
        and now.get("pc") in ("hit_gone", "hit_stranded")
        and {k: v for k, v in was.items() if k != "pc"} == {k: v for k, v in now.items() if k != "pc"}
    )


def _changed_actor(action: str, before: Mapping[str, TlaValue], after: Mapping[str, TlaValue], edge: str) -> ModelValue:
    old, new = _function(before, "stack", edge), _function(after, "stack", edge)
    changed: list[ModelValue] = sorted(
        actor for actor in old if old[actor] != new[actor] and not _folio_left_under(old[actor], new[actor])
    )
    if len(changed) != 1:
        who = ", ".join(format_value(a) for a in changed) or "no actor"
        raise EdgeRecoveryError(
            f"{edge}: {action} must change exactly one actor's `stack`, but it changed "
            f"{who}: cannot tell who took the step"
        )
    return changed[0]


def _changed_slot(action: str, before: Mapping[str, TlaValue], after: Mapping[str, TlaValue], edge: str) -> ModelValue:
    per_slot = [(_function(before, name, edge), _function(after, name, edge)) for name in PER_SLOT_VARIABLES]
    changed: list[ModelValue] = sorted(
        slot for slot in _function(before, "swap_map", edge) if any(old[slot] != new[slot] for old, new in per_slot)
    )
    if len(changed) != 1:
        which = ", ".join(format_value(s) for s in changed) or "no slot"
        raise EdgeRecoveryError(
            f"{edge}: {action} must change exactly one slot, but it changed {which}: "
            "cannot tell which slot it was taken on"
        )
    return changed[0]


def _function(state: Mapping[str, TlaValue], variable: str, edge: str) -> FnValue:
    """The state's ``variable``, which the contract makes a function (of actors or of slots)."""
    value = state.get(variable)
    if not isinstance(value, FnValue):
        raise EdgeRecoveryError(
            f"{edge}: `{variable}` is {format_value(value) if value is not None else 'missing'}, not a function; "
            "the trace does not follow spec/README.md's variables: re-run TLC on the current spec"
        )
    return value
