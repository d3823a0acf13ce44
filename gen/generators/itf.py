"""Writing ITF traces (the generated suite's ``conformance/generated/itf/``).

The codec (values <-> ITF JSON) and the reader, which the generated tests
run, are :mod:`conformance.itf`'s; this module builds and writes traces.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.itf import ItfError, from_itf, read_itf, to_itf
from conformance.values import TlaValue
from gen.bridge.files import write_text_atomically

__all__ = ["ItfError", "dumps_itf", "from_itf", "read_itf", "to_itf", "trace_json", "write_itf"]


def trace_json(
    variables: Sequence[str],
    states: Sequence[Mapping[str, TlaValue]],
    state_meta: Sequence[Mapping[str, Any]],
    meta: Mapping[str, Any],
    loop: int | None = None,
) -> dict[str, Any]:
    """An ITF trace object: ``states[i]`` with ``state_meta[i]`` as its ``#meta``."""
    if len(states) != len(state_meta):
        raise ItfError(f"{len(states)} states but {len(state_meta)} state metas")
    rendered = []
    for index, (state, extra) in enumerate(zip(states, state_meta)):
        item: dict[str, Any] = {"#meta": {"index": index, **extra}}
        for name in variables:
            item[name] = to_itf(state[name])
        rendered.append(item)
    trace: dict[str, Any] = {"#meta": {"format": "ITF", **meta}, "vars": list(variables), "states": rendered}
    if loop is not None:
        trace["loop"] = loop
    return trace


def dumps_itf(trace: Mapping[str, Any]) -> str:
    """The text of an ITF file: the header on one line, then one state per line (diffs stay readable)."""
    head = {k: v for k, v in trace.items() if k != "states"}
    lines = [json.dumps(head, sort_keys=True, separators=(",", ":"))[:-1] + ',"states":[']
    states = trace["states"]
    for index, state in enumerate(states):
        comma = "," if index + 1 < len(states) else ""
        lines.append(json.dumps(state, separators=(",", ":"), ensure_ascii=False) + comma)
    lines.append("]}")
    return "\n".join(lines) + "\n"


def write_itf(path: str | Path, trace: Mapping[str, Any]) -> None:
    """Write a trace object as ``*.itf.json``, atomically (temp file + rename)."""
    path = Path(path)
    if not path.name.endswith(".itf.json"):
        raise ItfError(f"{path}: ITF files are named *.itf.json")
    write_text_atomically(path, dumps_itf(trace))
