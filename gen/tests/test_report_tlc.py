"""The report from a real TLC run of the seed's model (spec/models/none.cfg)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gen.bridge.manifest import Model
from gen.bridge.tlc import REPO_ROOT
from gen.generators.itf import read_itf
from gen.review.report import counterexample_section, rerun_counterexample

pytestmark = [pytest.mark.tlc]


def test_seed_model_report_section(tmp_path: Path, manifest_entry: Callable[..., Model]) -> None:
    model = manifest_entry(REPO_ROOT / "spec" / "MCZswap.tla", REPO_ROOT / "spec" / "models" / "none.cfg")
    example = rerun_counterexample(model, tmp_path)
    assert example is not None and example.verdict == "invariant:NoSelfWait"
    section = counterexample_section(example)
    # The thread's scenario, step by step, by one task on one slot.
    arrows = [line.strip() for line in section.splitlines() if line.startswith("    a_t1->>")]
    assert arrows == [
        "a_t1->>a_t1: StartFault s1",
        "a_t1->>shared: SwapcachePrepare s1",
        "a_t1->>a_t1: ChargeReclaim s1",
        "a_t1->>shared: LruIsolate s1",
    ]
    assert "Note over a_t1: pins s1" in section
    assert "**Final state:** NoSelfWait violated; t1 waits on the pin it holds (s1)." in section
    # The trace is kept for the CI artifact, readable as ITF.
    _, states = read_itf(tmp_path / "none.itf.json")
    assert len(states) == len(example.trace.states)
