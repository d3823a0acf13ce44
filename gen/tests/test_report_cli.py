"""`python -m gen report` and `python -m gen diff` at the terminal: errors say what to do next."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gen.bridge.tlc import REPO_ROOT
from gen.generators.dot import StateGraph
from gen.review.behaviours import first_differences
from gen.review.diff import ModelDiff, Version, render_text, witness_steps
from gen.tests.test_diff_behaviours import graph


def version(g: StateGraph, verdict: str) -> Version:
    return Version(verdict, len(g.states), len(g.edges), frozenset(e.action for e in g.edges), g, (), 1.0)


def gen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gen", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )


def test_report_without_check_results(tmp_path: Path) -> None:
    result = gen("report", "--results", str(tmp_path / "check.json"), "--output", str(tmp_path / "report.md"))
    assert result.returncode == 2
    assert "check.json not found" in result.stderr
    assert "what to do: run `make check` first" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "report.md").exists()


def test_diff_against_an_unknown_revision(tmp_path: Path) -> None:
    result = gen("diff", "no-such-revision-xyz", "--output", str(tmp_path / "review.md"))
    assert result.returncode == 2
    assert "git does not know the revision 'no-such-revision-xyz'" in result.stderr
    assert "what to do:" in result.stderr and "Traceback" not in result.stderr


def test_diff_bound_must_be_positive() -> None:
    result = gen("diff", "HEAD", "--bound", "0")
    assert result.returncode == 2
    assert "--bound 0 is not a number of steps" in result.stderr


def test_diff_text_fits_80_columns_and_colours_only_when_asked() -> None:
    chain = [(n, f"Step{n}", n + 1) for n in range(12)]
    base, head = graph(chain), graph([*chain, (12, "WbSkipBusy", 13)])
    added, removed = first_differences(head, base, bound=100), first_differences(base, head, bound=100)
    model = ModelDiff(
        "tiny", version(base, "invariant:NoSelfWait"), version(head, "success"), added, removed,
        added_words=tuple(tuple(witness_steps(version(head, ""), d)) for d in added.differences),
        removed_words=tuple(tuple(witness_steps(version(base, ""), d)) for d in removed.differences),
    )  # fmt: skip
    plain = render_text([model], "origin/main (0123456789ab)", 100)
    assert "\x1b[" not in plain
    assert all(len(line) <= 80 for line in plain.splitlines()), plain
    assert "  outcome  invariant:NoSelfWait → success" in plain
    assert "WbSkipBusy" in plain and "no step enabled" in plain
    assert "\x1b[32m" in render_text([model], "base", 100, colour_on=True)


def test_a_witness_says_how_many_other_sequences_end_the_same_way() -> None:
    # Two 2-step sequences (A·X and B·X) only the head allows; the witness shows one, whole, and counts both.
    base = graph([(0, "A", 1), (0, "B", 2)])
    head = graph([(0, "A", 1), (0, "B", 2), (1, "X", 3), (2, "X", 4)])
    added, removed = first_differences(head, base, bound=10), first_differences(base, head, bound=10)
    (difference,) = added.differences
    assert difference.others == 1 and len(difference.steps) == 2
    model = ModelDiff(
        "tiny", version(base, "success"), version(head, "success"), added, removed,
        added_words=(("A", "X"),), removed_words=(),
    )  # fmt: skip
    text = render_text([model], "base", 10)
    assert "    + A → X (1 shown of at least 2 sequences of 2 steps ending this way)" in text
    assert "more of" not in text
    single = graph([(0, "A", 1), (1, "X", 2)])
    alone = first_differences(single, graph([(0, "A", 1)]), bound=10)
    lonely = ModelDiff(
        "one", version(graph([(0, "A", 1)]), "success"), version(single, "success"), alone,
        first_differences(graph([(0, "A", 1)]), single, bound=10), added_words=(("A", "X"),), removed_words=(),
    )  # fmt: skip
    assert "    + A → X\n" in render_text([lonely], "base", 10)
