"""Golden tests of the two templates the walk goldens do not cover: the counterexample module and the ITF test.

As in test_generator_render.py: render from recorded inputs (two counterexample traces TLC
found, kept as ITF values in data/generator/counterexamples_traces.json; a committed ITF
trace), assert the text equals the recorded one (UPDATE_GOLDEN=1 re-records), then run
the rendered tests against the implementation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conformance.config import Config
from conformance.itf import from_itf
from conformance.replay import step_from_json
from gen.bridge import paths
from gen.generators.counterexamples import COUNTEREXAMPLES, FoundTrace, render_counterexamples
from gen.generators.generate import render_itf_test

DATA = Path(__file__).parent / "data" / "generator"
REPO = Path(__file__).resolve().parents[2]


def _config(fields: dict[str, Any]) -> Config:
    """A Config from its JSON form (lists for the tuples and the bug set)."""
    values: dict[str, Any] = {
        k: frozenset(v) if k == "bugs" else tuple(v) if isinstance(v, list) else v for k, v in fields.items()
    }
    return Config(**values)


def rendered_counterexamples() -> str:
    examples = {example.model: example for example in COUNTEREXAMPLES}
    found = [
        FoundTrace(
            examples[trace["model"]],
            _config(trace["config"]),
            tuple(trace["variables"]),
            [{name: from_itf(value) for name, value in state.items()} for state in trace["states"]],
            [step_from_json(step) for step in trace["steps"]],
            trace["verdict"],
        )
        for trace in json.loads((DATA / "counterexamples_traces.json").read_text())
    ]
    return render_counterexamples(found)


def rendered_itf_test() -> str:
    (text,) = render_itf_test({"itf_lru_remove_2slots": 3}).values()
    return text


def _equals_recorded(text: str, name: str) -> None:
    recorded = DATA / name
    if os.environ.get("UPDATE_GOLDEN"):
        recorded.write_text(text)
    assert text == recorded.read_text(), f"the rendered module differs from {recorded}; UPDATE_GOLDEN=1 to re-record"


def _run_pytest(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(REPO / "pyproject.toml"),
            "--rootdir",
            str(folder),
            str(folder),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=600,
    )


def test_the_counterexample_module_equals_the_recorded_one() -> None:
    _equals_recorded(rendered_counterexamples(), "counterexamples_golden.py.txt")


def test_the_itf_test_equals_the_recorded_one() -> None:
    _equals_recorded(rendered_itf_test(), "itf_golden.py.txt")


def test_the_rendered_counterexample_tests_pass(tmp_path: Path) -> None:
    (tmp_path / "test_cex_golden.py").write_text(rendered_counterexamples())
    done = _run_pytest(tmp_path)
    # none: the bad state and its three fixes; bug_04fc7816089c: the bad state and its fix.
    assert done.returncode == 0 and "6 passed" in done.stdout, done.stdout + done.stderr


def test_the_rendered_itf_test_passes(tmp_path: Path) -> None:
    (tmp_path / "itf").mkdir()
    shutil.copy(paths.GENERATED / "itf" / "itf_lru_remove_2slots.itf.json", tmp_path / "itf")
    (tmp_path / "test_itf_golden.py").write_text(rendered_itf_test())
    done = _run_pytest(tmp_path)
    assert done.returncode == 0 and "3 passed" in done.stdout, done.stdout + done.stderr
