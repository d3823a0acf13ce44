"""`make mutants`' table: 80 columns, a legend for the mutants, nothing lost."""

from __future__ import annotations

from gen.generators.mutants import CONFIGURATIONS, MUTANTS, Row, format_table

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
