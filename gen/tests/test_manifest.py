"""Manifest validation: every problem names the model and the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gen.bridge.errors import ManifestError, ManifestMissing
from gen.bridge.manifest import DEFAULT_TIMEOUT_SECONDS, CountRange, count_matches, format_count, load_manifest

SPECS = Path(__file__).parent / "data" / "specs"


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "none",
        "summary": "The fixed kernel: no lost data.",
        "spec": "SlotPin.tla",
        "config": "passing.cfg",
        "tier": "fast",
        "mode": "exhaustive",
        "check_deadlock": False,
        "timeout_seconds": 300,
        "extra_args": [],
        "expected": {"result": "success", "distinct_states": 20, "depth": 5},
    }
    for key, value in changes.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def write(tmp_path: Path, models: list[Any] | Any) -> Path:
    # The manifest sits beside the specs so relative paths resolve.
    path = tmp_path / "models.json"
    for name in ("SlotPin.tla", "passing.cfg"):
        (tmp_path / name).write_text((SPECS / name).read_text())
    path.write_text(json.dumps({"models": models} if isinstance(models, list) else models))
    return path


def test_the_test_manifest_is_valid() -> None:
    manifest = load_manifest(SPECS / "models.json")
    assert "slot_pin" in manifest.names()
    sim = next(m for m in manifest.models if m.mode == "simulate")
    assert sim.simulate is not None and sim.simulate.seed == 1


def test_paths_resolve_relative_to_the_manifest(tmp_path: Path) -> None:
    (model,) = load_manifest(write(tmp_path, [entry()])).models
    assert model.spec == (tmp_path / "SlotPin.tla").resolve()
    assert model.check_deadlock is False
    assert model.expected.distinct_states == 20


def test_optional_fields_have_defaults(tmp_path: Path) -> None:
    (model,) = load_manifest(
        write(tmp_path, [entry(check_deadlock=None, timeout_seconds=None, extra_args=None)])
    ).models
    assert model.check_deadlock is True
    assert model.timeout_seconds == DEFAULT_TIMEOUT_SECONDS
    assert model.extra_args == ()
    assert model.workers == 1


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestMissing, match="--manifest"):
        load_manifest(tmp_path / "models.json")


# (fields to change in a good entry, the field the error must name, words it must say)
BAD_ENTRIES: list[tuple[dict[str, Any], str, str]] = [
    ({"summary": None}, "summary", "missing"),
    ({"tier": "slow"}, "tier", "'slow' is not one of: fast, deep, distributed"),
    ({"mode": "bfs"}, "mode", "not one of"),
    ({"spec": "Nope.tla"}, "spec", "no such file"),
    ({"config": "models/nope.cfg"}, "config", "no such file"),
    ({"check_deadlock": "no"}, "check_deadlock", "true or false"),
    ({"timeout_seconds": 0}, "timeout_seconds", "> 0 and <= 86400"),
    # Python's JSON reader takes NaN and Infinity: NaN would time out at once, Infinity crash the watchdog.
    ({"timeout_seconds": float("nan")}, "timeout_seconds", "not nan"),
    ({"timeout_seconds": float("inf")}, "timeout_seconds", "not inf"),
    ({"runtime": {"seconds": float("nan"), "states": 1}}, "runtime.seconds", "number of seconds"),
    ({"extra_args": ["-bogus"]}, "extra_args", "'-bogus' is not a TLC 2.15 switch"),
    ({"extra_args": ["-lncheck"]}, "extra_args", "-lncheck takes a value"),
    ({"extra_args": ["-maxSetSize", "-continue"]}, "extra_args", "-maxSetSize takes a value"),
    ({"extra_args": ["-workers", "2"]}, "extra_args", 'use "workers"'),
    ({"workers": 0}, "workers", "integer >= 1"),
    (
        {"expected": {"result": "success", "distinct_states": {"min": 20}, "depth": 5}},
        "expected.distinct_states",
        "min",
    ),
    (
        {"expected": {"result": "success", "distinct_states": 20, "depth": {"min": 6, "max": 5}}},
        "expected.depth.max",
        "integer >= 6",
    ),
    ({"workers": 2}, "expected.depth", "varies from run to run"),
    ({"extra_args": "-coverage 1"}, "extra_args", "list of strings"),
    ({"extra_args": ["-deadlock"]}, "extra_args", "check_deadlock"),
    ({"extra_args": ["-dump", "dot", "g"]}, "extra_args", "under build/"),
    ({"expected": {"result": "violated"}}, "expected.result", "not one of"),
    ({"expected": {"result": "success", "depth": 5}}, "expected.distinct_states", "exhaustive success"),
    ({"expected": {"result": "success", "distinct_states": 20, "depth": -1}}, "expected.depth", "integer >= 1"),
    ({"expected": {"result": "deadlock", "states": 3}}, "expected.states", "unknown field"),
    ({"simulate": {"depth": 1, "traces": 1, "seed": 1}}, "simulate", "only for mode"),
    ({"mode": "simulate"}, "simulate", "required for mode"),
    ({"mode": "simulate", "simulate": {"depth": 10, "seed": 1}}, "simulate.traces", "missing"),
    ({"mode": "simulate", "simulate": {"depth": 0, "traces": 1, "seed": 1}}, "simulate.depth", ">= 1"),
    ({"cost": "5 s"}, "cost", "unknown field"),
    ({"name": "has space"}, "name", "letters, digits"),
]


@pytest.mark.parametrize(
    ("changes", "field", "words"), BAD_ENTRIES, ids=[f"{field}-{words}" for _, field, words in BAD_ENTRIES]
)
def test_bad_entry_names_model_and_field(tmp_path: Path, changes: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ManifestError) as caught:
        load_manifest(write(tmp_path, [entry(**changes)]))
    error = caught.value
    assert error.field == field
    assert error.model in ("none", "has space")
    assert words in str(error)
    assert f"field {field!r}" in str(error) and "what to do" in str(error)


def test_tlc_switches_with_their_values_are_accepted(tmp_path: Path) -> None:
    args = ["-lncheck", "final", "-continue", "-maxSetSize", "100000"]
    (model,) = load_manifest(write(tmp_path, [entry(extra_args=args)])).models
    assert model.extra_args == tuple(args)


def test_the_schema_rejects_nan_and_infinity_timeouts_too(tmp_path: Path) -> None:
    schema = Path(__file__).parent.parent.parent / "spec" / "models.schema.json"
    checker = Path(sys.executable).parent / "check-jsonschema"
    for value in ("NaN", "Infinity", "300"):
        path = write(tmp_path, [entry(timeout_seconds=12345)])
        path.write_text(path.read_text().replace("12345", value))
        done = subprocess.run(
            [str(checker), "--schemafile", str(schema), str(path)], capture_output=True, text=True, check=False
        )
        assert (done.returncode == 0) == (value == "300"), (value, done.stdout)


def test_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="used twice"):
        load_manifest(write(tmp_path, [entry(), entry()]))


def test_entry_without_a_name_is_named_by_position(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        load_manifest(write(tmp_path, [entry(), entry(name=None)]))
    assert caught.value.model == "#2" and caught.value.field == "name"


@pytest.mark.parametrize("document", ["[]", '{"models": {}}', '{"models": [], "x": 1}', "{not json"])
def test_bad_document(tmp_path: Path, document: str) -> None:
    path = tmp_path / "models.json"
    path.write_text(document)
    with pytest.raises(ManifestError):
        load_manifest(path)


def test_simulation_without_counts_is_fine(tmp_path: Path) -> None:
    sim = entry(mode="simulate", simulate={"depth": 100, "traces": 1000, "seed": 1}, expected={"result": "success"})
    (model,) = load_manifest(write(tmp_path, [sim])).models
    assert model.simulate is not None and model.simulate.traces == 1000


def test_counts_can_be_ranges(tmp_path: Path) -> None:
    expected = {"result": "success", "distinct_states": {"min": 18, "max": 22}, "depth": {"min": 5, "max": 7}}
    (model,) = load_manifest(write(tmp_path, [entry(workers=2, expected=expected)])).models
    assert model.workers == 2
    assert model.expected.distinct_states == CountRange(18, 22) and model.expected.depth == CountRange(5, 7)
    assert format_count(model.expected.distinct_states) == "18..22" and format_count(20) == "20"
    assert [count_matches(n, CountRange(18, 22)) for n in (17, 18, 22, 23, None)] == [False, True, True, False, False]


def test_several_workers_need_a_range_for_the_depth_and_with_a_view_for_the_states(tmp_path: Path) -> None:
    # No VIEW: several workers find the same states (symmetry is a canonical form), so one number is fine.
    exact_states = {"result": "success", "distinct_states": 20, "depth": {"min": 5, "max": 7}}
    (model,) = load_manifest(write(tmp_path, [entry(workers=2, expected=exact_states)])).models
    assert model.expected.distinct_states == 20
    path = write(tmp_path, [entry(workers=2, expected=exact_states)])
    (tmp_path / "passing.cfg").write_text((SPECS / "passing.cfg").read_text() + "\nVIEW vars\n")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert caught.value.field == "expected.distinct_states" and "order of exploration" in str(caught.value)


def test_the_schema_takes_ranges_and_workers(tmp_path: Path) -> None:
    schema = Path(__file__).parent.parent.parent / "spec" / "models.schema.json"
    checker = Path(sys.executable).parent / "check-jsonschema"
    good = {"result": "success", "distinct_states": {"min": 18, "max": 22}, "depth": {"min": 5, "max": 7}}
    for expected, workers, ok in (
        (good, 2, True),
        ({**good, "depth": {"min": 5}}, 2, False),
        ({**good, "depth": {"min": 5, "max": 7, "mid": 6}}, 2, False),
        (good, 0, False),
    ):
        path = write(tmp_path, [entry(workers=workers, expected=expected)])
        done = subprocess.run(
            [str(checker), "--schemafile", str(schema), str(path)], capture_output=True, text=True, check=False
        )
        assert (done.returncode == 0) == ok, (expected, workers, done.stdout)
