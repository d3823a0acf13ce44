"""The report from a real TLC run of the seed's model (spec/models/none.cfg)."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gen.bridge.manifest import Model, load_manifest
from gen.bridge.tlc import REPO_ROOT
from gen.generators.itf import read_itf
from gen.review.mermaid import unescape
from gen.review.report import (
    Counterexample,
    ReportError,
    Unreproduced,
    counterexample_section,
    main,
    rerun_counterexample,
)

pytestmark = [pytest.mark.tlc]


def test_seed_model_report_section(tmp_path: Path, manifest_entry: Callable[..., Model]) -> None:
    model = manifest_entry(REPO_ROOT / "spec" / "MCZswap.tla", REPO_ROOT / "spec" / "models" / "none.cfg")
    example = rerun_counterexample(model, tmp_path)
    assert isinstance(example, Counterexample) and example.verdict == "invariant:NoSelfWait"
    section = counterexample_section(example)
    # The thread's scenario, step by step, by one task on one slot.
    labelled = [
        unescape(line.strip())
        for line in section.splitlines()
        if line.startswith(("    a_t1->>", "    Note right of a_t1"))
    ]
    assert labelled == [
        "Note right of a_t1: 2 · StartFault s1",
        "a_t1->>shared: 3 · SwapcachePrepare s1",
        "Note right of a_t1: 4 · ChargeReclaim s1",
        "a_t1->>shared: 5 · LruIsolate s1",
    ]
    assert "Note over a_t1: pins s1" in section
    assert "**Final state:** NoSelfWait violated; t1 waits on the pin it holds (s1)." in section
    # The trace is kept for the CI artifact, readable as ITF.
    _, states = read_itf(tmp_path / "none.itf.json")
    assert len(states) == len(example.trace.states)


def test_a_counterexample_that_does_not_come_back_is_said_in_the_report_and_fails(tmp_path: Path) -> None:
    # check.json says slot_pin (the passing model) violated OnePinHolder: TLC will not find it again.
    specs = Path(__file__).parent / "data" / "specs"
    row = {
        "model": "slot_pin", "expected": "success", "actual": "invariant:OnePinHolder", "matches": False,
        "distinct_states": None, "depth": None, "seconds": 1.0, "tier": "fast", "why": "x",
    }  # fmt: skip
    results = tmp_path / "check.json"
    results.write_text(json.dumps([row]))
    output = tmp_path / "report.md"
    args = argparse.Namespace(
        results=results, manifest=specs / "models.json", output=output, traces=tmp_path / "traces", png=[]
    )
    with pytest.raises(ReportError, match=r"1 counterexample\(s\) of .* not reproduced: slot_pin \(now success\)"):
        main(args, stdout=io.StringIO(), stderr=io.StringIO())
    text = output.read_text()
    assert "## Counterexamples not reproduced" in text
    assert "- **slot_pin**: check.json says `invariant:OnePinHolder`; TLC now says `success`" in text
    model = next(m for m in load_manifest(specs / "models.json").models if m.name == "broken")
    missing = rerun_counterexample(model, tmp_path / "traces", recorded="deadlock")
    assert isinstance(missing, Unreproduced) and missing.verdict == "error:parse" and "parse error" in missing.detail
