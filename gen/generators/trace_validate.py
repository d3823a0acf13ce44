"""Trace validation: random schedules of the real 6.12 C, every step checked against TLC's state graph.

    python -m gen.generators.trace_validate --model conf_rotate --steps 100000 --seed 1
    python -m gen.generators.trace_validate --model conf_rotate --replay 'SwapOut(s=s1, v=v1) ShrinkWorker(k1)'

The other direction from the generated suite (which asks the C for its
enabled() steps at every state, each a fork()ed trial): here the spec
chooses.  From the current state of TLC's graph (``gen.generators.generate
.explore``, every edge with its recovered step) one outgoing edge is taken at
random, its step is run in the C with no trials (``KernelSystem
.direct_command``), and the C must take that very step (its segment
classifies as the edge's step; an environment step's kernel-side guard holds)
and land in the edge's target state (``observe()``).  So the C is checked to
do only what the spec allows along the schedule, not that it offers
everything the spec offers (the whole-graph walk and the generated suite do
that).

Speed: each trace runs in one harness process (a fork of the idle one at
the initial state, system.py's fork server), the schedule planned ahead
along the graph in batches (a batch's commands and ``observe``s are written
at once and read back, so each side wakes up once a batch), and an observed
state's text mapped to its graph state once (a memo: the model has few
states).  A trace ends at a state with no edges or after ``--trace-length``
steps; the next starts from the initial state again.

A mismatch stops the run and prints the step, the state difference, and the
schedule from the initial state (the one step text form), which ``--replay``
runs again.  Exit status 1.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from conformance.config import Config
from conformance.kernel.build import BuildError, build
from conformance.kernel.extract import ExtractError
from conformance.kernel.system import KernelSystem, classify
from conformance.replay import describe_difference
from conformance.show import show_value
from conformance.steps import Step, parse_steps
from conformance.system import KernelBug
from conformance.values import TlaValue
from gen.bridge.errors import BridgeError
from gen.bridge.paths import REPO_ROOT
from gen.generators.generate import explore

BATCH = 64  # steps a batch: their commands (~1 KiB) and observe lines (~25 KiB) fit in the pipes


class TraceValidationError(RuntimeError):
    """Trace validation cannot run; ``todo`` says what to do."""

    def __init__(self, message: str, todo: str) -> None:
        super().__init__(f"{message}\n  what to do: {todo}")
        self.todo = todo


@dataclass(frozen=True)
class Graph:
    """TLC's state graph of a model: states, and each state's edges as (step, target)."""

    model: str
    config: Config
    variables: tuple[str, ...]
    states: tuple[tuple[TlaValue, ...], ...]
    leaving: tuple[tuple[tuple[Step, int], ...], ...]
    initial: int = 0

    @cached_property
    def edge_count(self) -> int:
        return sum(len(out) for out in self.leaving)

    @cached_property
    def entering(self) -> tuple[tuple[tuple[int, Step, int], ...], ...]:
        """Each state's incoming edges as (source, step, target)."""
        into: list[list[tuple[int, Step, int]]] = [[] for _ in self.states]
        for source, out in enumerate(self.leaving):
            for step, target in out:
                into[target].append((source, step, target))
        return tuple(tuple(edges) for edges in into)

    def state(self, index: int) -> dict[str, TlaValue]:
        return dict(zip(self.variables, self.states[index]))


def load_graph(model: str) -> Graph:
    """Run TLC on ``spec/models/<model>.cfg`` (``explore``: ``-dump dot``, edges' steps recovered, ~5 s)."""
    cfg = REPO_ROOT / "spec" / "models" / f"{model}.cfg"
    if not cfg.exists():
        raise TraceValidationError(f"no model {model}: {cfg} does not exist", "pick a model of spec/models/")
    try:
        graph = explore(model)
    except BridgeError as error:
        raise TraceValidationError(f"TLC could not explore {model}: {error}", "run `python -m gen doctor`") from None
    leaving: list[list[tuple[Step, int]]] = [[] for _ in graph.states]
    for source, target, step in graph.edges:
        leaving[source].append((step, target))
    return Graph(
        model,
        Config.from_cfg(cfg),
        graph.variables,
        graph.states,
        tuple(tuple(out) for out in leaving),
    )


def harness(patches: Sequence[Path] = ()) -> Path:
    """The built harness (6.12 as released, or patched); a typed error with the command when it cannot be built."""
    try:
        return build(list(patches))
    except (BuildError, ExtractError) as error:
        raise TraceValidationError(
            f"the kernel harness cannot be built: {error}",
            "apt-get install -y linux-source-6.12 liburcu-dev gcc, then `make kernel-harness`",
        ) from None


@dataclass
class Mismatch:
    """The first step where the C and TLC's graph part."""

    model: str
    step: Step
    why: str  # what the C did instead
    schedule: list[Step]  # from the initial state, the failing step last
    source: int  # TLC state before the step
    expected: int | None = None  # TLC state after it
    expected_state: dict[str, TlaValue] | None = None
    observed: dict[str, TlaValue] | None = None
    options: str = ""  # the command line's other options for the replay (e.g. --kernel-patch)

    def report(self) -> str:
        lines = [
            f"mismatch at step {len(self.schedule)} of the trace: {self.step} from TLC state {self.source}",
            f"  {self.why}",
        ]
        if self.expected_state is not None and self.observed is not None:
            lines.append(f"  observe() differs from TLC state {self.expected}:")
            lines += [
                f"    {line}"
                for name in sorted(set(self.expected_state) | set(self.observed))
                for line in describe_difference(name, self.expected_state.get(name), self.observed.get(name))
            ]
            lines.append("  the C's state:")
            lines += [f"    {name} = {show_value(value)}" for name, value in sorted(self.observed.items())]
        schedule = " ".join(str(step) for step in self.schedule)
        lines += [
            f"the schedule from the initial state ({len(self.schedule)} steps):",
            *(f"  {step}" for step in self.schedule),
            "replay it:",
            f"  python -m gen.generators.trace_validate --model {self.model}{self.options} --replay '{schedule}'",
        ]
        return "\n".join(lines)


@dataclass
class Result:
    """What a run checked."""

    steps: int = 0
    traces: int = 0
    seconds: float = 0.0
    states: set[int] = field(default_factory=set)
    edges: set[tuple[int, Step]] = field(default_factory=set)
    mismatch: Mismatch | None = None

    def summary(self, graph: Graph) -> str:
        rate = self.steps / self.seconds * 60 if self.seconds else 0.0
        verdict = "1 mismatch" if self.mismatch else "0 mismatches"
        return (
            f"{graph.model}: {self.steps} steps checked in {self.traces} traces, {self.seconds:.1f} s "
            f"= {rate:,.0f} steps/min; {len(self.states)} of {len(graph.states)} states and "
            f"{len(self.edges)} of {graph.edge_count} edges visited; {verdict}"
        )


class TraceValidator:
    """Runs schedules of a graph's steps in one harness process at a time, checking every step."""

    def __init__(self, graph: Graph, exe: Path) -> None:
        self.graph = graph
        self.system = KernelSystem(graph.config, exe)
        self._index = {state: i for i, state in enumerate(graph.states)}
        # observe()'s text -> graph state (None: no state of the graph) and the state itself
        self._seen: dict[str, tuple[int | None, dict[str, TlaValue]]] = {}
        self._commands: dict[Step, str] = {}
        self.state = graph.initial
        self.trace: list[Step] = []

    def close(self) -> None:
        self.system.close()

    def _lookup(self, text: str) -> tuple[int | None, dict[str, TlaValue]]:
        found = self._seen.get(text)
        if found is None:
            observed = self.system._convert(json.loads(text))
            found = self._seen[text] = (self._index.get(tuple(observed[v] for v in self.graph.variables)), observed)
        return found

    def _command(self, step: Step) -> str:
        command = self._commands.get(step)
        if command is None:
            command = self._commands[step] = self.system.direct_command(step)
        return command

    def restart(self) -> Mismatch | None:
        """Back to the initial state: a fork of the idle harness process (system.py's fork server)."""
        self.system.reset()
        self.state, self.trace = self.graph.initial, []
        index, observed = self._lookup(self.system._harness.ask("observe"))
        if index != self.graph.initial:
            return Mismatch(
                self.graph.model,
                Step("Init", None),
                "the initial states differ",
                [],
                self.graph.initial,
                self.graph.initial,
                self.graph.state(self.graph.initial),
                observed,
            )
        return None

    def run_batch(self, edges: Sequence[tuple[Step, int]], result: Result) -> Mismatch | None:
        """Take these edges (a path from the current state) in the C; check each step; the first mismatch."""
        lines: list[str] = []
        for step, _ in edges:
            lines += [self._command(step), "observe"]
        answers = self.system._harness.pipeline(lines)
        for k, (step, target) in enumerate(edges):
            source = self.state
            self.trace.append(step)
            if 2 * k + 1 >= len(answers):
                return Mismatch(
                    self.graph.model,
                    step,
                    _died(self.system._harness.error_text()),
                    list(self.trace),
                    source,
                    target,
                )
            why = self._refusal(step, answers[2 * k])
            if why is not None:
                return Mismatch(self.graph.model, step, why, list(self.trace), source, target)
            index, observed = self._lookup(answers[2 * k + 1])
            if index != target:
                return Mismatch(
                    self.graph.model,
                    step,
                    "the C took the step but lands elsewhere"
                    + ("" if index is None else f" (TLC state {index}, another successor)"),
                    list(self.trace),
                    source,
                    target,
                    self.graph.state(target),
                    observed,
                )
            self.state = target
            result.steps += 1
            result.states.add(target)
            result.edges.add((source, step))
        return None

    @staticmethod
    def _refusal(step: Step, answer: str) -> str | None:
        """None if the C's answer to the step's command is that step; else what it did."""
        if step.actor is None:
            return None if answer == "ok" else "the C refuses it: the kernel side's guard is false"
        start, end, events = answer.split()
        try:
            name = classify(start, end, int(events))
        except KernelBug as error:  # a segment STEP_TABLE has no row for
            return str(error)
        if name == step.name:
            return None
        if name is None:
            what = "it blocks" if end == "BLOCKED" else "its guard is false in the real code"
            return f"the C refuses it ({start} -> {end}: {what})"
        return f"the C takes {name} instead ({start} -> {end}, events {events})"


def _died(report: str) -> str:
    """The harness's last words, its headline (sanitizer SUMMARY, BUG) first: the tail alone may cut it."""
    heads = [line for line in report.splitlines() if "SUMMARY:" in line or "BUG" in line]
    return "the harness died (a kernel BUG or a sanitizer report): " + " / ".join(heads) + "\n" + report


def _near_new(
    graph: Graph, state: int, taken: set[tuple[int, Step]], left: list[int], bound: int = 500
) -> list[tuple[Step, int]] | None:
    """A shortest path from ``state`` to an edge not taken yet (that edge last), searching at most
    ``bound`` states forward: new edges are usually near, and a search of the whole graph per new
    edge is quadratic in its size.  None: none within the bound."""
    back: dict[int, tuple[int, tuple[Step, int]] | None] = {state: None}
    queue = deque([state])
    while queue and len(back) <= bound:
        here = queue.popleft()
        for edge in graph.leaving[here]:
            if left[here] and (here, edge[0]) not in taken:
                path = [edge]
                link = back[here]
                while link is not None:
                    here, step = link
                    path.append(step)
                    link = back[here]
                return path[::-1]
            if edge[1] not in back:
                back[edge[1]] = (here, edge)
                queue.append(edge[1])
    return None


def _hops_to_new(graph: Graph, left: list[int]) -> tuple[dict[int, tuple[Step, int]], frozenset[int]]:
    """For each state with no edge left to take, the first edge of a shortest way to a state that has one;
    and the states that had one (the search's sources).

    One breadth-first search backwards from every state with an edge not
    taken yet (O(edges)).  Edges are only ever taken, so a state that was
    neither a source nor reached can reach no new edge later either: it
    needs no new search.  The hops go stale as sources run out, and are
    computed again only when they lead to a former source.
    """
    sources = [i for i, count in enumerate(left) if count]
    seen = set(sources)
    hops: dict[int, tuple[Step, int]] = {}
    queue = deque(sources)
    while queue:
        here = queue.popleft()
        for source, step, target in graph.entering[here]:
            if source not in seen:
                seen.add(source)
                hops[source] = (step, target)
                queue.append(source)
    return hops, frozenset(sources)


def validate(
    graph: Graph,
    exe: Path,
    steps: int,
    seed: int,
    trace_length: int = 200,
    batch: int = BATCH,
    choose: str = "cover",
    options: str = "",
) -> Result:
    """Random walks of ``graph`` (seeded), ``steps`` steps in all, run and checked in the C.

    ``choose``: ``random``, an edge of the current state uniformly (the
    random walk stays in the part of the graph it drifted into: once a page
    was written back, ``swap_device`` never holds NoData again, and the
    states before that, deep ones included, are seen only near the start);
    ``cover``, while some edge was never taken, the shortest way to one from
    here (uniformly among this state's own new edges; a new trace if none is
    reachable; :func:`_near_new`, :func:`_hops_to_new`), then as ``random``.
    """
    rng = random.Random(seed)
    result = Result()
    taken: set[tuple[int, Step]] = set()  # planned, so checked unless a mismatch stops the run
    left = [len(out) for out in graph.leaving]  # each state's edges not taken yet
    new_left = choose == "cover"
    hops: dict[int, tuple[Step, int]] | None = None
    hop_sources: frozenset[int] = frozenset()
    validator = TraceValidator(graph, exe)
    start = time.monotonic()
    try:
        result.mismatch = validator.restart()
        result.traces = 1
        while result.mismatch is None and result.steps < steps:
            plan: list[tuple[Step, int]] = []
            state = validator.state
            room = min(batch, steps - result.steps, trace_length - len(validator.trace))
            stuck = False
            while len(plan) < room and graph.leaving[state]:
                path: list[tuple[Step, int]] | None = None
                if new_left:
                    fresh = (
                        [edge for edge in graph.leaving[state] if (state, edge[0]) not in taken] if left[state] else []
                    )
                    if fresh:
                        path = [rng.choice(fresh)]
                    elif hops is not None and state in hops:  # one step along the global search's way
                        path = [hops[state]]
                    else:  # near (a bounded search), else a new global search
                        path = _near_new(graph, state, taken, left)
                        if path is None and (hops is None or state in hop_sources):
                            hops, hop_sources = _hops_to_new(graph, left)
                        if path is None and hops is not None and state in hops:
                            path = [hops[state]]
                    if path is None:
                        new_left = len(taken) < graph.edge_count
                        stuck = new_left  # new edges left, but none reachable from here: start again
                        if stuck and not plan and not validator.trace:
                            new_left = stuck = False  # none reachable from the start either: go random
                        if stuck:
                            break
                for edge in path or [rng.choice(graph.leaving[state])]:
                    if len(plan) == room:
                        break
                    if (state, edge[0]) not in taken:
                        taken.add((state, edge[0]))
                        left[state] -= 1
                    plan.append(edge)
                    state = edge[1]
            if plan:
                result.mismatch = validator.run_batch(plan, result)
                if result.mismatch is not None:
                    result.mismatch.options = options
            ended = stuck or not plan or len(plan) < room or len(validator.trace) >= trace_length
            if result.mismatch is None and ended and result.steps < steps:
                result.mismatch = validator.restart()
                result.traces += 1
    finally:
        result.seconds = time.monotonic() - start
        validator.close()
    return result


def replay(graph: Graph, exe: Path, schedule: Sequence[Step]) -> Result:
    """Run one schedule (e.g. a mismatch's) from the initial state, checked step by step as :func:`validate` does."""
    result = Result(traces=1)
    validator = TraceValidator(graph, exe)
    start = time.monotonic()
    try:
        result.mismatch = validator.restart()
        state = graph.initial
        for step in schedule:
            if result.mismatch is not None:
                break
            targets = [target for candidate, target in graph.leaving[state] if candidate == step]
            if not targets:
                offered = ", ".join(sorted(str(s) for s, _ in graph.leaving[state])) or "nothing"
                raise TraceValidationError(
                    f"step {len(validator.trace) + 1}, {step}: TLC's graph has no such edge from state {state} "
                    f"(it offers {offered})",
                    "replay a schedule that the spec allows (a mismatch report's)",
                )
            result.mismatch = validator.run_batch([(step, targets[0])], result)
            state = targets[0]
    finally:
        result.seconds = time.monotonic() - start
        validator.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gen.generators.trace_validate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", default="conf_rotate", help="a model of spec/models/ (variant rotate, no bugs)")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--trace-length", type=int, default=200, help="steps a trace (then back to the initial state: a fork)"
    )
    parser.add_argument("--choose", choices=("cover", "random"), default="cover", help="see validate()")
    parser.add_argument("--replay", metavar="STEPS", help="run this schedule instead of random ones")
    parser.add_argument(
        "--kernel-patch", type=Path, action="append", default=[], help="patch the 6.12 sources first (repeatable)"
    )
    args = parser.parse_args(argv)
    try:
        exe = harness(args.kernel_patch)
        graph = load_graph(args.model)
        if graph.config.variant != "rotate" or graph.config.bugs:
            raise TraceValidationError(
                f"model {args.model} is variant {graph.config.variant} with bugs {sorted(graph.config.bugs)}",
                "the C is 6.12, variant rotate without bugs: pick such a model (conf_rotate, rotate, ...)",
            )
        if args.replay is not None:
            result = replay(graph, exe, parse_steps(args.replay))
            if result.mismatch is not None:
                result.mismatch.options = "".join(f" --kernel-patch {patch}" for patch in args.kernel_patch)
        else:
            options = "".join(f" --kernel-patch {patch}" for patch in args.kernel_patch)
            result = validate(graph, exe, args.steps, args.seed, args.trace_length, choose=args.choose, options=options)
    except TraceValidationError as error:
        print(f"trace_validate: {error}", file=sys.stderr)
        return 2
    if result.mismatch is not None:
        print(result.mismatch.report())
    print(result.summary(graph) + (f" (seed {args.seed})" if args.replay is None else ""))
    return 1 if result.mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
