"""make check's speed settings: liveness checked once at the end, heaps that fit N JVMs, the JIT's first tier for
small models, side-by-side runs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gen.bridge.checking import CheckResult, jit_options, liveness_switches, run_models, run_options
from gen.bridge.manifest import Runtime, load_manifest
from gen.bridge.tlc import MAX_HEAP_MB, MIN_HEAP_MB, QUICK_RUN_JVM_OPTIONS, QUICK_RUN_STATES, heap_options
from gen.check import record_runtime

MANIFEST = Path(__file__).parent / "data" / "specs" / "models.json"
PROJECT = load_manifest()


def test_liveness_models_check_once_at_the_end_and_safety_models_unchanged() -> None:
    models = {m.name: m for m in PROJECT.models}
    assert liveness_switches(models["none_liveness"]) == ("-lncheck", "final")
    assert run_options(models["none_liveness"]).extra_args[-2:] == ("-lncheck", "final")
    assert liveness_switches(models["none_abba"]) == ()  # invariants only


def test_small_models_take_the_first_jit_tier_only_and_big_or_unmeasured_ones_the_default() -> None:
    model = PROJECT.models[0]
    small = replace(model, runtime=Runtime(seconds=60.0, states=QUICK_RUN_STATES - 1))
    big = replace(model, runtime=Runtime(seconds=1.0, states=QUICK_RUN_STATES))
    assert jit_options(small) == QUICK_RUN_JVM_OPTIONS
    assert set(QUICK_RUN_JVM_OPTIONS) <= set(run_options(small, jobs=2).jvm_options)
    assert jit_options(big) == jit_options(replace(model, runtime=None)) == ()
    assert not set(QUICK_RUN_JVM_OPTIONS) & set(run_options(big, jobs=2).jvm_options)


def test_heaps_share_the_memory_out_within_bounds() -> None:
    for jobs in (1, 2, 64, 10_000):
        (option,) = heap_options(jobs)
        assert option.startswith("-Xmx") and option.endswith("m")
        assert MIN_HEAP_MB <= int(option[4:-1]) <= MAX_HEAP_MB
    assert int(heap_options(10_000)[0][4:-1]) == MIN_HEAP_MB
    assert run_options(PROJECT.models[0], jobs=2).jvm_options[-1].startswith("-Xmx")


@pytest.mark.tlc
@pytest.mark.usefixtures("private_scratch")
def test_side_by_side_results_come_back_in_manifest_order_with_exact_counts() -> None:
    models = [m for m in load_manifest(MANIFEST).models if m.tier == "fast"]
    finished: list[str] = []
    results = run_models(models, jobs=2, on_done=lambda result, n: finished.append(result.model))
    assert [r.model for r in results] == [m.name for m in models]
    assert sorted(finished) == sorted(m.name for m in models)
    assert all(r.matches for r in results), [r.why for r in results if not r.matches]


def test_record_runtime_writes_what_tlc_measured_now_and_leaves_cached_and_shared_rows(tmp_path: Path) -> None:
    manifest = tmp_path / "models.json"
    entries = [
        {"name": name, "runtime": {"seconds": 99.0, "states": 1}} for name in ("ran", "cached", "shared", "absent")
    ]
    manifest.write_text(json.dumps({"models": entries}, indent=2) + "\n")

    def result(name: str, **changes: Any) -> CheckResult:
        row = CheckResult(name, "success", "success", True, 1234, 7, 3.14159, "fast", "")
        return replace(row, **changes)

    changed = record_runtime(
        manifest, [result("ran"), result("cached", cached=True), result("shared", checked_by="ran", seconds=0.0)]
    )
    runtimes = {e["name"]: e["runtime"] for e in json.loads(manifest.read_text())["models"]}
    assert changed == 1
    assert runtimes["ran"] == {"seconds": 3.1, "states": 1234}
    assert runtimes["cached"] == runtimes["shared"] == runtimes["absent"] == {"seconds": 99.0, "states": 1}
