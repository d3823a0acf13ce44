"""Trace validation (gen/generators/trace_validate.py): random schedules of the C against TLC's graph.

On 6.12 as released a seeded run finds nothing and covers the whole graph;
on a harness without the xa_cmpxchg() re-check, or with a mutant of
shrink_memcg_cb, it finds the mismatch, and the schedule it prints replays
to the same mismatch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.steps import parse_steps
from gen.generators.trace_validate import Graph, TraceValidationError, load_graph, replay, validate

PATCHES = Path(__file__).resolve().parents[2] / "conformance" / "kernel" / "patches"


@pytest.fixture(scope="module")
def conf_rotate() -> Graph:
    return load_graph("conf_rotate")  # TLC, ~5 s


def _patched(patch: Path) -> Path:
    from conformance.kernel.build import BuildError, build
    from conformance.kernel.extract import ExtractError

    try:
        return build([patch])
    except (BuildError, ExtractError) as err:
        pytest.skip(f"kernel harness not available: {err}")


@pytest.mark.tlc
def test_612_as_released_follows_the_graph(conf_rotate: Graph, kernel_harness: Path) -> None:
    result = validate(conf_rotate, kernel_harness, steps=20_000, seed=1)
    assert result.mismatch is None, result.mismatch.report()
    assert result.steps == 20_000
    assert len(result.edges) == conf_rotate.edge_count, result.summary(conf_rotate)


@pytest.mark.tlc
def test_without_the_recheck_a_schedule_reaches_the_freed_entry(conf_rotate: Graph, kernel_harness: Path) -> None:
    exe = _patched(PATCHES / "04fc7816089c-no-recheck.patch")
    result = validate(conf_rotate, exe, steps=20_000, seed=1)
    assert result.mismatch is not None, "trace validation did not tell the re-check-less C from the spec"
    report = result.mismatch.report()
    assert "heap-use-after-free" in report, report
    again = replay(conf_rotate, exe, result.mismatch.schedule)
    assert again.mismatch is not None and again.mismatch.step == result.mismatch.step
    assert len(again.mismatch.schedule) == len(result.mismatch.schedule)


@pytest.mark.tlc
def test_a_mutant_that_ignores_the_referenced_bit_lands_elsewhere(conf_rotate: Graph, kernel_harness: Path) -> None:
    from conformance.kernel.build import BUILD
    from conformance.kernel.mutants import MUTANTS, write_patch

    (name, path, edits, _) = next(m for m in MUTANTS if m[0] == "no_second_chance")
    exe = _patched(write_patch(BUILD / "src" / "linux-source-6.12", name, path, edits))
    result = validate(conf_rotate, exe, steps=20_000, seed=1)
    assert result.mismatch is not None
    report = result.mismatch.report()
    assert "observe() differs from TLC state" in report and "zswap_referenced" in report, report
    assert "--replay 'SwapOut(s=s1" in report


@pytest.mark.tlc
def test_a_schedule_the_spec_does_not_allow_is_refused(conf_rotate: Graph, kernel_harness: Path) -> None:
    with pytest.raises(TraceValidationError, match="no such edge from state 0"):
        replay(conf_rotate, kernel_harness, parse_steps("ShrinkDone(k1)"))
