"""The edge cover is valid and optimal: checked against brute force on small graphs."""

from __future__ import annotations

import heapq

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gen.generators.cover import Cover, CoverError, cap_walks, edge_cover


def assert_valid(cover: Cover, edges: list[tuple[int, int]], initial: list[int]) -> None:
    taken: set[int] = set()
    for walk in cover.walks:
        assert walk, "an empty walk is a test that does nothing"
        assert edges[walk[0]][0] in initial, f"walk {walk} does not start at an initial state"
        for before, after in zip(walk, walk[1:]):
            assert edges[before][1] == edges[after][0], f"walk {walk} jumps"
        taken.update(walk)
    assert taken == set(range(len(edges)))
    assert cover.steps >= cover.lower_bound >= len(edges)


def brute_force_steps(num_states: int, edges: list[tuple[int, int]], initial: list[int]) -> int:
    """Fewest steps over walks from initial states taking every edge (Dijkstra on (state, taken))."""
    full = (1 << len(edges)) - 1
    best: dict[tuple[int, int], int] = {}
    heap = [(0, state, 0) for state in initial]
    while heap:
        steps, state, taken = heapq.heappop(heap)
        if taken == full:
            return steps
        if best.get((state, taken), 1 << 30) < steps:
            continue
        moves = [(steps, start, taken) for start in initial]  # restart: free
        moves += [(steps + 1, t, taken | (1 << i)) for i, (s, t) in enumerate(edges) if s == state]
        for move in moves:
            if move[0] < best.get((move[1], move[2]), 1 << 30):
                best[(move[1], move[2])] = move[0]
                heapq.heappush(heap, move)
    raise AssertionError("unreachable edge")


@st.composite
def reachable_graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], list[int]]:
    """Small graphs where every state is reached from state 0 (a spanning tree plus extra edges)."""
    num_states = draw(st.integers(1, 6))
    edges = [(draw(st.integers(0, child - 1)), child) for child in range(1, num_states)]
    extra = draw(st.lists(st.tuples(st.integers(0, num_states - 1), st.integers(0, num_states - 1)), max_size=5))
    edges += extra
    order = draw(st.permutations(range(len(edges))))
    edges = [edges[i] for i in order]
    initial = [0] + draw(st.lists(st.integers(1, max(1, num_states - 1)), max_size=1, unique=True))
    initial = [s for s in dict.fromkeys(initial) if s < num_states]
    return num_states, edges, initial


@settings(max_examples=300, deadline=None)
@given(reachable_graphs())
def test_cover_is_valid_and_optimal(graph: tuple[int, list[tuple[int, int]], list[int]]) -> None:
    num_states, edges, initial = graph
    cover = edge_cover(num_states, edges, initial)
    if not edges:
        assert cover.walks == ()
        return
    assert_valid(cover, edges, initial)
    assert cover.steps == brute_force_steps(num_states, edges, initial)


def test_dead_ends_force_restarts_with_shortest_prefixes() -> None:
    # A path 0-1-2-3 with three dead-end branches off state 3: each branch
    # after the first needs the prefix 0-1-2-3 again (3 steps).
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (3, 5), (3, 6)]
    cover = edge_cover(7, edges, [0])
    assert_valid(cover, edges, [0])
    assert len(cover.walks) == 3
    assert cover.steps == 6 + 2 * 3
    assert cover.lower_bound == cover.steps  # state 3 lacks 2 arrivals, 3 steps from state 0


def test_a_cycle_through_the_initial_state_is_one_walk_per_lap() -> None:
    edges = [(0, 1), (1, 2), (2, 0), (0, 3), (3, 0)]
    cover = edge_cover(4, edges, [0])
    assert_valid(cover, edges, [0])
    assert cover.steps == 5
    assert sorted(len(walk) for walk in cover.walks) == [2, 3]  # cut at each return to 0


def test_parallel_edges_are_distinct_edges() -> None:
    edges = [(0, 1), (0, 1), (1, 0)]
    cover = edge_cover(2, edges, [0])
    assert_valid(cover, edges, [0])
    assert cover.steps == 3  # 0->1->0, then 0->1 by the other edge
    assert len(cover.walks) == 2


def test_unreachable_edge_is_an_error_naming_it() -> None:
    with pytest.raises(CoverError, match="edge 1 leaves state 2"):
        edge_cover(3, [(0, 1), (2, 1)], [0])


def test_no_initial_state_is_an_error() -> None:
    with pytest.raises(CoverError, match="no initial state"):
        edge_cover(1, [(0, 0)], [])


def test_deterministic() -> None:
    edges = [(0, 1), (1, 2), (2, 1), (1, 3), (3, 0), (2, 4), (4, 4), (0, 4)]
    assert edge_cover(5, edges, [0]) == edge_cover(5, edges, [0])


def depths(num_states: int, edges: list[tuple[int, int]], initial: list[int]) -> list[int]:
    """Breadth-first distance of each state from the initial ones (an independent copy of the tree)."""
    depth = [-1] * num_states
    for state in initial:
        depth[state] = 0
    frontier, level = list(initial), 0
    while frontier:
        level += 1
        reached = [t for s, t in edges if s in frontier and depth[t] < 0]
        for state in reached:
            depth[state] = level
        frontier = reached
    return depth


@settings(max_examples=300, deadline=None)
@given(reachable_graphs(), st.integers(1, 6))
def test_capped_walks_are_valid_and_within_the_cap(
    graph: tuple[int, list[tuple[int, int]], list[int]], cap: int
) -> None:
    num_states, edges, initial = graph
    if not edges:
        return
    optimal = edge_cover(num_states, edges, initial)
    capped = cap_walks(optimal, num_states, edges, initial, cap)
    assert_valid(capped, edges, initial)
    deepest = max(depths(num_states, edges, initial))
    # A piece needs a prefix to its start and one step: a state deeper than the cap allows that much.
    assert capped.longest <= max(cap, deepest + 1)
    assert capped.steps >= optimal.steps and capped.uncapped_steps == optimal.steps
    assert capped.max_walk_steps == cap


def test_a_cap_above_the_longest_walk_changes_nothing() -> None:
    edges = [(0, 1), (1, 2), (2, 0), (1, 3), (3, 1)]
    optimal = edge_cover(4, edges, [0])
    capped = cap_walks(optimal, 4, edges, [0], optimal.longest)
    assert capped.walks == optimal.walks and capped.steps == optimal.steps


def test_a_long_walk_is_cut_where_restarting_is_cheapest() -> None:
    # States 1 (one step deep) and 2 (two steps) with loops and edges both
    # ways: one optimal walk of 7 steps.  Capped at 4, a later piece starts
    # again from 0 along a prefix of 1 or 2 steps; the cuts must cost no more
    # than the best of all 2**6 ways of cutting.
    edges = [(0, 1), (1, 1), (1, 2), (2, 2), (2, 1), (1, 2), (2, 2)]
    optimal = edge_cover(3, edges, [0])
    assert len(optimal.walks) == 1 and optimal.steps == 7
    capped = cap_walks(optimal, 3, edges, [0], 4)
    assert capped.longest <= 4
    assert_valid(capped, edges, [0])
    assert capped.steps == brute_force_cut_steps(optimal.walks[0], edges, 4)


def brute_force_cut_steps(walk: tuple[int, ...], edges: list[tuple[int, int]], cap: int) -> int:
    """Fewest steps over every way of cutting ``walk`` into pieces of at most ``cap`` steps."""
    depth = depths(max(max(e) for e in edges) + 1, edges, [0])
    best = 1 << 30
    for mask in range(1 << (len(walk) - 1)):
        cuts = [i + 1 for i in range(len(walk) - 1) if mask >> i & 1]
        bounds = list(zip([0, *cuts], [*cuts, len(walk)]))
        pieces = [(depth[edges[walk[a - 1]][1]] if a else 0) + b - a for a, b in bounds]
        if all(piece <= cap for piece in pieces):
            best = min(best, sum(pieces))
    return best


@settings(max_examples=200, deadline=None)
@given(reachable_graphs(), st.integers(2, 5))
def test_the_cuts_are_the_cheapest_within_the_cap(
    graph: tuple[int, list[tuple[int, int]], list[int]], cap: int
) -> None:
    num_states, edges, _initial = graph
    initial = [0]
    if not edges:
        return
    optimal = edge_cover(num_states, edges, initial)
    deepest = max(depths(num_states, edges, initial))
    if deepest + 1 > cap or any(len(walk) > 12 for walk in optimal.walks):
        return  # the brute force needs every piece to fit, and few cut subsets
    capped = cap_walks(optimal, num_states, edges, initial, cap)
    assert capped.steps == sum(brute_force_cut_steps(walk, edges, cap) for walk in optimal.walks)


def test_a_cap_without_room_for_a_step_is_refused() -> None:
    optimal = edge_cover(2, [(0, 1)], [0])
    with pytest.raises(CoverError, match="no room"):
        cap_walks(optimal, 2, [(0, 1)], [0], 0)
