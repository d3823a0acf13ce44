"""TLC's own ``BlockedOn`` and ``Holds`` for every state of a conformance graph.

Replay compares the implementation's ``blocked()`` and ``holders()`` with the
spec at every state.  The spec's answer must come from TLC, not from a Python
copy of the two operators: the graph run checks the invariant
``WaitGraphPrinted`` (spec/MCZswap.tla), which is always TRUE and prints, for
each distinct state TLC reaches, ``<<"wait-graph", vars, WaitGraph>>``.  This
module reads those lines and ties each to its state by the variables' values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from conformance.tla_text import TlaTextError, parse_value
from conformance.values import FnValue, ModelValue, TlaValue

__all__ = ["INVARIANT", "WaitGraphError", "WaitRow", "read_wait_graph", "spec_variable_order"]

INVARIANT = "WaitGraphPrinted"
TAG = '<<"wait-graph", '

# Per state: the (actor, slot) pairs of BlockedOn, then those of Holds, sorted by name.
WaitRow = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


class WaitGraphError(ValueError):
    """TLC's printed wait graph does not fit the state graph it came with."""


def spec_variable_order(protocol_text: str) -> tuple[str, ...]:
    """The variables in the order of the spec's ``vars == <<...>>`` (the order PrintT prints them)."""
    found = re.search(r"^vars\s*==\s*<<(.*?)>>", protocol_text, re.MULTILINE | re.DOTALL)
    if found is None:
        raise WaitGraphError("spec/Zswap.tla defines no `vars == <<...>>`: cannot read the printed wait graph")
    return tuple(name.strip() for name in found.group(1).split(","))


def read_wait_graph(
    output: str,
    printed_order: Sequence[str],
    variables: Sequence[str],
    states: Sequence[tuple[TlaValue, ...]],
) -> tuple[WaitRow, ...]:
    """One row per state of ``states`` (each a tuple in ``variables`` order), from TLC's ``output``."""
    if sorted(printed_order) != sorted(variables):
        raise WaitGraphError(
            f"the spec's vars {sorted(printed_order)} are not the graph's variables {sorted(variables)}"
        )
    position = [list(printed_order).index(name) for name in variables]
    rows: dict[tuple[TlaValue, ...], WaitRow] = {}
    for number, line in enumerate(output.splitlines(), 1):
        if not line.startswith(TAG):
            continue
        try:
            printed = parse_value(line)
        except TlaTextError as error:
            raise WaitGraphError(f"TLC output line {number}: not a TLA+ value ({error}): {line[:200]}") from None
        if not (isinstance(printed, tuple) and len(printed) == 3 and isinstance(printed[1], tuple)):
            raise WaitGraphError(f"TLC output line {number}: not <<tag, vars, WaitGraph>>: {line[:200]}")
        values, graph = printed[1], printed[2]
        state = tuple(values[i] for i in position)
        rows[state] = (_pairs(graph, "blocked", number), _pairs(graph, "holds", number))
    missing = sum(1 for state in states if state not in rows)
    if missing:
        raise WaitGraphError(
            f"TLC printed no wait graph for {missing} of {len(states)} states (was the invariant {INVARIANT} checked?)"
        )
    return tuple(rows[state] for state in states)


def _pairs(graph: TlaValue, field: str, number: int) -> tuple[tuple[str, str], ...]:
    if not isinstance(graph, FnValue) or field not in graph:
        raise WaitGraphError(f"TLC output line {number}: the wait graph has no field {field!r}")
    pairs = graph[field]
    if not isinstance(pairs, frozenset) or not all(
        isinstance(p, tuple) and len(p) == 2 and all(isinstance(v, ModelValue) for v in p) for p in pairs
    ):
        raise WaitGraphError(f"TLC output line {number}: {field} is not a set of <<actor, slot>> pairs")
    return tuple(sorted((actor.name, slot.name) for actor, slot in pairs))
