"""The driving interface: a system of actors under a deterministic scheduler.

Why generators are rebuilt, not kept
------------------------------------
The kernel functions are generators (one per kernel function, yielding at
each point where another actor may run, reclaim nested with ``yield
from``), but a suspended generator cannot be copied, and tests must fork a
state cheaply.  So the generators hold no state of their own: everything an
actor would keep in locals lives in its frames, which are the spec's
``stack`` variable.  Each kernel function reads the ``pc`` of its frame at
entry and resumes there (its ``if pc == ...`` blocks are resume labels, and
the code before a label has no side effects).  To run an actor, the system
rebuilds its generator chain from its stack, runs it to its first yield (the
actor's next point: its offers, or Blocked), and sends the chosen step,
which runs the step's effect up to the next yield.  Copying a system copies
ten immutable references; the price is one generator chain built per actor
and state, cached until the next step.  (Replaying a step log into a fresh
system would keep live generators but make every copy cost the whole log.)

Steps are ``Step(name, actor, args)``: ``actor`` is None for the
environment's steps (SwapOut, FreeSlot, DropCleanFolio); ``args`` is a
sorted tuple of ``(name, value)`` pairs with the contract's argument names
(``s``, ``v``) and TLA+ values (model values).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from conformance.values import ModelValue, TlaValue

from . import contract, environment, steps
from .config import Config
from .memory import handle_mm_fault
from .observe import Observer
from .points import Blocked, Offer, Point, Preemptible
from .state import MM, SwapinFrame, SwapoffFrame, WalkFrame, WritebackFrame
from .steps import Step
from .swapfile import swapoff  # re-exported: conformance.kernel.system imports it from here
from .zswap import shrink_worker

# The step vocabulary is conformance.steps' table; these names are kept for the tests.
ACTOR_STEPS = steps.ACTOR_STEPS
ENV_STEPS = steps.ENV_STEPS
STEP_ARGS = steps.STEP_ARGS
ROTATE_ONLY_STEPS = steps.ROTATE_ONLY_STEPS
# pcs at which a frame holds its slot's pin or folio lock (spec/README.md, "Who waits on whom")
HOLDING_PCS: dict[type[SwapinFrame | WritebackFrame], frozenset[str]] = {
    SwapinFrame: contract.HOLDING_PCS["do_swap_page"],
    WritebackFrame: contract.HOLDING_PCS["zswap_writeback_entry"],
}


_ENABLED_MEMO_LIMIT = 200_000  # states; a full memo is dropped, not grown


class _Memos(NamedTuple):
    """What every system of one config may share: pure functions of the state, memoized."""

    observer: Observer
    enabled: dict[tuple, list[Step]]  # type: ignore[type-arg]
    steps: dict[tuple[str, int | None, tuple[tuple[str, object], ...]], Step]


# By config: a generated test builds a fresh system per walk, and the walks of one
# model come back to the same states over and over (the 2-task 2-slot cover of
# gen.benchmarks.bench_generator checks each state 14 times, in 13,446 walks), so
# per-system memos would recompute nearly everything.
# A config's memos depend on nothing else (the code is fixed for the process:
# gen.generators.mutants patches a copy of the package, in a process of its own).
_MEMOS: dict[Config, _Memos] = {}
_MEMOS_CONFIGS = 16  # the least recently built config's memos go first


def _memos(config: Config) -> _Memos:
    memos = _MEMOS.pop(config, None)
    if memos is None:
        if len(_MEMOS) >= _MEMOS_CONFIGS:
            del _MEMOS[next(iter(_MEMOS))]
        memos = _Memos(Observer(config), {}, {})
    _MEMOS[config] = memos  # last in the dict: the most recently used
    return memos


class KernelBug(AssertionError):
    """The implementation broke its own rules (not the caller's fault)."""


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
    """The protocol under a scheduler: ask ``enabled()``, pick one, ``step()`` it, ``observe()``."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.tasks = config.task_values
        self.shrinkers = config.shrinker_values
        self.swapoffs = config.swapoff_values
        self.actors = self.tasks + self.shrinkers + self.swapoffs
        memos = _memos(config)
        self.observer = memos.observer
        self._actor_number = {a: i for i, a in enumerate(self.actors)}
        self._bodies: tuple[Callable[[MM, int], Preemptible[None]], ...] = (
            (handle_mm_fault,) * len(self.tasks)
            + (shrink_worker,) * len(self.shrinkers)
            + (swapoff,) * len(self.swapoffs)
        )
        self._slot_offset = {s: i for i, s in enumerate(config.slot_values)}
        self._versions = config.version_values
        self._version_names = [v.name for v in self._versions]
        self._version_of = {v: v.name for v in self._versions}
        self._steps = memos.steps
        self._enabled_memo = memos.enabled
        self.reset()

    # -- state ---------------------------------------------------------------
    def reset(self) -> None:
        """Back to the initial state (every slot free, every actor idle)."""
        self.mm = MM(self.config, len(self.actors))
        self._points: dict[int, tuple[Preemptible[None], Point | None]] = {}

    def copy(self) -> System:
        """An independent system in the same state (shares only immutable values)."""
        other = System.__new__(System)
        other.__dict__.update(self.__dict__)
        other.mm = self.mm.copy()
        other._points = {}  # suspended generators run on the original's state
        return other

    def observe(self) -> dict[str, TlaValue]:
        """The state as the spec's variables: ``{name: TLA+ value}``."""
        return self.observer.observe(self.mm)

    # -- the scheduler's view ------------------------------------------------
    def _point(self, actor: int) -> Point | None:
        """Where actor number ``actor`` stands now: its offers, Blocked, or None (nothing to do)."""
        cached = self._points.get(actor)
        if cached is None:
            mm = self.mm
            before = mm.snapshot()
            gen = self._bodies[actor](mm, actor)
            try:
                point: Point | None = next(gen)
            except StopIteration:
                point = None
            if mm.snapshot() != before:
                # A resume label ran an effect before its yield: a bug in a kernel function.
                mm.restore(before)
                raise KernelBug(
                    f"{self.actors[actor].name} changed the state while only resuming "
                    f"({self.describe(self.actors[actor])}): an effect sits before its yield"
                )
            cached = self._points[actor] = (gen, point)
        return cached[1]

    def _external(self, name: str, number: int | None, args: tuple[tuple[str, object], ...]) -> Step:
        """The Step for an offer of actor ``number`` (None: the environment), with TLA+ values."""
        key = (name, number, args)  # no model values in the key: they hash in Python
        step = self._steps.get(key)
        if step is None:
            actor = None if number is None else self.actors[number]
            step = self._steps[key] = Step(name, actor, tuple((k, self._tla_arg(v)) for k, v in args))
        return step

    def _tla_arg(self, value: object) -> ModelValue:
        """An offer's argument as the contract's value: a slot's offset is the slot, a version its name."""
        if isinstance(value, int):
            return self.observer.slot(value)
        if isinstance(value, str):
            return self.observer.data(value)
        raise KernelBug(f"an offer's argument {value!r} is neither a slot offset nor a version")

    def enabled(self) -> list[Step]:
        """Every step that can happen now: actors' steps (in actor order), then the environment's.

        A pure function of the state, so it is memoized by the state (shared
        with copies and every system of the config): schedules and graph walks
        come back to the same states.
        """
        state = self.mm.snapshot()
        steps = self._enabled_memo.get(state)
        if steps is None:
            if len(self._enabled_memo) >= _ENABLED_MEMO_LIMIT:
                self._enabled_memo.clear()
            steps = self._enabled_memo[state] = self._compute_enabled()
        return list(steps)

    def _compute_enabled(self) -> list[Step]:
        steps: list[Step] = []
        for number in range(len(self.actors)):
            point = self._point(number)
            if point is not None and not isinstance(point, Blocked):
                steps.extend(self._external(o.name, number, o.args) for o in point)
        for name, args in environment.enabled_steps(self.mm, self._version_names):
            steps.append(self._external(name, None, args))
        return steps

    def blocked(self) -> dict[ModelValue, frozenset[ModelValue]]:
        """Each waiting actor and the actors holding the slot it waits on."""
        waiting = {}
        for number, actor in enumerate(self.actors):
            point = self._point(number)
            if type(point) is Blocked:
                # a folio stranded locked outside the swap cache has no holder (bug e3b63e966cac)
                waiting[actor] = frozenset() if point.stranded else self.holders(self.observer.slot(point.slot))
        return waiting

    def waits_on(self, actor: ModelValue) -> tuple[ModelValue, str] | None:
        """The slot ``actor`` waits on and why, or None if it is not blocked."""
        point = self._point(self._actor_number[actor])
        return (self.observer.slot(point.slot), point.why) if type(point) is Blocked else None

    def holders(self, slot: ModelValue) -> frozenset[ModelValue]:
        """Actors holding ``slot``'s pin or folio lock: whoever a waiter on ``slot`` waits for."""
        offset = self._slot_offset[slot]
        return frozenset(
            actor
            for actor, frames in zip(self.actors, self.mm.stack)
            if any(
                (type(frame) is SwapinFrame or type(frame) is WritebackFrame)
                and frame.pc in HOLDING_PCS[type(frame)]
                and _frame_slot(frame) == offset
                for frame in frames
            )
        )

    # -- stepping ------------------------------------------------------------
    def step(self, name: str, actor: ModelValue | str | None = None, **args: TlaValue) -> None:
        """Carry out one step, or raise a StepRefused subclass and change nothing."""
        if name in ACTOR_STEPS:
            self._actor_step(name, actor, args)
        elif name in ENV_STEPS:
            self._env_step(name, actor, args)
        else:
            raise UnknownStep(
                _label(name, actor, args),
                f"no step is called {name!r}; steps: {', '.join(sorted(ACTOR_STEPS | ENV_STEPS))}",
            )

    def _internal_args(self, name: str, actor: object, args: dict[str, TlaValue]) -> dict[str, object]:
        expected = STEP_ARGS.get(name, ())
        if not args and not expected:
            return {}
        if set(args) != set(expected):
            raise BadArguments(
                _label(name, actor, args),
                f"{name} takes arguments ({', '.join(expected)}), got ({', '.join(sorted(args))})",
            )
        internal: dict[str, object] = {}
        for key, given in args.items():
            value = ModelValue(given) if isinstance(given, str) else given
            if key == "s":
                if not isinstance(value, ModelValue) or value not in self._slot_offset:
                    raise BadArguments(
                        _label(name, actor, args),
                        f"s = {value!r} is not in Slots {{{', '.join(s.name for s in self.observer.slots)}}}",
                    )
                internal[key] = self._slot_offset[value]
            else:
                if not isinstance(value, ModelValue) or value not in self._version_of:
                    raise BadArguments(
                        _label(name, actor, args),
                        f"v = {value!r} is not in Versions {{{', '.join(v.name for v in self._versions)}}}",
                    )
                internal[key] = self._version_of[value]
        return internal

    def _env_step(self, name: str, actor: object, args: dict[str, TlaValue]) -> None:
        if actor is not None:
            raise UnknownActor(_label(name, actor, args), f"{name} is the environment's step: call it without an actor")
        a = self._internal_args(name, actor, args)
        mm, slot = self.mm, a["s"]
        assert isinstance(slot, int)
        change: Callable[[MM], None]
        if name == "SwapOut":
            version = a["v"]
            assert isinstance(version, str)
            why = environment.swap_out_refusal(mm, slot, version)
            change = lambda m: environment.swap_out(m, slot, version)  # noqa: E731
        elif name == "SwapOutKeepCache":
            kept = a["v"]
            assert isinstance(kept, str)
            why = environment.swap_out_keep_cache_refusal(mm, slot, kept)
            change = lambda m: environment.swap_out_keep_cache(m, slot, kept)  # noqa: E731
        elif name == "UnmapCleanFolio":
            why = environment.unmap_clean_folio_refusal(mm, slot)
            change = lambda m: environment.unmap_clean_folio(m, slot)  # noqa: E731
        elif name in ("SwapOutAgain", "SwapOutAgainRejected"):
            data, stored = a["v"], name == "SwapOutAgain"
            assert isinstance(data, str)
            why = environment.swap_out_again_refusal(mm, slot, data)
            change = lambda m: environment.swap_out_again(m, slot, data, stored)  # noqa: E731
        elif name == "FreeSlot":
            why = environment.free_slot_refusal(mm, slot)
            change = lambda m: environment.free_slot(m, slot)  # noqa: E731
        elif name == "SwapDuplicate":
            why = environment.swap_duplicate_refusal(mm, slot)
            change = lambda m: environment.swap_duplicate(m, slot)  # noqa: E731
        else:
            why = environment.drop_clean_folio_refusal(mm, slot)
            change = lambda m: environment.drop_clean_folio(m, slot)  # noqa: E731
        if why is not None:
            raise NotEnabled(_label(name, actor, args), f"slot {self.observer.slot(slot).name}: {why}")
        before = mm.snapshot()
        self._points = {}
        try:
            change(mm)
        except BaseException:
            mm.restore(before)  # a failure half-way must not leave a torn state behind
            raise

    def _actor_step(self, name: str, actor: ModelValue | str | None, args: dict[str, TlaValue]) -> None:
        if actor is None:
            raise UnknownActor(_label(name, actor, args), f"{name} is an actor's step: say which actor takes it")
        who = ModelValue(actor) if isinstance(actor, str) else actor
        number = self._actor_number.get(who)
        if number is None:
            raise UnknownActor(
                _label(name, actor, args), f"{who!r} is not an actor; actors: {', '.join(a.name for a in self.actors)}"
            )
        wanted = Offer(name, tuple(sorted(self._internal_args(name, actor, args).items())))
        point = self._point(number)
        if point is None or type(point) is Blocked or wanted not in point:
            raise NotEnabled(_label(name, actor, args), self._why_not(who, point))
        gen = self._points[number][0]
        self._points = {}
        before = self.mm.snapshot()
        try:
            point = gen.send(wanted)
        except StopIteration:
            return
        except BaseException:
            self.mm.restore(before)  # a failure half-way must not leave a torn state behind
            raise
        # The actor stopped at its next point in the state this step made: that is its point now.
        self._points[number] = (gen, point)

    def _why_not(self, actor: ModelValue, point: Point | None) -> str:
        where = self.describe(actor)
        if isinstance(point, Blocked):
            slot = self.observer.slot(point.slot)
            holders = ", ".join(sorted(a.name for a in self.holders(slot))) or "nobody"
            return f"{actor.name} {where} is blocked on slot {slot.name}: {point.why} (held by {holders})"
        if point is None:
            if not self.mm.frames(self._actor_number[actor]):
                need = (
                    "a swapped-out slot"
                    if actor in self.tasks
                    else "the device on (no swapoff yet)"
                    if actor in self.swapoffs
                    else "a non-empty zswap LRU"
                )
                return f"{actor.name} is idle and its first step needs {need}"
            return f"{actor.name} {where} has no step"
        offers = ", ".join(str(self._external(o.name, self._actor_number[actor], o.args)) for o in point)
        return f"{actor.name} {where} can take only {offers}"

    def describe(self, actor: ModelValue) -> str:
        """Where the actor is, e.g. 'in do_swap_page(s1) at pc charge'."""
        frames = self.mm.frames(self._actor_number[actor])
        if not frames:
            return "(idle)"
        top = frames[-1]
        if isinstance(top, WalkFrame):
            return f"in the shrink_memcg_cb walk (budget {top.budget})"
        if isinstance(top, SwapoffFrame):
            return f"in swapoff at pc {top.pc}"
        slot = self.observer.slot(_frame_slot(top)).name
        return f"in {top.FN}({slot}) at pc {top.pc}"


def _frame_slot(frame: SwapinFrame | WritebackFrame) -> int:
    return frame.slot if type(frame) is SwapinFrame else frame.entry.slot


def _label(name: str, actor: object, args: dict[str, TlaValue]) -> str:
    who = actor if actor is None or isinstance(actor, ModelValue) else str(actor)
    return steps.format_step(name, who, sorted(args.items()))
