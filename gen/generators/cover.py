"""Edge cover of a state graph: walks from an initial state taking every edge.

Every test is a walk that starts in an initial state, so covering the graph
is a Chinese-postman problem with restarts.  We solve it exactly:

* Join every initial state to a virtual *root* (``root -> init``, free) and
  let any state end its walk (``state -> root``, a free *restart*).  A set of
  walks from the initial states is then one closed walk through the root.
* A closed walk exists iff the multigraph of traversals is balanced (in-degree
  = out-degree everywhere).  Taking every edge once leaves some states with a
  surplus of arrivals and some with a surplus of departures; we add the
  cheapest extra traversals that balance it: a min-cost flow from surplus to
  deficit states, where re-taking an edge costs one step and restarting (go
  to the root, start again from an initial state) costs nothing but the
  steps of the prefix that follows.
* An Euler circuit (Hierholzer) of the balanced multigraph, cut at the root
  and at every return to an initial state, gives the walks.

The flow is solved by primal-dual successive shortest paths: Dijkstra with
potentials, then a blocking flow (Dinic) on the zero-reduced-cost arcs, so
the number of phases is bounded by the number of distinct path costs (the
graph's depth), not by the number of units.

The result is optimal: no set of walks from the initial states that takes
every edge has fewer steps.  :class:`Cover` also reports a simple lower bound
(every edge once, plus for every missing arrival the distance from the
nearest place a walk can come from) so the figure can be checked without
trusting the flow.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Cover", "CoverError", "cap_walks", "edge_cover"]


class CoverError(ValueError):
    """The graph cannot be covered from its initial states (e.g. an edge is unreachable)."""


@dataclass(frozen=True)
class Cover:
    """Walks from initial states that together take every edge at least once.

    ``walks`` holds edge indices into the ``edges`` sequence given to
    :func:`edge_cover`; each walk starts at an initial state.
    """

    walks: tuple[tuple[int, ...], ...]
    edges: int
    lower_bound: int
    # Set by :func:`cap_walks`: the longest walk allowed, and the steps of the
    # optimal cover before it was cut (so the cap's cost can be said).
    max_walk_steps: int | None = None
    uncapped_steps: int | None = None

    @property
    def steps(self) -> int:
        """Total steps of all walks (an edge taken twice counts twice)."""
        return sum(len(walk) for walk in self.walks)

    @property
    def ratio(self) -> float:
        """Steps per edge: 1.0 means every edge was taken exactly once."""
        return self.steps / self.edges if self.edges else 1.0

    @property
    def longest(self) -> int:
        """Steps of the longest walk."""
        return max((len(walk) for walk in self.walks), default=0)

    def summary(self) -> str:
        """One line for reports and benchmarks."""
        bound_ratio = self.steps / self.lower_bound if self.lower_bound else 1.0
        capped = (
            f"; walks capped at {self.max_walk_steps} steps (uncapped optimum {self.uncapped_steps} steps)"
            if self.max_walk_steps is not None
            else ""
        )
        return (
            f"{len(self.walks)} walks, {self.steps} steps for {self.edges} edges "
            f"(ratio {self.ratio:.3f}); lower bound {self.lower_bound} "
            f"(steps/bound {bound_ratio:.3f}); longest walk {self.longest}{capped}"
        )


def edge_cover(num_states: int, edges: Sequence[tuple[int, int]], initial: Sequence[int]) -> Cover:
    """The cheapest set of walks from ``initial`` states that takes every edge.

    States are ``0 .. num_states-1``; ``edges[i] = (source, target)``.
    Parallel edges (two actions between the same states) are distinct edges.
    Raises :class:`CoverError` when some edge cannot be reached from an
    initial state.
    """
    if not initial:
        raise CoverError("the graph has no initial state: nothing to start a walk from")
    if not edges:
        return Cover(walks=(), edges=0, lower_bound=0)
    _check_reachable(num_states, edges, initial)
    root = num_states
    balance = [0] * (num_states + 1)  # arrivals minus departures, every edge once
    for source, target in edges:
        balance[source] -= 1
        balance[target] += 1
    # The circuit leaves the root once more than it returns by real edges: the first walk.
    first = initial[0]
    balance[root] -= 1
    balance[first] += 1
    flow = _BalancingFlow(num_states, edges, initial, balance)
    extra_traversals, restarts, starts = flow.solve()
    lower_bound = len(edges) + _lower_bound_extra(num_states, edges, initial, balance)
    walks = _euler_walks(num_states, edges, initial, first, extra_traversals, restarts, starts)
    return Cover(walks=walks, edges=len(edges), lower_bound=lower_bound)


def cap_walks(
    cover: Cover, num_states: int, edges: Sequence[tuple[int, int]], initial: Sequence[int], max_steps: int
) -> Cover:
    """``cover`` with every walk longer than ``max_steps`` cut into readable pieces.

    The optimal cover strings edges into few long walks (hundreds of steps in
    the two-task model), which no reviewer follows.  A walk is cut at some
    states, and each piece after the first starts again from an initial state
    along a shortest path to its cut state (the *prefix*), so every piece is a
    walk from an initial state and every edge is still taken.  Where to cut is
    chosen per walk by dynamic programming: the fewest prefix steps in total
    (then the fewest pieces) such that every piece, prefix included, has at
    most ``max_steps`` steps.  A state deeper than ``max_steps - 1`` cannot be
    left within the cap; its piece gets the prefix and one step.
    """
    if max_steps < 1:
        raise CoverError(f"a walk cap of {max_steps} steps leaves no room for a step")
    distance, reached_by = _shortest_path_tree(num_states, edges, initial)

    def prefix(state: int) -> list[int]:
        path = []
        while reached_by[state] >= 0:
            path.append(reached_by[state])
            state = edges[reached_by[state]][0]
        return path[::-1]

    walks: list[tuple[int, ...]] = []
    for walk in cover.walks:
        for start, end in _cuts(walk, edges, distance, max_steps):
            lead = prefix(edges[walk[start - 1]][1]) if start else []
            walks.append((*lead, *walk[start:end]))
    return Cover(
        walks=tuple(walks),
        edges=cover.edges,
        lower_bound=cover.lower_bound,
        max_walk_steps=max_steps,
        uncapped_steps=cover.steps if cover.uncapped_steps is None else cover.uncapped_steps,
    )


def _cuts(
    walk: Sequence[int], edges: Sequence[tuple[int, int]], distance: list[int], max_steps: int
) -> list[tuple[int, int]]:
    """The pieces ``walk[start:end]`` of one walk, cut where the prefixes cost least."""
    length = len(walk)
    # depth[p]: the prefix a piece starting after p steps of the walk needs.
    depth = [0] + [distance[edges[walk[i]][1]] for i in range(length)]
    unreached = (length * (length + 1) + 1, 0)
    best = [unreached] * (length + 1)  # best[c]: (prefix steps, pieces) to end a piece at c
    came_from = [-1] * (length + 1)
    best[0] = (0, 0)
    for end in range(1, length + 1):
        for start in range(max(0, end - max_steps), end):
            lead = depth[start] if start else 0
            if best[start] == unreached or (lead + end - start > max_steps and end - start > 1):
                continue
            candidate = (best[start][0] + lead, best[start][1] + 1)
            if candidate < best[end]:
                best[end], came_from[end] = candidate, start
    pieces = []
    end = length
    while end > 0:
        pieces.append((came_from[end], end))
        end = came_from[end]
    return pieces[::-1]


def _shortest_path_tree(
    num_states: int, edges: Sequence[tuple[int, int]], initial: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Breadth-first from ``initial``: each state's distance and the edge that first reached it."""
    leaving: list[list[int]] = [[] for _ in range(num_states)]
    for index, (source, _target) in enumerate(edges):
        leaving[source].append(index)
    distance = [-1] * num_states
    reached_by = [-1] * num_states
    queue = deque(initial)
    for state in initial:
        distance[state] = 0
    while queue:
        state = queue.popleft()
        for index in leaving[state]:
            target = edges[index][1]
            if distance[target] < 0:
                distance[target], reached_by[target] = distance[state] + 1, index
                queue.append(target)
    return distance, reached_by


def _check_reachable(num_states: int, edges: Sequence[tuple[int, int]], initial: Sequence[int]) -> None:
    successors: list[list[int]] = [[] for _ in range(num_states)]
    for source, target in edges:
        successors[source].append(target)
    seen = bytearray(num_states)
    queue = deque(initial)
    for state in initial:
        seen[state] = 1
    while queue:
        state = queue.popleft()
        for nxt in successors[state]:
            if not seen[nxt]:
                seen[nxt] = 1
                queue.append(nxt)
    for index, (source, _target) in enumerate(edges):
        if not seen[source]:
            raise CoverError(
                f"edge {index} leaves state {source}, which no initial state reaches: "
                "the graph is not a reachable state graph (was it cut short?)"
            )


def _lower_bound_extra(
    num_states: int, edges: Sequence[tuple[int, int]], initial: Sequence[int], balance: list[int]
) -> int:
    """Steps that any cover needs beyond taking every edge once.

    A state short of ``k`` arrivals must be entered ``k`` more times, each by a
    step that retakes an edge; the walk doing so comes from a state with
    surplus arrivals or from an initial state, so it takes at least the
    distance from the nearest of those (a multi-source BFS).
    """
    successors: list[list[int]] = [[] for _ in range(num_states)]
    for source, target in edges:
        successors[source].append(target)
    distance = [-1] * num_states
    queue: deque[int] = deque()
    for state in list(initial) + [s for s in range(num_states) if balance[s] > 0]:
        if distance[state] < 0:
            distance[state] = 0
            queue.append(state)
    while queue:
        state = queue.popleft()
        for nxt in successors[state]:
            if distance[nxt] < 0:
                distance[nxt] = distance[state] + 1
                queue.append(nxt)
    return sum(-balance[s] * distance[s] for s in range(num_states) if balance[s] < 0)


class _BalancingFlow:
    """Min-cost flow that balances the traversal multigraph (see the module docstring).

    Arcs live in flat lists; arc ``a`` and ``a ^ 1`` are a forward/residual pair.
    """

    def __init__(
        self,
        num_states: int,
        edges: Sequence[tuple[int, int]],
        initial: Sequence[int],
        balance: list[int],
    ) -> None:
        self.root = num_states
        self.source = num_states + 1
        self.sink = num_states + 2
        self.nodes = num_states + 3
        self.head: list[int] = []
        self.capacity: list[int] = []
        self.cost: list[int] = []
        self.out_arcs: list[list[int]] = [[] for _ in range(self.nodes)]
        self.demand = sum(-b for b in balance if b < 0)
        unbounded = self.demand + 1
        self.retake_arcs: list[tuple[int, int, int]] = []  # (arc, source, target)
        for pair in sorted(set(edges)):
            self.retake_arcs.append((self._add(pair[0], pair[1], unbounded, 1), *pair))
        self.restart_arcs: list[tuple[int, int]] = []
        self.start_arcs: list[tuple[int, int]] = []
        for state, surplus in enumerate(balance):
            if surplus > 0:
                self._add(self.source, state, surplus, 0)
                if state != self.root:
                    self.restart_arcs.append((self._add(state, self.root, unbounded, 0), state))
            elif surplus < 0:
                self._add(state, self.sink, -surplus, 0)
        for state in sorted(set(initial)):
            self.start_arcs.append((self._add(self.root, state, unbounded, 0), state))

    def _add(self, tail: int, head: int, capacity: int, cost: int) -> int:
        arc = len(self.head)
        self.head += [head, tail]
        self.capacity += [capacity, 0]
        self.cost += [cost, -cost]
        self.out_arcs[tail].append(arc)
        self.out_arcs[head].append(arc + 1)
        return arc

    def solve(self) -> tuple[dict[tuple[int, int], int], dict[int, int], dict[int, int]]:
        """Extra traversals per (source, target), restarts per state, starts per initial state."""
        potential = [0] * self.nodes
        sent = 0
        while sent < self.demand:
            near = self._reprice(potential)
            if near is None:
                raise CoverError("some state short of arrivals cannot be reached: graph not connected")
            pushed = self._blocking_flows(potential, near)
            if pushed == 0:
                raise CoverError("internal error: a shortest path carried no flow")
            sent += pushed
        flow = self.capacity
        extra = {(s, t): flow[arc ^ 1] for arc, s, t in self.retake_arcs if flow[arc ^ 1]}
        restarts = {s: flow[arc ^ 1] for arc, s in self.restart_arcs if flow[arc ^ 1]}
        starts = {s: flow[arc ^ 1] for arc, s in self.start_arcs if flow[arc ^ 1]}
        return extra, restarts, starts

    def _reprice(self, potential: list[int]) -> list[bool] | None:
        """Shortest reduced-cost distances from the source, folded into the potentials; which nodes are near.

        Reduced costs are small non-negative integers (at most the graph's
        depth), so a bucket queue (Dial's algorithm) replaces the heap.
        """
        infinity = 1 << 60
        distance = [infinity] * self.nodes
        distance[self.source] = 0
        buckets: list[list[int]] = [[self.source]]
        head, capacity, cost, out_arcs = self.head, self.capacity, self.cost, self.out_arcs
        current = 0
        while current < len(buckets):
            for node in buckets[current]:
                if distance[node] != current:
                    continue  # settled earlier at a smaller distance
                base = current + potential[node]
                for arc in out_arcs[node]:
                    if capacity[arc]:
                        nxt = head[arc]
                        candidate = base + cost[arc] - potential[nxt]
                        if candidate < distance[nxt]:
                            distance[nxt] = candidate
                            while len(buckets) <= candidate:
                                buckets.append([])
                            buckets[candidate].append(nxt)
            buckets[current] = []
            current += 1
        reach = distance[self.sink]
        if reach >= infinity:
            return None
        for node in range(self.nodes):
            potential[node] += min(distance[node], reach)
        return [d <= reach for d in distance]  # the nodes a shortest path of this phase can use

    def _blocking_flows(self, potential: list[int], near: list[bool]) -> int:
        """Max flow over arcs of zero reduced cost (Dinic), the phase's shortest paths.

        ``near[v]``: v is no farther from the source than the sink is.  No
        zero-reduced-cost path from the source leaves those nodes, so the
        phase ignores the rest of the graph.
        """
        head, capacity, cost = self.head, self.capacity, self.cost
        source, sink = self.source, self.sink
        # Arcs of zero reduced cost stay so for the whole phase (their reverses too),
        # so the phase only ever looks at these: a small part of the graph.
        tight: list[list[int]] = []
        for node, arcs in enumerate(self.out_arcs):
            if not near[node]:
                tight.append([])
                continue
            here = potential[node]
            tight.append([arc for arc in arcs if near[head[arc]] and cost[arc] + here == potential[head[arc]]])
        total = 0
        while True:
            # Levels count steps *to* the sink (BFS backwards over arcs with
            # capacity), so the DFS never wanders into parts that cannot reach it.
            level = [-1] * self.nodes
            level[sink] = 0
            queue = deque([sink])
            while queue:
                node = queue.popleft()
                for back in tight[node]:
                    prev = head[back]
                    if capacity[back ^ 1] and level[prev] < 0:
                        level[prev] = level[node] + 1
                        queue.append(prev)
            if level[source] < 0:
                return total
            total += self._blocking_round(tight, level)

    def _blocking_round(self, tight: list[list[int]], level: list[int]) -> int:
        """Augment along level-graph paths until none is left (iterative DFS, current-arc cursors).

        After an augmentation the DFS backs up only to the first saturated
        arc, so a path's shared prefix is not walked again.
        """
        head, capacity = self.head, self.capacity
        source, sink = self.source, self.sink
        cursor = [0] * self.nodes
        path: list[int] = []
        node = source
        total = 0
        while True:
            if node == sink:
                amount = min(capacity[arc] for arc in path)
                total += amount
                cut = len(path)
                for position, arc in enumerate(path):
                    capacity[arc] -= amount
                    capacity[arc ^ 1] += amount
                    if not capacity[arc] and position < cut:
                        cut = position
                del path[cut:]
                node = head[path[-1]] if path else source
                continue
            arcs = tight[node]
            position = cursor[node]
            wanted = level[node] - 1
            while position < len(arcs):
                arc = arcs[position]
                if capacity[arc] and level[head[arc]] == wanted:
                    break
                position += 1
            cursor[node] = position
            if position < len(arcs):
                path.append(arcs[position])
                node = head[arcs[position]]
                continue
            if not path:
                return total
            level[node] = -1  # a dead end for the rest of this round
            arc = path.pop()
            node = head[arc ^ 1]
            cursor[node] += 1


def _euler_walks(
    num_states: int,
    edges: Sequence[tuple[int, int]],
    initial: Sequence[int],
    first: int,
    extra: dict[tuple[int, int], int],
    restarts: dict[int, int],
    starts: dict[int, int],
) -> tuple[tuple[int, ...], ...]:
    """Hierholzer's circuit through the root, cut into walks from initial states."""
    root = num_states
    # Outgoing traversals per node, as edge indices; -1 is a restart (to the root),
    # -(2 + s) a start at initial state s.
    leaving: list[list[int]] = [[] for _ in range(num_states + 1)]
    first_edge_between: dict[tuple[int, int], int] = {}
    for index, (source, target) in enumerate(edges):
        leaving[source].append(index)
        first_edge_between.setdefault((source, target), index)
    for pair, count in sorted(extra.items()):
        leaving[pair[0]].extend([first_edge_between[pair]] * count)
    for state, count in sorted(restarts.items()):
        leaving[state].extend([-1] * count)
    leaving[root].append(-(2 + first))
    for state, count in sorted(starts.items()):
        leaving[root].extend([-(2 + state)] * count)
    for arcs in leaving:
        arcs.reverse()  # pop() from the end takes them in the order added

    def target_of(step: int) -> int:
        if step == -1:
            return root
        if step <= -2:
            return -(step + 2)
        return edges[step][1]

    circuit: list[int] = []
    stack: list[tuple[int, int]] = [(root, 0)]  # (node, step that entered it)
    while stack:
        node, entered_by = stack[-1]
        if leaving[node]:
            step = leaving[node].pop()
            stack.append((target_of(step), step))
        else:
            stack.pop()
            if stack:
                circuit.append(entered_by)
    circuit.reverse()
    if any(leaving):
        raise CoverError("internal error: the balanced multigraph was not connected")
    initial_states = set(initial)
    walks: list[tuple[int, ...]] = []
    current: list[int] = []
    for step in circuit:
        if step < 0:  # a restart or a start: the walk so far ends
            if current:
                walks.append(tuple(current))
            current = []
            continue
        current.append(step)
        if edges[step][1] in initial_states:  # back at an initial state: a free cut
            walks.append(tuple(current))
            current = []
    if current:
        walks.append(tuple(current))
    return tuple(walks)
