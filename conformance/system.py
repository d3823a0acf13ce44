"""The driving interface: a system of actors under a deterministic scheduler.

Why generators are rebuilt, not kept
------------------------------------
The kernel functions are generators (one per kernel function, yielding at
each point where another actor may run, reclaim nested with ``yield
from``), but a suspended generator cannot be copied, and tests must fork a
state cheaply.  So the generators hold no state of their own: everything an
actor would keep in locals lives in its frames, which are the spec's
``stack`` variable.  Each kernel function reads the ``pc`` of its frame at
entry and resumes there (the ``if pc == ...`` blocks are its resume labels;
the code before a label has no side effects).  To run an actor, the system
rebuilds its generator chain from its stack, runs it to its first yield (the
actor's next point), and sends the chosen step, which runs the step's effect
up to the next yield.  Copying a system therefore copies seven immutable
values and nothing else; the price is one generator chain built per actor
and state, which the system caches until the next step.

Steps are ``Step(name, actor, args)``: ``actor`` is None for the
environment's steps (SwapOut, FreeSlot, DropCleanFolio), ``args`` a sorted
tuple of ``(name, value)`` pairs using the contract's argument names
(``s``, ``v``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from gen.values import ModelValue, TlaValue

from . import environment
from .config import Config
from .memory import handle_mm_fault
from .points import Blocked, Offer, Point, Preemptible
from .state import MM, SWAPIN, WRITEBACK
from .zswap import shrink_worker

ACTOR_STEPS = frozenset({
    "StartFault", "PteChanged", "RetryFault", "SwapCacheHit", "SwapcachePrepare", "ChargeOk", "ChargeReclaim",
    "ChargeFail", "AddToSwapCache", "SwapReadFolio", "MapFolio", "ShrinkWorker", "LruIsolate", "ShrinkDone",
    "WbFolioExists", "WbSlotFreed", "WbSkipBusy", "WbAllocFolio", "WbEntryGone", "WbWrite", "WbPutback",
})
ENV_STEPS = ("SwapOut", "FreeSlot", "DropCleanFolio")
STEP_ARGS: dict[str, tuple[str, ...]] = {"StartFault": ("s",), "SwapOut": ("s", "v"), "FreeSlot": ("s",),
                                         "DropCleanFolio": ("s",)}
# pcs at which a frame holds its slot's pin (spec/README.md, "Who waits on whom")
HOLDING_PCS = {SWAPIN: frozenset({"charge", "charge_retry", "add", "read", "map"}), WRITEBACK: frozenset({"write"})}


class Step(NamedTuple):
    name: str
    actor: ModelValue | None
    args: tuple[tuple[str, TlaValue], ...] = ()

    def __str__(self) -> str:
        who = [self.actor.name] if self.actor is not None else []
        what = [v.name if isinstance(v, ModelValue) else repr(v) for _, v in self.args]
        return f"{self.name}({', '.join(who + what)})"


class StepRefused(Exception):
    """A step request the system did not carry out; the state is unchanged."""

    def __init__(self, step: str, why: str) -> None:
        super().__init__(f"{step} refused: {why}")
        self.step = step
        self.why = why


class UnknownStep(StepRefused):
    """No step of the contract has this name."""


class UnknownActor(StepRefused):
    """The actor is missing, not an actor of this config, or given to an environment step."""


class BadArguments(StepRefused):
    """Arguments missing, unexpected, or not values of this config."""


class NotEnabled(StepRefused):
    """A well-formed step whose guard is false in the current state."""


class System:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.tasks = config.task_values
        self.shrinkers = config.shrinker_values
        self.actors = self.tasks + self.shrinkers
        self._bodies: dict[ModelValue, Callable[[MM, ModelValue], Preemptible]] = {
            **{t: handle_mm_fault for t in self.tasks}, **{k: shrink_worker for k in self.shrinkers}}
        self._slots = frozenset(config.slot_values)
        self._versions = frozenset(config.version_values)
        self.reset()

    # -- state ---------------------------------------------------------------
    def reset(self) -> None:
        self.mm = MM(self.config)
        self._points: dict[ModelValue, tuple[Preemptible, Point | None]] = {}

    def copy(self) -> "System":
        other = System.__new__(System)
        other.__dict__.update(self.__dict__)
        other.mm = self.mm.copy()
        other._points = {}  # suspended generators belong to the original
        return other

    def observe(self) -> dict[str, TlaValue]:
        return self.mm.observe()

    # -- the scheduler's view ------------------------------------------------
    def _point(self, actor: ModelValue) -> Point | None:
        """Where ``actor`` stands now: its offers, Blocked, or None (nothing to do)."""
        cached = self._points.get(actor)
        if cached is None:
            gen = self._bodies[actor](self.mm, actor)
            try:
                point: Point | None = next(gen)
            except StopIteration:
                point = None
            cached = self._points[actor] = (gen, point)
        return cached[1]

    def enabled(self) -> list[Step]:
        steps: list[Step] = []
        for actor in self.actors:
            point = self._point(actor)
            if point is not None and not isinstance(point, Blocked):
                steps.extend(Step(o.name, actor, o.args) for o in point)
        mm = self.mm
        for slot in mm.slots:
            if not mm.swap_map[slot]["count"] and not mm.swap_map[slot]["has_cache"]:
                referenced = mm.referenced_versions()
                steps.extend(Step("SwapOut", None, (("s", slot), ("v", v)))
                             for v in self.config.version_values if v not in referenced)
        steps.extend(Step("FreeSlot", None, (("s", s),)) for s in mm.slots
                     if environment.free_slot_refusal(mm, s) is None)
        steps.extend(Step("DropCleanFolio", None, (("s", s),)) for s in mm.slots
                     if environment.drop_clean_folio_refusal(mm, s) is None)
        return steps

    def blocked(self) -> dict[ModelValue, frozenset[ModelValue]]:
        """Each waiting actor and the actors holding the slot it waits on."""
        waiting = {}
        for actor in self.actors:
            point = self._point(actor)
            if isinstance(point, Blocked):
                waiting[actor] = self.holders(point.slot)
        return waiting

    def blocked_on(self, actor: ModelValue) -> Blocked | None:
        point = self._point(actor)
        return point if isinstance(point, Blocked) else None

    def holders(self, slot: ModelValue) -> frozenset[ModelValue]:
        """Actors holding ``slot``'s pin or folio lock: whoever a waiter on ``slot`` waits for."""
        found = set()
        for actor, frames in self.mm.stack.items():
            for frame in frames:
                pcs = HOLDING_PCS.get(frame["fn"])
                if pcs and frame["pc"] in pcs and _frame_slot(frame) == slot:
                    found.add(actor)
        return frozenset(found)

    # -- stepping ------------------------------------------------------------
    def step(self, name: str, actor: ModelValue | str | None = None, **args: TlaValue) -> None:
        """Carry out one step, or raise a StepRefused subclass and change nothing."""
        label = _label(name, actor, args)
        if name in ENV_STEPS:
            self._env_step(name, label, actor, args)
        elif name in ACTOR_STEPS:
            self._actor_step(name, label, actor, args)
        else:
            raise UnknownStep(label, f"no step is called {name!r}; steps: "
                              f"{', '.join(sorted(ACTOR_STEPS | set(ENV_STEPS)))}")

    def _check_args(self, name: str, label: str, args: dict[str, TlaValue]) -> dict[str, ModelValue]:
        expected = STEP_ARGS.get(name, ())
        if set(args) != set(expected):
            raise BadArguments(label, f"{name} takes arguments ({', '.join(expected)}), got ({', '.join(sorted(args))})")
        values: dict[str, ModelValue] = {}
        for key, value in args.items():
            value = ModelValue(value) if isinstance(value, str) else value
            universe, what = (self._slots, "Slots") if key == "s" else (self._versions, "Versions")
            if value not in universe:
                raise BadArguments(label, f"{key} = {value!r} is not in {what} "
                                   f"{{{', '.join(sorted(v.name for v in universe))}}}")
            values[key] = value  # type: ignore[assignment]
        return values

    def _env_step(self, name: str, label: str, actor: object, args: dict[str, TlaValue]) -> None:
        if actor is not None:
            raise UnknownActor(label, f"{name} is the environment's step: call it without an actor")
        a = self._check_args(name, label, args)
        mm = self.mm
        if name == "SwapOut":
            why = environment.swap_out_refusal(mm, a["s"], a["v"])
            if why is None:
                self._commit(lambda m: environment.swap_out(m, a["s"], a["v"]))
        elif name == "FreeSlot":
            why = environment.free_slot_refusal(mm, a["s"])
            if why is None:
                self._commit(lambda m: environment.free_slot(m, a["s"]))
        else:
            why = environment.drop_clean_folio_refusal(mm, a["s"])
            if why is None:
                self._commit(lambda m: environment.drop_clean_folio(m, a["s"]))
        if why is not None:
            raise NotEnabled(label, why)

    def _commit(self, change: Callable[[MM], None]) -> None:
        # Work on a copy so a failure half-way cannot leave a torn state behind.
        mm = self.mm.copy()
        change(mm)
        self.mm = mm
        self._points = {}

    def _actor_step(self, name: str, label: str, actor: ModelValue | str | None, args: dict[str, TlaValue]) -> None:
        if actor is None:
            raise UnknownActor(label, f"{name} is an actor's step: say which actor takes it")
        if isinstance(actor, str):
            actor = ModelValue(actor)
        if actor not in self._bodies:
            raise UnknownActor(label, f"{actor!r} is not an actor; actors: {', '.join(a.name for a in self.actors)}")
        values = self._check_args(name, label, args)
        point = self._point(actor)
        wanted = Offer(name, tuple(sorted(values.items())))
        if point is None or isinstance(point, Blocked) or wanted not in point:
            raise NotEnabled(label, self._why_not(actor, point))
        gen = self._points[actor][0]
        self._points = {}
        before = self.mm.copy()
        try:
            gen.send(wanted)
        except StopIteration:
            pass
        except BaseException:
            self.mm = before
            raise
        gen.close()

    def _why_not(self, actor: ModelValue, point: Point | None) -> str:
        where = self.describe(actor)
        if isinstance(point, Blocked):
            holders = ", ".join(sorted(a.name for a in self.holders(point.slot))) or "nobody"
            return f"{actor.name} {where} is blocked on slot {point.slot.name}: {point.why} (held by {holders})"
        if point is None:
            if not self.mm.frames(actor):
                need = "a swapped-out slot" if actor in self.tasks else "a non-empty zswap LRU"
                return f"{actor.name} is idle and its first step needs {need}"
            return f"{actor.name} {where} has no step"
        return f"{actor.name} {where} can take only {', '.join(str(Step(o.name, actor, o.args)) for o in point)}"

    def describe(self, actor: ModelValue) -> str:
        """Where the actor is, e.g. 'in do_swap_page(s1) at pc charge'."""
        frames = self.mm.frames(actor)
        if not frames:
            return "(idle)"
        top = frames[-1]
        if top["fn"] == SWAPIN:
            return f"in do_swap_page({top['slot'].name}) at pc {top['pc']}"
        if top["fn"] == WRITEBACK:
            return f"in zswap_writeback_entry({top['entry']['slot'].name}) at pc {top['pc']}"
        return f"in the shrink_memcg_cb walk (budget {top['budget']})"


def _frame_slot(frame) -> ModelValue:  # type: ignore[no-untyped-def]
    return frame["slot"] if frame["fn"] == SWAPIN else frame["entry"]["slot"]


def _label(name: str, actor: object, args: dict[str, TlaValue]) -> str:
    parts = [actor.name if isinstance(actor, ModelValue) else str(actor)] if actor is not None else []
    parts += [f"{k}={v.name if isinstance(v, ModelValue) else v!r}" for k, v in sorted(args.items())]
    return f"{name}({', '.join(parts)})"
