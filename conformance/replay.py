"""Replay a TLC trace against the reference implementation, checking every state.

At every state of the trace, the implementation's ``observe()`` must equal
TLC's state (every variable, compared as values) and its ``enabled()`` steps
must equal the state's outgoing edges in TLC's graph: nothing missing,
nothing extra; where the graph carries TLC's ``BlockedOn`` and ``Holds``
(walk modules), ``blocked()`` and ``holders()`` must agree with them too.  A mismatch raises :class:`ReplayMismatch`, an
``AssertionError`` whose message says which step, which variable (down to
the differing key) or which steps were extra or missing, and the trace so
far, so a failing generated test reads like a bug report.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from conformance.config import Config
from conformance.steps import Step
from conformance.tla_text import format_value
from conformance.values import FnValue, ModelValue, TlaValue, function_of

__all__ = ["Replay", "ReplayMismatch", "StateTable", "SystemFactory", "WaitRow", "describe_difference", "system_for"]

# TLC's verdict at one state: the (actor, slot) names of BlockedOn, then of Holds.
WaitRow = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


class System(Protocol):
    """What replay needs of ``conformance.system.System``."""

    def observe(self) -> dict[str, TlaValue]: ...
    def enabled(self) -> list[Step]: ...
    def step(self, name: str, actor: ModelValue | str | None = None, **args: TlaValue) -> None: ...
    def copy(self) -> System: ...
    def blocked(self) -> dict[ModelValue, frozenset[ModelValue]]: ...
    def holders(self, slot: ModelValue) -> frozenset[ModelValue]: ...


class ReplayMismatch(AssertionError):
    """The implementation and TLC disagree at some step of a trace."""


class StateTable(Protocol):
    """A generated graph module: ``state(i)`` and ``enabled(i)`` for TLC's state ``i``."""

    def state(self, index: int) -> Mapping[str, TlaValue]: ...
    def enabled(self, index: int) -> Collection[Step] | None: ...


class Replay:
    """Drives one system through a trace: ``step(...)`` per edge, each checked on arrival.

    ``expected(i)`` gives TLC's state ``i`` and ``enabled(i)`` its outgoing
    steps (``None``: the trace does not know them, e.g. the last state of a
    counterexample, which TLC did not expand).
    """

    def __init__(
        self,
        system: System,
        state: Callable[[int], Mapping[str, TlaValue]],
        enabled: Callable[[int], Collection[Step] | None],
        initial: int,
        universe: Collection[Step] = (),
        waits: Callable[[int], WaitRow] | None = None,
    ) -> None:
        self.system = system
        self._state = state
        self._enabled = enabled
        self._waits = waits
        # Steps to try where TLC has no edge for them: step() must refuse each
        # and change nothing (enabled() and step() are separate code paths).
        self._universe = tuple(universe)
        self.taken: list[Step] = []
        self._check(initial)
        if self._universe:
            self._check_malformed_requests(initial)

    def _check_malformed_requests(self, initial: int) -> None:
        """Requests no TLC edge can stand for (an actor step without its actor, an environment step
        with one, a slot that is not a slot, an unknown step) are refused and change nothing; a copy
        of the system is the same system."""
        __tracebackhide__ = True
        from conformance.system import StepRefused

        actors = sorted({step.actor for step in self._universe if step.actor is not None})
        stranger = ModelValue("NoEntry")  # a model value that is no actor, slot or version
        malformed: list[tuple[str, ModelValue | None, dict[str, TlaValue]]] = [("NoSuchStep", None, {})]
        for step in self._universe:
            args = dict(step.args)
            if step.actor is not None:
                malformed += [(step.name, None, args), (step.name, stranger, args)]
            elif actors:
                malformed.append((step.name, actors[0], args))
            if args:
                malformed += [(step.name, step.actor, {}), (step.name, step.actor, {k: stranger for k in args})]
        for name, actor, args in malformed:
            try:
                self.system.step(name, actor, **args)
            except StepRefused:
                continue
            raise ReplayMismatch(f"the initial state: the malformed request {name}({actor}, {args}) was accepted")
        if self.system.observe() != self._state(initial):
            raise ReplayMismatch("the initial state: a refused malformed request changed the state")
        copy = self.system.copy()
        if copy.observe() != self.system.observe() or set(copy.enabled()) != set(self.system.enabled()):
            raise ReplayMismatch("the initial state: copy() gives a different system")

    def step(self, name: str, actor: ModelValue | None = None, *, then: int, **args: TlaValue) -> None:
        """Take a step that TLC took from the current state to its state ``then``, and check it."""
        __tracebackhide__ = True  # pytest: show the message, not replay's own lines
        label = Step(name, actor, tuple(sorted(args.items())))
        try:
            self.system.step(name, actor, **args)
        except Exception as refused:  # StepRefused and friends: a readable reason
            raise ReplayMismatch(
                f"step {len(self.taken) + 1}, {label}: the implementation refused it, but TLC takes it "
                f"(to state {then}):\n  {type(refused).__name__}: {refused}\n{self._so_far()}"
            ) from None
        self.taken.append(label)
        self._check(then)

    def _where(self) -> str:
        """Which state is being checked, for a message (built only for one: it costs a step's text)."""
        return f"step {len(self.taken)}, {self.taken[-1]}" if self.taken else "the initial state"

    def _check(self, index: int) -> None:
        __tracebackhide__ = True
        observed = self.system.observe()
        expected = self._state(index)
        if not _same_state(expected, observed):
            where = self._where()
            differences = [
                line
                for name in sorted(set(expected) | set(observed))
                for line in describe_difference(name, expected.get(name), observed.get(name))
            ]
            raise ReplayMismatch(
                f"{where}: observe() differs from TLC state {index}:\n  "
                + "\n  ".join(differences)
                + "\n"
                + self._so_far()
            )
        if self._waits is not None:
            self._check_waits(index, expected)
        edges = self._enabled(index)
        if edges is None:
            return
        offered = self.system.enabled()
        if not _same_steps(edges, offered):
            where = self._where()
            wanted, got = set(edges), set(offered)
            extra, missing = got - wanted, wanted - got
            lines = [f"{where}: enabled() differs from TLC's edges out of state {index}:"]
            lines += [f"  extra (the implementation offers it, TLC has no such edge): {s}" for s in _sorted(extra)]
            lines += [f"  missing (TLC takes it, the implementation does not offer it): {s}" for s in _sorted(missing)]
            raise ReplayMismatch("\n".join(lines) + "\n" + self._so_far())
        if self._universe:
            self._check_refusals(index, expected, edges)

    def _check_waits(self, index: int, expected: Mapping[str, TlaValue]) -> None:
        """``blocked()`` and ``holders()`` against TLC's ``BlockedOn`` and ``Holds`` at state ``index``."""
        __tracebackhide__ = True
        assert self._waits is not None
        blocked_on, holds = self._waits(index)
        slots = tuple(function_of(expected, "swap_map"))
        holders = {slot: frozenset(ModelValue(a) for a, s in holds if s == slot.name) for slot in slots}
        by_name = {slot.name: slot for slot in slots}
        wanted = {ModelValue(actor): holders[by_name[slot]] for actor, slot in blocked_on}
        lines = []
        got = self.system.blocked()
        if got != wanted:
            lines.append(f"blocked() is {_waits_text(got)}, TLC's BlockedOn/Holds say {_waits_text(wanted)}")
        for slot in slots:
            offered = self.system.holders(slot)
            if offered != holders[slot]:
                lines.append(f"holders({slot.name}) is {_names(offered)}, TLC's Holds says {_names(holders[slot])}")
        if lines:
            raise ReplayMismatch(
                f"{self._where()}, TLC state {index}:\n  " + "\n  ".join(lines) + "\n" + self._so_far()
            )

    def _check_refusals(self, index: int, expected: Mapping[str, TlaValue], edges: Collection[Step]) -> None:
        __tracebackhide__ = True
        from conformance.system import StepRefused

        for step in self._universe:
            if step in edges:
                continue
            try:
                self.system.step(step.name, step.actor, **dict(step.args))
            except StepRefused:
                continue
            raise ReplayMismatch(
                f"{self._where()}: the implementation took {step}, which TLC does not allow in state {index} "
                f"(enabled() did not offer it either)\n{self._so_far()}"
            )
        if not _same_state(expected, self.system.observe()):
            raise ReplayMismatch(f"{self._where()}: a refused step changed the state (state {index})\n{self._so_far()}")

    def _so_far(self) -> str:
        if not self.taken:
            return "trace so far: (no step yet)"
        return "trace so far:\n" + "\n".join(f"  {i}. {s}" for i, s in enumerate(self.taken, 1))


# Both sides intern their values (TLC's graph shares unchanged parts between
# states, observe() memoizes by the internal value), so the same pair of
# objects is compared again and again; a pair found equal once is equal for
# good (the values are immutable).  The caches keep the objects alive, so
# their ids cannot be reused while an entry exists.  Enabled sets are cached
# the same way, by the ids of their steps (both sides intern those too): an
# edge cover checks each state about 14 times, and a hit costs a few C calls
# where a set comparison hashes every step in Python (a ModelValue hashes
# and compares in Python).
_EQUAL_PAIRS: dict[tuple[int, int], tuple[object, object]] = {}
_EQUAL_PAIRS_LIMIT = 200_000
_ABSENT = object()
_EQUAL_STEPS: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[object, object]] = {}


def _same_value(expected: object, observed: object) -> bool:
    if expected is observed:
        return True
    key = (id(expected), id(observed))
    if key in _EQUAL_PAIRS:
        return True
    if expected != observed:
        return False
    if len(_EQUAL_PAIRS) >= _EQUAL_PAIRS_LIMIT:
        _EQUAL_PAIRS.clear()
    _EQUAL_PAIRS[key] = (expected, observed)
    return True


def _same_state(expected: Mapping[str, TlaValue], observed: Mapping[str, TlaValue]) -> bool:
    if len(expected) != len(observed):
        return False
    for name, value in observed.items():  # _same_value inlined: this runs for every variable of every state
        want = expected.get(name, _ABSENT)
        if want is value or (id(want), id(value)) in _EQUAL_PAIRS:
            continue
        if want is _ABSENT or not _same_value(want, value):
            return False
    return True


def _same_steps(expected: Collection[Step], offered: list[Step]) -> bool:
    """``set(offered) == expected``: the implementation's enabled() is TLC's edges, as sets."""
    key = (tuple(map(id, expected)), tuple(map(id, offered)))
    if key in _EQUAL_STEPS:
        return True
    if set(offered) != expected:
        return False
    if len(_EQUAL_STEPS) >= _EQUAL_PAIRS_LIMIT:
        _EQUAL_STEPS.clear()
    _EQUAL_STEPS[key] = (tuple(expected), tuple(offered))
    return True


def _names(actors: Collection[ModelValue]) -> str:
    return "{" + ", ".join(sorted(actor.name for actor in actors)) + "}"


def _waits_text(waiting: Mapping[ModelValue, Collection[ModelValue]]) -> str:
    if not waiting:
        return "nobody waits"
    return ", ".join(f"{a.name} waits on {_names(h)}" for a, h in sorted(waiting.items(), key=lambda i: i[0].name))


def _sorted(steps: set[Step]) -> list[str]:
    return sorted(str(step) for step in steps)


def describe_difference(path: str, expected: TlaValue | None, observed: TlaValue | None) -> list[str]:
    """Lines naming each place where two values differ, e.g. ``stack[t1][1].pc: TLC "add", got "read"``."""
    if expected == observed:
        return []
    if expected is None or observed is None:
        missing = "the implementation has no such variable" if observed is None else "TLC has no such variable"
        return [f"{path}: {missing}"]
    if isinstance(expected, FnValue) and isinstance(observed, FnValue) and set(expected) == set(observed):
        lines: list[str] = []
        for key in expected:
            step = f".{key}" if isinstance(key, str) else f"[{format_value(key)}]"
            lines += describe_difference(path + step, expected[key], observed[key])
        return lines
    if isinstance(expected, tuple) and isinstance(observed, tuple) and len(expected) == len(observed):
        lines = []
        for position, (want, got) in enumerate(zip(expected, observed), 1):
            lines += describe_difference(f"{path}[{position}]", want, got)
        return lines
    return [f"{path}: TLC {_text(expected)}, implementation {_text(observed)}"]


def _text(value: TlaValue) -> str:
    try:
        return format_value(value)
    except Exception:  # a malformed observe() value: show it as Python sees it
        return repr(value)


# How a test gets its systems: ``system_for`` itself, or (conformance.pytest_plugin's fixture,
# for gen.generators.mutants' --config-override) the same with some Config fields replaced.
SystemFactory = Callable[[Config], System]


def system_for(config: Config, override: Mapping[str, Any] | None = None) -> System:
    """A fresh ``conformance.system.System`` for ``config``, with ``override``'s fields replaced if given."""
    import dataclasses

    from conformance.system import System as Implementation

    if override:
        config = dataclasses.replace(config, **override)
    return Implementation(config)


def step_from_json(data: Mapping[str, Any]) -> Step:
    """A step as the ITF traces record it: ``{"name", "actor", "args"}`` (args in ITF form)."""
    from conformance.itf import from_itf

    actor = data["actor"]
    return Step(
        data["name"],
        ModelValue(actor) if actor is not None else None,
        tuple(sorted((k, from_itf(v)) for k, v in data["args"].items())),
    )
