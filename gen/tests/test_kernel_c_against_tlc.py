"""The real 6.12 C against TLC's whole state graph of small rotate models.

As conformance/tests/test_against_tlc.py does for the Python reference: for
every state TLC reaches, the harness, driven there along TLC's own edges, is
in the same state (observe()) and offers exactly TLC's successors: for every
step its name and the state it leads to.  The successors of a state come from
one ``succ`` of the harness (each one computed in a fork()ed child); a state
is reached by replaying its path from the initial state in a fresh harness.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping
from pathlib import Path

import pytest

from conformance.config import Config
from conformance.steps import Step
from conformance.values import TlaValue
from gen.generators.dot import StateGraph
from gen.tests.test_conformance_against_tlc import state_graph

# (tasks, shrinkers, slots, versions, variant, putback, budget, bugs).  conf_rotate (660 states) takes ~25 s;
# the other two ~10 min together on 2 cores: KERNEL_GRAPHS=all runs them.
MODELS = {
    "conf_rotate": (("t1",), ("k1",), ("s1",), ("v1", "v2"), "rotate", "tail", 2, ()),
    "rotate": (("t1", "t2"), ("k1",), ("s1",), ("v1", "v2"), "rotate", "tail", 2, ()),
    "rotate_two_slots_budget3": (("t1",), ("k1",), ("s1", "s2"), ("v1", "v2"), "rotate", "tail", 3, ()),
}


def kernel_mismatches(graph: StateGraph, config: Config, exe: Path, limit: int = 5) -> tuple[int, list[str], int]:
    """Walk TLC's graph breadth-first alongside the C; return (states visited, differences, successors compared)."""
    from conformance.kernel.system import KernelSystem

    def key(observed: Mapping[str, TlaValue]) -> tuple[TlaValue, ...]:
        return tuple(observed[v] for v in graph.variables)

    index_of = {state: i for i, state in enumerate(graph.states)}
    leaving = graph.outgoing()
    (start,) = graph.initial
    system = KernelSystem(config, exe)
    try:
        assert key(system.observe()) == graph.states[start], "the initial states differ"
        paths: dict[int, list[str]] = {start: []}
        queue, steps = deque([start]), 0
        found: list[str] = []
        while queue and len(found) < limit:
            i = queue.popleft()
            system.replay(paths[i])
            if key(system.observe()) != graph.states[i]:
                found.append(f"state {i}: replaying its path gives another state")
                continue
            expected = {(graph.edges[e].action, graph.edges[e].target) for e in leaving[i]}
            got: dict[tuple[str, int | None], Step] = {}
            for step, state in system.successors():
                got[(step.name, index_of.get(key(state)))] = step
            steps += len(got)
            if set(got) != expected and len(found) < limit:
                found.append(
                    f"state {i} {graph.state(i)}:\n  missing {sorted(expected - set(got))}\n"
                    f"  extra {sorted((n, j, str(got[(n, j)])) for n, j in set(got) - expected)}"
                )
            for (_name, j), step in got.items():
                if j is not None and j not in paths:
                    paths[j] = paths[i] + [system.command_for(step)]
                    queue.append(j)
        return len(paths), found, steps
    finally:
        system.close()


@pytest.mark.tlc
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MODELS))
def test_kernel_c_is_the_specs_state_graph(name: str, tmp_path: Path, kernel_harness: Path) -> None:
    if name != "conf_rotate" and os.environ.get("KERNEL_GRAPHS") != "all":
        pytest.skip("a bigger graph (minutes): set KERNEL_GRAPHS=all")
    config, graph, _ = state_graph(name, MODELS[name], tmp_path, f"kernel-{name}")
    visited, found, _ = kernel_mismatches(graph, config, kernel_harness)
    assert not found, "\n".join(found)
    assert visited == len(graph.states), f"reached {visited} of TLC's {len(graph.states)} states"
