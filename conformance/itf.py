"""Traces as Apalache ITF JSON (``*.itf.json``), so other TLA+ tools can read them.

The Informal Trace Format (https://apalache-mc.org/docs/adr/015adr-trace.html)
encodes values as JSON:

=================  =========================================================
Python             ITF
=================  =========================================================
``int``            JSON number (``{"#bigint": "..."}`` beyond 2**53)
``str``/``bool``   JSON string / boolean
``ModelValue``     string ``"<name>_OF_MODELVALUE"``, Apalache's spelling of
                   an uninterpreted value (TLC's model values are untyped,
                   so the type is always ``MODELVALUE``)
``tuple``          JSON array (a TLA+ sequence)
``frozenset``      ``{"#set": [...]}``, elements sorted by their TLA+ text
``FnValue``        a JSON object when it is a record (non-empty, string
                   keys), else ``{"#map": [[key, value], ...]}`` sorted
=================  =========================================================

Writing is ours (itf-py's writer knows neither model values nor a stable
set order, and the files are committed, so they must be byte-identical on
regeneration: :mod:`gen.generators.itf`).  Reading is ours too, for speed; the tests check that the
PyPI package ``itf-py`` reads every file we write to the same values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.values import FnValue, ModelValue, TlaValue

__all__ = ["ItfError", "MODEL_VALUE_SUFFIX", "from_itf", "read_itf", "to_itf"]

MODEL_VALUE_SUFFIX = "_OF_MODELVALUE"
_SAFE_INTEGER = 2**53 - 1


class ItfError(ValueError):
    """JSON that is not an ITF trace of values this project knows."""


def to_itf(value: TlaValue) -> Any:
    """The ITF JSON form of a value (deterministic: sets and maps sorted)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -_SAFE_INTEGER <= value <= _SAFE_INTEGER else {"#bigint": str(value)}
    if isinstance(value, str):
        if value.endswith(MODEL_VALUE_SUFFIX):
            raise ItfError(f"the string {value!r} would read back as a model value; ITF cannot tell them apart")
        return value
    if isinstance(value, ModelValue):
        return value.name + MODEL_VALUE_SUFFIX
    if isinstance(value, tuple):
        return [to_itf(item) for item in value]
    if isinstance(value, frozenset):
        return {"#set": sorted((to_itf(item) for item in value), key=_json_key)}
    if isinstance(value, FnValue):
        keys = list(value)
        if keys and all(isinstance(k, str) and not k.startswith("#") for k in keys) and keys != ["tag", "value"]:
            return {k: to_itf(value[k]) for k in sorted(keys)}
        return {"#map": sorted(([to_itf(k), to_itf(value[k])] for k in keys), key=lambda pair: _json_key(pair[0]))}
    raise ItfError(f"{value!r} ({type(value).__name__}) is not a conformance.values value")


def _json_key(data: Any) -> str:
    """Sort key for ITF elements: their JSON text, the same on every run."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def from_itf(data: Any) -> TlaValue:
    """The value an ITF JSON form stands for (inverse of :func:`to_itf`)."""
    if isinstance(data, (bool, int)):
        return data
    if isinstance(data, str):
        if data.endswith(MODEL_VALUE_SUFFIX):
            return ModelValue(data[: -len(MODEL_VALUE_SUFFIX)])
        return data
    if isinstance(data, list):
        return tuple(from_itf(item) for item in data)
    if isinstance(data, dict):
        if "#bigint" in data:
            return int(data["#bigint"])
        if "#set" in data:
            return frozenset(from_itf(item) for item in data["#set"])
        if "#map" in data:
            return FnValue({from_itf(k): from_itf(v) for k, v in data["#map"]})
        if "#tup" in data:
            return tuple(from_itf(item) for item in data["#tup"])
        if "#unserializable" in data:
            raise ItfError(f"an unserializable value {data['#unserializable']!r} has no Python value")
        return FnValue({k: from_itf(v) for k, v in data.items()})
    raise ItfError(f"{data!r} is not an ITF value")


def read_itf(path: str | Path) -> tuple[dict[str, Any], list[tuple[dict[str, Any], dict[str, TlaValue]]]]:
    """The trace's ``#meta`` and its states as ``(state #meta, {variable: value})``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ItfError(f"{path}: no such trace; regenerate with `make gen`") from None
    except json.JSONDecodeError as err:
        raise ItfError(f"{path}: not JSON ({err}); regenerate with `make gen`") from None
    if not isinstance(data, dict) or "vars" not in data or "states" not in data:
        raise ItfError(f"{path}: not an ITF trace (needs `vars` and `states`)")
    variables = data["vars"]
    states = []
    for state in data["states"]:
        states.append((state.get("#meta", {}), {name: from_itf(state[name]) for name in variables}))
    return data.get("#meta", {}), states
