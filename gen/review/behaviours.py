"""Behaviours one state graph allows and another does not.

A behaviour is read as the sequence of step names along a path from an
initial state, ending either anywhere or in a state where no step is
enabled (written ``stops``: a deadlock, or the end of the fault).  Step
names are what TLC labels its graph edges with, so two versions of the spec
can be compared even when their variables or constants differ.

:func:`first_differences` finds, for each step that one graph can take and
the other cannot after the same step names, the *shortest* such sequence:
a breadth-first search over pairs (state of A, set of states of B reachable
by the same names), i.e. the subset construction of B built on demand.  The
search stops at ``bound`` steps (and at ``max_pairs`` pairs, reported as
incomplete), so "no difference" means "none within that many steps".

TLC's graphs are quotients under the model's symmetry (every state stands
for its orbit), so actor names in consecutive states need not agree.
:func:`concrete_path` undoes that for a witness: it renames each state
back to the names of the first one, picking at each step the permutation
under which the step changes the least, and the result reads as one real
execution ("t1 pins s1, t1 isolates s1's entry").
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from conformance.values import FnValue, ModelValue, TlaValue
from gen.generators.dot import StateGraph

__all__ = [
    "STOPS",
    "Difference",
    "Lts",
    "SearchResult",
    "concrete_path",
    "first_differences",
    "permutations_of",
]

# The pseudo-step after which nothing happens: no step is enabled.
STOPS = "stops"


@dataclass(frozen=True)
class Difference:
    """The shortest sequence of step names that A allows and B does not.

    ``path`` is A's states along it (indices into A's graph; one more than
    steps unless it ends in :data:`STOPS`).  ``others`` counts the further
    sequences of the same length ending in the same step that the search
    met; it prunes subsumed ones, so there may be more.
    """

    steps: tuple[str, ...]
    path: tuple[int, ...]
    others: int = 0


@dataclass(frozen=True)
class SearchResult:
    differences: tuple[Difference, ...]  # one per final step name, shortest first
    bound: int
    complete: bool  # False: stopped at max_pairs before exhausting the bound
    pairs: int  # (A state, B state set) pairs explored


@dataclass
class Lts:
    """A graph as successor tables: state -> step name -> target states."""

    initial: tuple[int, ...]
    successors: list[dict[str, tuple[int, ...]]] = field(default_factory=list)

    @classmethod
    def of(cls, graph: StateGraph) -> Lts:
        tables: list[dict[str, list[int]]] = [{} for _ in graph.states]
        for edge in graph.edges:
            tables[edge.source].setdefault(edge.action, []).append(edge.target)
        return cls(
            initial=tuple(graph.initial),
            successors=[{name: tuple(targets) for name, targets in table.items()} for table in tables],
        )

    def stops(self, state: int) -> bool:
        return not self.successors[state]


def first_differences(
    a: StateGraph | Lts, b: StateGraph | Lts, *, bound: int, max_pairs: int = 2_000_000
) -> SearchResult:
    """Shortest step-name sequences (up to ``bound`` steps) that A allows and B does not.

    Pass :class:`Lts` tables (``Lts.of(graph)``) to compare the same graphs
    both ways without building the tables twice.
    """
    lts_a = a if isinstance(a, Lts) else Lts.of(a)
    lts_b = b if isinstance(b, Lts) else Lts.of(b)
    start_b = frozenset(lts_b.initial)
    # Each queue entry: (A state, B states, depth, parent entry index, step name)
    nodes: list[tuple[int, frozenset[int], int, int, str]] = []
    # B-state sets already queued with each A state.  A pair whose B set
    # contains one of them is subsumed: every sequence that B cannot follow
    # from the larger set, it cannot follow from the smaller one either, and
    # breadth-first order reached the smaller one no later.
    kept: list[list[frozenset[int]]] = [[] for _ in lts_a.successors]
    pairs = 0
    queue: deque[int] = deque()
    for state in lts_a.initial:
        if not _subsumed(kept[state], start_b):
            kept[state].append(start_b)
            pairs += 1
            nodes.append((state, start_b, 0, -1, ""))
            queue.append(len(nodes) - 1)
    found: dict[str, Difference] = {}
    complete = True

    def witness(node: int, last: str, target: int | None) -> Difference:
        steps, path = [last], [target] if target is not None else []
        while node >= 0:
            state, _, _, parent, name = nodes[node]
            path.append(state)
            if parent >= 0:
                steps.append(name)
            node = parent
        return Difference(tuple(reversed(steps)), tuple(reversed(path)))

    def record(node: int, last: str, target: int | None) -> None:
        if last in found:
            existing = found[last]
            if len(existing.steps) == nodes[node][2] + 1:
                found[last] = Difference(existing.steps, existing.path, existing.others + 1)
            return
        found[last] = witness(node, last, target)

    while queue:
        if pairs > max_pairs:
            complete = False
            break
        node = queue.popleft()
        state, b_states, depth, _, _ = nodes[node]
        if lts_a.stops(state) and not any(lts_b.stops(s) for s in b_states):
            record(node, STOPS, None)
        if depth >= bound:
            continue
        for name, targets in sorted(lts_a.successors[state].items()):
            next_b = frozenset(t for s in b_states for t in lts_b.successors[s].get(name, ()))
            if not next_b:
                record(node, name, targets[0])
                continue
            for target in targets:
                if _subsumed(kept[target], next_b):
                    continue
                kept[target].append(next_b)
                pairs += 1
                nodes.append((target, next_b, depth + 1, node, name))
                queue.append(len(nodes) - 1)
    ordered = sorted(found.values(), key=lambda d: (len(d.steps), d.steps))
    return SearchResult(tuple(ordered), bound, complete, pairs)


def _subsumed(kept: list[frozenset[int]], candidate: frozenset[int]) -> bool:
    return any(earlier <= candidate for earlier in kept)


# ------------------------------------------------------------ symmetry


def permutations_of(groups: Iterable[Sequence[str]]) -> list[dict[ModelValue, ModelValue]]:
    """Every renaming that permutes each group of model values within itself."""
    per_group = [
        [dict(zip(map(ModelValue, group), map(ModelValue, image))) for image in itertools.permutations(group)]
        for group in groups
        if group
    ]
    result = []
    for combination in itertools.product(*per_group):
        mapping: dict[ModelValue, ModelValue] = {}
        for part in combination:
            mapping.update(part)
        result.append(mapping)
    return result or [{}]


def rename(value: TlaValue, mapping: Mapping[ModelValue, ModelValue]) -> TlaValue:
    """``value`` with every model value renamed by ``mapping``."""
    if isinstance(value, ModelValue):
        return mapping.get(value, value)
    if isinstance(value, tuple):
        return tuple(rename(v, mapping) for v in value)
    if isinstance(value, frozenset):
        return frozenset(rename(v, mapping) for v in value)
    if isinstance(value, FnValue):
        return FnValue({rename(k, mapping): rename(v, mapping) for k, v in value.items()})
    return value


def _distance(before: Mapping[str, TlaValue], after: Mapping[str, TlaValue]) -> int:
    """How much a step changes: differing variables, plus differing stacks."""
    changed = sum(before[name] != after[name] for name in before if name in after)
    stacks_before, stacks_after = before.get("stack"), after.get("stack")
    if isinstance(stacks_before, FnValue) and isinstance(stacks_after, FnValue):
        changed += sum(stacks_before.get(a) != stacks_after.get(a) for a in stacks_after)
    return changed


def concrete_path(
    graph: StateGraph,
    path: Sequence[int],
    renamings: Sequence[Mapping[ModelValue, ModelValue]],
) -> list[dict[str, TlaValue]]:
    """The states of a quotient-graph path, renamed into one consistent execution."""
    states = [graph.state(path[0])]
    for index in path[1:]:
        representative = graph.state(index)
        candidates = [{name: rename(value, mapping) for name, value in representative.items()} for mapping in renamings]
        states.append(min(candidates, key=lambda candidate: _distance(states[-1], candidate)))
    return states
