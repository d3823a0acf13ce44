"""Read the state graph TLC 2.15 writes with ``-dump dot,actionlabels FILE``.

The dump is one line per node and one per edge::

    strict digraph DiskGraph {
    nodesep=0.35;
    subgraph cluster_graph {
    color="white";
    7890885636088116053 [label="/\\\\ x = 1\\n/\\\\ y = <<\\"a\\">>",style = filled]
    7890885636088116053 -> -869493492382074272 [label="Inc",color="black",fontcolor="black"];
    {rank = same; 7890885636088116053;...}
    }
    }

Nodes are named by TLC's fingerprint; ``style = filled`` marks an initial
state; an edge's label is the action's name (TLC 2.15 gives no arguments).
A label is the state as TLC prints it, ``/\\ var = value`` per variable,
escaped for dot (``\\\\``, ``\\"``, and ``\\n`` between variables).

The reader streams the file line by line and keeps only the graph: a state
is a tuple of values (in :attr:`StateGraph.variables` order) and a value text
seen before is not parsed again, so states share their unchanged parts (a
2-task model's 50,000 states have a few thousand distinct variable values).
TLC writes an edge once per way it generated the successor, so the same
(source, target, action) can appear several times; it is kept once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from conformance.tla_text import TlaTextError, parse_value
from conformance.values import TlaValue

__all__ = ["DotError", "Edge", "StateGraph", "read_dot", "parse_dot_lines"]


class DotError(ValueError):
    """A dump that is not what ``tlc2.TLC -dump dot,actionlabels`` writes, or is cut short."""


@dataclass(frozen=True, slots=True)
class Edge:
    """One transition of the graph: state indices and the TLA+ action's name."""

    source: int
    target: int
    action: str


@dataclass(frozen=True)
class StateGraph:
    """A reachable state graph: states by index, initial states, edges in file order."""

    variables: tuple[str, ...]
    states: tuple[tuple[TlaValue, ...], ...]
    fingerprints: tuple[int, ...]
    initial: tuple[int, ...]
    edges: tuple[Edge, ...]

    def state(self, index: int) -> dict[str, TlaValue]:
        """The state as ``{variable: value}``."""
        return dict(zip(self.variables, self.states[index]))

    def outgoing(self) -> list[list[int]]:
        """Edge indices leaving each state."""
        leaving: list[list[int]] = [[] for _ in self.states]
        for index, edge in enumerate(self.edges):
            leaving[edge.source].append(index)
        return leaving


_NODE = re.compile(r'(-?\d+) \[label="(.*)"(,style = filled)?\];?$')
_EDGE = re.compile(r'(-?\d+) -> (-?\d+) \[label="([^"\\]*)"')
_ESCAPE = re.compile(r"\\(.)")
_SEPARATOR = "\n/\\ "
_CONJUNCT = re.compile(r"(?:/\\ )?([A-Za-z_][A-Za-z0-9_]*) = ", re.S)


def read_dot(path: str | Path) -> StateGraph:
    """Read a dump file; :class:`DotError` names the line of anything unexpected."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as lines:
            return parse_dot_lines(lines, str(path))
    except FileNotFoundError:
        raise DotError(f"{path}: no such dump; run TLC with `-dump dot,actionlabels {path}`") from None


def parse_dot_lines(lines: Iterable[str], where: str = "<dot>") -> StateGraph:
    """Parse the lines of a dump (see the module docstring for the format)."""
    index_of: dict[int, int] = {}
    fingerprints: list[int] = []
    labels: list[tuple[TlaValue, ...] | None] = []
    initial: list[int] = []
    edges: list[Edge] = []
    seen_edges: set[tuple[int, int, str]] = set()
    reader = _LabelReader()
    depth = 0
    number = 0

    def node(fingerprint: int) -> int:
        index = index_of.get(fingerprint)
        if index is None:
            index = index_of[fingerprint] = len(fingerprints)
            fingerprints.append(fingerprint)
            labels.append(None)
        return index

    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        first = line[:1]
        if first == "-" or first.isdigit():
            if " -> " in line:
                match = _EDGE.match(line)
                if match is None:
                    raise DotError(
                        f"{where}:{number}: an edge line without an action label: {line[:120]!r}; "
                        "run TLC with `-dump dot,actionlabels`, not `-dump dot`"
                    )
                key = (node(int(match[1])), node(int(match[2])), match[3])
                if key not in seen_edges:
                    seen_edges.add(key)
                    edges.append(Edge(*key))
                continue
            match = _NODE.match(line)
            if match is None:
                raise DotError(f'{where}:{number}: a node line that is not `id [label="..."]`: {line[:120]!r}')
            index = node(int(match[1]))
            if labels[index] is not None:
                raise DotError(f"{where}:{number}: state {match[1]} is labelled twice")
            try:
                labels[index] = reader.read(match[2])
            except (DotError, TlaTextError) as err:
                raise DotError(f"{where}:{number}: state {match[1]}: {err}") from None
            if match[3]:
                initial.append(index)
        elif line.endswith("{"):
            depth += 1
        elif line == "}":
            depth -= 1
        elif line.startswith("{rank = same;") or line.endswith(";"):
            continue  # layout hints: rank groups, nodesep, color
        elif line.strip():
            raise DotError(f"{where}:{number}: unexpected line {line[:120]!r}")
    if number == 0:
        raise DotError(f"{where}: empty dump: TLC wrote nothing (did it fail before exploring?)")
    if depth != 0:
        raise DotError(
            f"{where}: the dump ends at line {number} inside a `{{` block: TLC was stopped before "
            "it finished writing; rerun it to completion"
        )
    unlabelled = [fingerprints[i] for i, label in enumerate(labels) if label is None]
    if unlabelled:
        raise DotError(
            f"{where}: {len(unlabelled)} states are reached by an edge but never labelled "
            f"(first: {unlabelled[0]}): the dump is incomplete"
        )
    if not initial:
        raise DotError(f"{where}: no initial state (no node with `style = filled`)")
    return StateGraph(
        variables=reader.variables or (),
        states=tuple(label for label in labels if label is not None),  # all labelled: checked above
        fingerprints=tuple(fingerprints),
        initial=tuple(initial),
        edges=tuple(edges),
    )


class _LabelReader:
    """Turns node labels into value tuples, parsing each distinct ``var = value`` text once."""

    def __init__(self) -> None:
        self.variables: tuple[str, ...] | None = None
        self._position: dict[str, int] = {}
        self._memo: dict[str, tuple[str, TlaValue]] = {}

    def read(self, escaped: str) -> tuple[TlaValue, ...]:
        text = _unescape(escaped)
        conjuncts = text.split(_SEPARATOR)
        if conjuncts[0].startswith("/\\ "):
            conjuncts[0] = conjuncts[0][3:]
        memo = self._memo
        pairs = []
        for conjunct in conjuncts:
            pair = memo.get(conjunct)
            if pair is None:
                pair = memo[conjunct] = _conjunct(conjunct)
            pairs.append(pair)
        if self.variables is None:
            self.variables = tuple(sorted(name for name, _ in pairs))
            self._position = {name: i for i, name in enumerate(self.variables)}
            if len(self._position) != len(pairs):
                raise DotError(f"a variable appears twice in {text[:120]!r}")
        if len(pairs) != len(self._position):
            raise DotError(f"{len(pairs)} variables, expected {len(self._position)} ({', '.join(self.variables)})")
        # Placeholders, each overwritten below: the names are distinct and as many as the variables.
        values: list[TlaValue] = [None] * len(pairs)  # type: ignore[list-item]  # None is no TlaValue
        position = self._position
        for name, value in pairs:
            slot = position.get(name)
            if slot is None:
                raise DotError(f"variable {name!r} is not one of {', '.join(self.variables)}")
            values[slot] = value
        return tuple(values)


def _conjunct(text: str) -> tuple[str, TlaValue]:
    match = _CONJUNCT.match(text)
    if match is None:
        raise DotError(f"expected `variable = value`, got {text[:120]!r}")
    return match[1], parse_value(text[match.end() :])


def _unescape(label: str) -> str:
    """Undo dot's escaping: ``\\\\`` -> ``\\``, ``\\"`` -> ``"``, ``\\n`` -> newline."""
    if label.isascii():
        # The C codec does exactly these three in one pass; TLC escapes every
        # backslash, so no other escape sequence can appear.
        return label.encode("ascii").decode("unicode_escape")
    return _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], label)
