"""The pull-request workflow (.github/workflows/spec.yml) is valid and does its job.

Validity is checked with check-jsonschema's vendored GitHub-workflow schema
(offline).  The rest pins down what reviewers rely on: which pushes trigger
it, what it runs and in which order, the time limit, and that it only calls
make targets and scripts that exist.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML  # check-jsonschema's own YAML reader

from gen.review.report import TRACES_DIR

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "spec.yml"


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _load() -> dict[str, Any]:
    workflow: dict[str, Any] = YAML(typ="safe").load(WORKFLOW.read_text())
    return workflow


def _steps() -> list[dict[str, Any]]:
    (job,) = _load()["jobs"].values()
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def _run_lines() -> list[str]:
    """Every line the workflow runs, with `bash .ci/run` (the script it shares with CI) read in its place."""
    lines = []
    for step in _steps():
        for line in step.get("run", "").splitlines():
            if line.strip() == "bash .ci/run":
                lines += [inner.strip() for inner in (ROOT / ".ci" / "run").read_text().splitlines()]
            lines.append(line.strip())
    return lines


def test_workflow_matches_github_schema() -> None:
    result = _validate(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    # Proves the check above can fail: a job without `runs-on` is invalid.
    broken = tmp_path / "spec.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:"))
    result = _validate(broken)
    assert result.returncode != 0
    assert "runs-on" in result.stdout + result.stderr


def test_runs_on_pull_requests_touching_spec_gen_or_conformance() -> None:
    # ruamel's safe loader reads the bare key `on` as the string "on" (YAML 1.2).
    paths = _load()["on"]["pull_request"]["paths"]
    for folder in ("spec/**", "gen/**", "conformance/**"):
        assert folder in paths


def test_has_a_time_limit_within_ci_budget() -> None:
    (job,) = _load()["jobs"].values()
    assert 0 < job["timeout-minutes"] <= 90


def test_runs_check_test_staleness_and_review_in_that_order() -> None:
    lines = _run_lines()

    def first(pattern: str) -> int:
        for number, line in enumerate(lines):
            if re.search(pattern, line):
                return number
        pytest.fail(f"no step runs {pattern!r}")

    order = [
        first(r"^make check\b"),
        first(r"^make test\b"),
        first(r"^make gen\b"),
        first(r"git diff --exit-code"),
        first(r'^make review BASE="origin/\$\{\{ github\.base_ref \}\}"'),
    ]
    assert order == sorted(order)


def test_report_goes_to_job_summary_even_when_a_step_failed() -> None:
    (step,) = [s for s in _steps() if "GITHUB_STEP_SUMMARY" in s.get("run", "")]
    assert "always()" in step["if"]
    assert "make report" in step["run"]


def test_counterexamples_uploaded_on_failure() -> None:
    (step,) = [s for s in _steps() if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert "failure()" in step["if"]
    paths = step["with"]["path"].split()
    assert "build/check.json" in paths
    # Where `make report` saves each counterexample as ITF.
    assert f"{TRACES_DIR.relative_to(ROOT)}/" in paths


def test_review_can_see_the_target_branch() -> None:
    (checkout,) = [s for s in _steps() if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0


def test_calls_only_make_targets_and_scripts_that_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    for line in _run_lines():
        for target in re.findall(r"^make ([a-z][a-z-]*)", line):
            assert target in targets, f"the workflow runs `make {target}` but the Makefile has no such target"
        for script in re.findall(r"^bash (\S+)", line):
            assert (ROOT / script).is_file(), f"the workflow runs {script}, which does not exist"
