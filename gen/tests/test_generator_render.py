"""The generator's output: golden files from a recorded TLC graph, then imported and run; safe rendering."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.replay import ReplayMismatch, system_for
from conformance.values import FnValue, ModelValue
from gen.generators.generate import canonical_graph, cover_of, render_walk_modules
from gen.generators.render import environment, py_literal

DATA = Path(__file__).parent / "data" / "generator"
PACKAGE = "golden_pkg"


def rendered_golden(folder: Path) -> dict[Path, str]:
    graph = canonical_graph("golden", DATA / "golden.cfg", DATA / "golden.dot")
    lines = json.loads((DATA / "golden_lines.json").read_text())
    return render_walk_modules(graph, cover_of(graph), lines=lines, package=PACKAGE, folder=folder)


def test_rendered_modules_equal_the_recorded_ones(tmp_path: Path) -> None:
    for path, text in rendered_golden(tmp_path / PACKAGE).items():
        recorded = DATA / f"{path.stem}.py.txt"
        if os.environ.get("UPDATE_GOLDEN"):
            recorded.write_text(text)
        assert text == recorded.read_text(), f"{path.name} differs from {recorded}; UPDATE_GOLDEN=1 to re-record"


def test_rendering_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    assert rendered_golden(tmp_path) == rendered_golden(tmp_path)


@pytest.fixture()
def golden_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    for path, text in rendered_golden(package).items():
        path.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith(PACKAGE)]:
        monkeypatch.delitem(sys.modules, name)
    return importlib.import_module(f"{PACKAGE}.test_golden")


def walks(module: ModuleType) -> list[Callable[..., None]]:
    return [getattr(module, name) for name in sorted(dir(module)) if name.startswith("test_walk_")]


def test_the_rendered_tests_pass_against_the_implementation(golden_tests: ModuleType) -> None:
    assert len(walks(golden_tests)) >= 2
    for walk in walks(golden_tests):
        walk(system_for)


def test_the_rendered_tests_fail_readably_against_a_wrong_config(golden_tests: ModuleType) -> None:
    wrong_system = functools.partial(system_for, override={"variant": "swap_table"})
    failures = []
    for walk in walks(golden_tests):
        try:
            walk(wrong_system)
        except ReplayMismatch as mismatch:
            failures.append(str(mismatch))
    assert failures, "no walk noticed the wrong variant"
    # swap_table inserts the folio with the pin: the diff names the variable and the key.
    assert any("swap_cache[s1]: TLC NoFolio, implementation [" in text for text in failures), failures[0]
    assert all("trace so far:" in text for text in failures)


# ---- safe rendering of arbitrary values

names = st.sampled_from(["t1", "s2", "NoEntry", "v_3", "class", "FnValue", "a b", "x'y", 'q"', "é", ""])
scalars = st.one_of(st.integers(-(2**70), 2**70), st.booleans(), st.text(), names.map(ModelValue))
# Booleans and integers collide in Python sets and dict keys (True == 1): keep them apart, as TLC does.
keys = st.one_of(st.integers(), st.text(), names.map(ModelValue))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(tuple),
        st.frozensets(st.one_of(keys, st.lists(keys, max_size=2).map(tuple)), max_size=4),
        st.dictionaries(keys, inner, max_size=4).map(FnValue),
        st.dictionaries(st.text(), inner, min_size=1, max_size=4).map(FnValue),
    ),
    max_leaves=12,
)


def import_source(text: str) -> ModuleType:
    # A temporary folder per example, removed once the module is loaded:
    # Hypothesis runs this hundreds of times and must leave nothing in /tmp.
    with tempfile.TemporaryDirectory(prefix="render-") as folder:
        path = Path(folder) / f"m_{uuid.uuid4().hex}.py"
        path.write_text(text, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


TEMPLATE = '''\
"""{{ doc | docstring }}"""
from conformance.values import FnValue, ModelValue
{% for name in names %}
{{ name }} = ModelValue({{ name | pystr }})
{% endfor %}
VALUE = {{ value | py(names) }}  # {{ doc | comment }}
TEXT = {{ doc | pystr }}
'''


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=values, doc=st.text())
def test_any_value_and_text_render_to_an_importable_module(value: object, doc: str) -> None:
    bare = ["t1", "s2", "NoEntry", "v_3"]
    module = import_source(environment().from_string(TEMPLATE).render(value=value, doc=doc, names=bare))
    assert module.VALUE == value
    assert module.TEXT == doc
    assert module.__doc__ == doc


def test_py_literal_is_sorted_and_names_only_declared_model_values() -> None:
    value = frozenset({ModelValue("t2"), ModelValue("t1"), ModelValue("a b")})
    assert py_literal(value, ["t1"]) == "frozenset({ModelValue('a b'), ModelValue('t2'), t1})"
    assert py_literal(FnValue({"b": 1, "a": (True,)})) == "FnValue({'a': (True,), 'b': 1})"
