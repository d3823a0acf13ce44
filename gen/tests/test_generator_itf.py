"""ITF traces: our writer round-trips every value, and the PyPI reader itf-py reads what we write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import itf_py
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.values import FnValue, ModelValue, TlaValue
from gen.generators.itf import ItfError, from_itf, read_itf, to_itf, trace_json, write_itf

names = st.sampled_from(["t1", "s1", "NoEntry", "v2"]).map(ModelValue)
keys = st.one_of(st.integers(-(2**60), 2**60), st.text(max_size=5), names)
values = st.recursive(
    st.one_of(st.integers(-(2**60), 2**60), st.booleans(), st.text(max_size=8), names),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(tuple),
        st.frozensets(keys, max_size=3),
        st.dictionaries(keys, inner, max_size=3).map(FnValue),
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_every_value_round_trips(value: Any) -> None:
    assert from_itf(json.loads(json.dumps(to_itf(value)))) == value


def from_itf_py(value: Any) -> Any:
    """itf-py's Python values (namedtuples, ImmutableDict, ...) as conformance.values, for comparison."""
    if isinstance(value, str) and value.endswith("_OF_MODELVALUE"):
        return ModelValue(value[: -len("_OF_MODELVALUE")])
    if isinstance(value, list):
        return tuple(from_itf_py(v) for v in value)
    if isinstance(value, frozenset):
        return frozenset(from_itf_py(v) for v in value)
    if isinstance(value, dict):
        return FnValue({from_itf_py(k): from_itf_py(v) for k, v in value.items()})
    as_dict = getattr(value, "_asdict", None)  # itf-py reads a record as a namedtuple
    if isinstance(value, tuple) and callable(as_dict):
        return FnValue({k: from_itf_py(v) for k, v in as_dict().items()})
    return value


def test_itf_py_reads_what_we_write(tmp_path: Path) -> None:
    states: list[dict[str, TlaValue]] = [
        {"lru": (), "tree": FnValue({ModelValue("s1"): ModelValue("NoEntry")}), "pins": frozenset({1, 2})},
        {
            "lru": (FnValue({"slot": ModelValue("s1"), "data": ModelValue("v1")}),),
            "tree": FnValue({ModelValue("s1"): FnValue({"slot": ModelValue("s1"), "data": ModelValue("v1")})}),
            "pins": frozenset(),
        },
    ]
    path = tmp_path / "t.itf.json"
    write_itf(path, trace_json(("lru", "pins", "tree"), states, [{"walk": 0}, {"walk": 0}], {"source": "x"}))
    trace = itf_py.trace_from_json(json.loads(path.read_text()))
    assert trace.vars == ["lru", "pins", "tree"]
    assert [{k: from_itf_py(v) for k, v in s.values.items()} for s in trace.states] == states
    _meta, ours = read_itf(path)
    assert [values for _, values in ours] == states


def test_written_bytes_do_not_depend_on_set_order(tmp_path: Path) -> None:
    a, b = tmp_path / "a.itf.json", tmp_path / "b.itf.json"
    state1 = {"x": frozenset({ModelValue(f"s{i}") for i in range(9)})}
    state2 = {"x": frozenset(sorted(state1["x"], reverse=True))}
    write_itf(a, trace_json(("x",), [state1], [{}], {}))
    write_itf(b, trace_json(("x",), [state2], [{}], {}))
    assert a.read_bytes() == b.read_bytes()


def test_a_string_that_looks_like_a_model_value_is_refused() -> None:
    with pytest.raises(ItfError, match="model value"):
        to_itf("t1_OF_MODELVALUE")


def test_bad_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ItfError, match="make gen"):
        read_itf(tmp_path / "missing.itf.json")
    (tmp_path / "bad.itf.json").write_text("{")
    with pytest.raises(ItfError, match="not JSON"):
        read_itf(tmp_path / "bad.itf.json")
    with pytest.raises(ItfError, match=r"\*\.itf\.json"):
        write_itf(tmp_path / "x.json", {"vars": [], "states": []})
