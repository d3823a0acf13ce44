"""`make mutants`' tables: 80 columns, a legend for the mutants, nothing lost; the per-module kills."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gen.bridge.paths import REPO_ROOT as REPO
from gen.generators.mutants import (
    CONFIGURATIONS,
    MUTANTS,
    Mutant,
    Row,
    _junit_counts,
    apply_mutant,
    format_module_table,
    format_table,
    run_suite,
)

LONG_TEST = "test_itf_traces.py::test_itf_walk[itf_skip_if_exists_2slots-6]"


def test_table_fits_80_columns_and_keeps_every_name_and_test() -> None:
    rows = [Row("config", name, 1, "test_conf_lru_remove.py::test_walk_05") for name, _ in CONFIGURATIONS]
    rows += [Row("mutant", mutant.name, 1, LONG_TEST) for mutant in MUTANTS]
    rows.append(Row("mutant", MUTANTS[0].name, 0, ""))
    table = format_table(rows)
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].split() == ["breakage", "caught", "first", "failing", "test"]
    # The long test id continues on the next line, cut after `::`.
    first_mutant = next(i for i, line in enumerate(lines) if line.startswith(MUTANTS[0].name + " "))
    assert lines[first_mutant].endswith(" yes    test_itf_traces.py::")
    assert lines[first_mutant + 1].strip() == "test_itf_walk[itf_skip_if_exists_2slots-6]"
    assert lines[len(rows) + len(MUTANTS)].split() == [MUTANTS[0].name, "NO"]  # a survivor: no failing test
    # The legend says what every mutant breaks, in full.
    legend = " ".join(" ".join(lines[lines.index("mutants (source patches of conformance/):") + 1 :]).split())
    for mutant in MUTANTS:
        assert f"{mutant.name}: {' '.join(mutant.what.split())}" in legend


def test_a_test_id_longer_than_its_column_is_cut_by_width() -> None:
    row = Row("mutant", MUTANTS[0].name, 1, "test_x.py::" + "a" * 100)
    lines = format_table([row]).splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "".join(line.strip() for line in lines[1:4]).endswith("a" * 100)


def test_junit_report_gives_counts_first_failure_and_failing_modules(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="conformance.generated.test_conf_none" name="test_walk_001"/>'
        '<testcase classname="conformance.generated.test_conf_none" name="test_walk_002"><failure/></testcase>'
        '<testcase classname="conformance.generated.test_conf_rotate" name="test_walk_009"><error/></testcase>'
        '<testcase classname="conformance.generated.test_conf_rotate" name="test_walk_010"><skipped/></testcase>'
        "</testsuite></testsuites>"
    )
    run = _junit_counts(report)
    assert (run.failed, run.passed) == (2, 1)
    assert run.first_failing_test == "test_conf_none.py::test_walk_002"
    assert run.failing_modules == {"test_conf_none.py", "test_conf_rotate.py"}


def test_module_table_counts_kills_and_sole_kills() -> None:
    kills = {
        "putback_at_head": frozenset({"test_conf_putback_head_2slots.py"}),
        "variant none": frozenset({"test_conf_none.py", "test_conf_putback_head_2slots.py"}),
        "survivor": frozenset(),
    }
    table = format_module_table(kills, ["test_conf_none.py", "test_conf_putback_head_2slots.py"]).splitlines()
    assert table[1].split() == ["test_conf_none.py", "1", "0"]
    assert table[2].split() == ["test_conf_putback_head_2slots.py", "2", "1", "putback_at_head"]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_every_mutant_still_applies_to_the_implementation(mutant: Mutant) -> None:
    """A mutant whose text the implementation no longer has would stop `make mutants` half way."""
    text = (REPO / "conformance" / mutant.file).read_text()
    assert text.count(mutant.old) == 1, f"{mutant.name}: update its text in gen/generators/mutants.py"


def test_junit_failures_that_say_the_code_is_invalid_mark_the_breakage_broken(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="conformance.generated.test_conf_none" name="test_walk_001">'
        '<failure message="AssertionError: enabled() differs"/></testcase>'
        '<testcase classname="conformance.generated.test_conf_none" name="test_walk_002">'
        "<failure message=\"NameError: name 'entry' is not defined\"/></testcase>"
        "</testsuite></testsuites>"
    )
    run = _junit_counts(report)
    assert run.failed == 2 and run.broken == "test_walk_002: NameError: name 'entry' is not defined"
    row = Row("mutant", MUTANTS[0].name, run.failed, run.first_failing_test, run.broken)
    assert row.verdict == "BROKEN"
    assert format_table([row]).splitlines()[1].split()[:2] == [MUTANTS[0].name, "BROKEN"]


def test_a_mutant_that_does_not_compile_is_broken_not_caught(tmp_path: Path) -> None:
    """The real run: pytest's collection error under a mutant with a syntax error is no kill."""
    bad = Mutant(MUTANTS[0].name, MUTANTS[0].file, MUTANTS[0].old, MUTANTS[0].old + "\n    (((", "does not compile")
    shutil.copytree(REPO / "conformance", tmp_path / "conformance", ignore=shutil.ignore_patterns("__pycache__"))
    apply_mutant(bad, tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)]), PYTHONDONTWRITEBYTECODE="1")
    run = run_suite(tmp_path / "conformance" / "generated", env)
    assert run.failed and run.broken, run
