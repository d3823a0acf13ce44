"""`python -m gen check`: comparison, the table, build/check.json, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from gen.bridge.checking import CheckResult, _Cores, compare, format_table, merged_rows, run_options
from gen.bridge.files import write_json_atomically
from gen.bridge.manifest import CountRange, Model, load_manifest
from gen.bridge.tlc import TlcRun
from gen.bridge.tool_output import parse_tool_output

HERE = Path(__file__).parent
SPECS = HERE / "data" / "specs"
GOLDEN = HERE / "data" / "tool_output"
TEST_MANIFEST = SPECS / "models.json"
# The `gen_cli` fixture (conftest.py): `python -m gen ARGS...` with a private TLC scratch folder.
GenCli = Callable[..., subprocess.CompletedProcess[str]]


def recorded_run(name: str, exit_code: int) -> TlcRun:
    """A TlcRun made of a recorded real TLC output (no TLC needed)."""
    output = parse_tool_output((GOLDEN / f"{name}.out").read_text(), exit_code)
    return TlcRun(("java",), output, 1.25, Path("/nonexistent"), False, 0, "")


def model(name: str) -> Model:
    return next(m for m in load_manifest(TEST_MANIFEST).models if m.name == name)


def test_expected_success_that_passes_with_the_same_counts_matches() -> None:
    result = compare(model("slot_pin"), recorded_run("passing", 0))
    assert result.matches and result.why == ""
    assert (result.actual, result.distinct_states, result.depth) == ("success", 20, 5)


def test_expected_success_that_fails_is_a_mismatch() -> None:
    result = compare(model("slot_pin"), recorded_run("invariant", 12))
    assert not result.matches
    assert result.actual == "invariant:OnePinHolder"
    assert "expected success, TLC says invariant:OnePinHolder" in result.why


def test_expected_violation_that_no_longer_happens_is_a_mismatch() -> None:
    result = compare(model("slot_pin_no_check"), recorded_run("passing", 0))
    assert not result.matches and result.actual == "success"


def test_changed_state_count_is_a_mismatch() -> None:
    result = compare(model("lock_order_no_deadlock_check"), recorded_run("passing", 0))
    assert not result.matches
    assert "distinct states 20, expected 9" in result.why and "depth 5, expected 5" not in result.why


def test_counts_in_their_range_match_and_outside_it_say_the_range() -> None:
    slot_pin = model("slot_pin")
    ranged = replace(
        slot_pin,
        workers=2,
        expected=replace(slot_pin.expected, distinct_states=CountRange(18, 22), depth=CountRange(4, 6)),
    )
    assert compare(ranged, recorded_run("passing", 0)).matches
    narrow = replace(ranged, expected=replace(ranged.expected, distinct_states=CountRange(21, 22)))
    result = compare(narrow, recorded_run("passing", 0))
    assert not result.matches and "distinct states 20, expected 21..22" in result.why


def test_a_model_runs_with_its_own_workers_unless_the_command_line_says() -> None:
    two = replace(model("slot_pin"), workers=2)
    assert run_options(two).workers == 2
    assert run_options(two, workers=1).workers == 1
    assert run_options(model("slot_pin")).workers == 1


def test_the_core_budget_holds_a_run_with_two_workers_alone_and_stops_waiters_on_close() -> None:
    cores = _Cores(2)
    order: list[str] = []
    started = threading.Event()

    def one_core(name: str) -> None:
        try:
            with cores.taking(1):
                order.append(name)
        except RuntimeError:
            order.append(f"{name} stopped")

    with cores.taking(2):
        waiter = threading.Thread(target=one_core, args=("after",))
        waiter.start()
        started.wait(0.2)  # the waiter cannot get a core while both are held
        assert order == []
    waiter.join(5)
    assert order == ["after"]
    with cores.taking(2):
        late = threading.Thread(target=one_core, args=("late",))
        late.start()
        cores.close()
        late.join(5)
    assert order == ["after", "late stopped"]


def test_parse_error_says_where() -> None:
    result = compare(model("slot_pin"), recorded_run("parse_error", 150))
    assert "Broken.tla:5:20: parse error" in result.why and "what to do: fix the spec" in result.why


def test_violation_points_at_the_trace() -> None:
    result = compare(model("slot_pin"), recorded_run("deadlock", 11))
    assert "`python -m gen run --model slot_pin` prints the 3-state trace" in result.why


def _result(name: str, expected: str, actual: str, matches: bool, why: str = "") -> CheckResult:
    return CheckResult(name, expected, actual, matches, 123456, 41, 12.3, "fast", why)


def test_table_fits_80_columns_and_lists_mismatches() -> None:
    results = [
        _result("none", "success", "success", True),
        _result(
            "bug_04fc7816089c_with_a_very_long_name",
            "invariant:NoStaleDataEverMapped",
            "success",
            False,
            "expected ...",
        ),
    ]
    table = format_table(results)
    lines = table.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split() == ["model", "expected", "actual", "states", "depth", "s", "result"]
    assert lines[2].endswith(" OK") and "123,456" in lines[2]
    assert lines[2].split()[:3] == ["none", "success", "same"]
    assert lines[3].endswith(" MISMATCH")
    assert "bug_04fc7816089c_with_a_very_long_name: expected ..." in table
    assert lines[-1] == "1 of 2 models as expected, 1 MISMATCH"


def test_table_for_a_log_or_file_cuts_nothing() -> None:
    long_name = "bug_04fc7816089c_with_a_very_long_name_that_a_terminal_would_cut"
    results = [_result(long_name, "invariant:NoStaleDataEverMapped", "property:WritebackGivesUpOnlyOnOwnPin", False)]
    assert "~" in format_table(results)
    full = format_table(results, width=None)
    assert "~" not in full
    assert full.splitlines()[2].split()[:3] == [
        long_name,
        "invariant:NoStaleDataEverMapped",
        "property:WritebackGivesUpOnlyOnOwnPin",
    ]


def test_table_colours_only_when_asked() -> None:
    assert "\x1b[" not in format_table([_result("a", "success", "success", True)])
    assert "\x1b[32mOK" in format_table([_result("a", "success", "success", True)], colour_on=True)


def test_json_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "build" / "check.json"
    write_json_atomically(target, [_result("a", "success", "success", True).as_json()])
    assert json.loads(target.read_text())[0]["model"] == "a"
    assert [p.name for p in target.parent.iterdir()] == ["check.json"]  # no temp file left
    assert target.stat().st_mode & 0o777 == 0o644  # readable by all, not mkstemp's 0600


def test_unknown_model_lists_the_known_ones(gen_cli: GenCli) -> None:
    done = gen_cli("check", "--manifest", str(TEST_MANIFEST), "--only", "nope")
    assert done.returncode == 2
    assert "no model named 'nope'" in done.stderr and "slot_pin_starvation" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_manifest_is_a_clear_error(tmp_path: Path, gen_cli: GenCli) -> None:
    done = gen_cli("check", "--manifest", str(tmp_path / "models.json"))
    assert done.returncode == 2
    assert "no manifest at" in done.stderr and "Traceback" not in done.stderr


def test_dry_run_prints_one_command_per_model(gen_cli: GenCli) -> None:
    done = gen_cli("check", "--manifest", str(TEST_MANIFEST), "--dry-run", "--tier", "all")
    assert done.returncode == 0
    commands = [line for line in done.stdout.splitlines() if not line.startswith("#")]
    assert len(commands) == len(load_manifest(TEST_MANIFEST).models)
    assert all(" tlc2.TLC -tool " in c for c in commands)
    assert "-simulate num=100 -depth 20 -seed 1" in done.stdout


@pytest.mark.tlc
@pytest.mark.slow
def test_check_json_runs_every_fast_model(tmp_path: Path, gen_cli: GenCli) -> None:
    out = tmp_path / "check.json"
    done = gen_cli("check", "--manifest", str(TEST_MANIFEST), "--json", "--output", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(done.stdout)
    fast = [m.name for m in load_manifest(TEST_MANIFEST).models if m.tier == "fast"]
    assert [r["model"] for r in rows] == fast
    assert all(r["matches"] for r in rows)
    for row in rows:
        assert {"model", "expected", "actual", "matches", "distinct_states", "depth", "seconds"} <= set(row)
    assert json.loads(out.read_text()) == rows


@pytest.mark.tlc
def test_only_replaces_its_own_row_in_check_json(tmp_path: Path, gen_cli: GenCli) -> None:
    out = tmp_path / "check.json"
    earlier = [_result(name, "success", "success", True).as_json() for name in ("slot_pin", "lock_order")]
    write_json_atomically(out, earlier)
    done = gen_cli("check", "--manifest", str(TEST_MANIFEST), "--only", "lock_order", "--output", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(out.read_text())
    assert [r["model"] for r in rows] == ["slot_pin", "lock_order"]
    assert rows[0] == earlier[0]  # kept as it was
    assert rows[1]["actual"] == "deadlock" and rows[1]["matches"]  # this run's result


def test_merged_rows_replace_by_model_and_append_new_ones(tmp_path: Path) -> None:
    out = tmp_path / "check.json"
    old = [{"model": "a", "actual": "old"}, {"model": "b", "actual": "old"}]
    out.write_text(json.dumps(old))
    assert merged_rows(out, [{"model": "b", "actual": "new"}, {"model": "c", "actual": "new"}]) == [
        {"model": "a", "actual": "old"},
        {"model": "b", "actual": "new"},
        {"model": "c", "actual": "new"},
    ]
    out.write_text("{not json")
    assert merged_rows(out, [{"model": "c"}]) == [{"model": "c"}]
    assert merged_rows(tmp_path / "missing.json", [{"model": "c"}]) == [{"model": "c"}]


@pytest.mark.tlc
def test_mismatch_in_both_directions_fails_the_check(tmp_path: Path, gen_cli: GenCli) -> None:
    for name in ("SlotPin.tla", "passing.cfg", "invariant.cfg"):
        (tmp_path / name).write_text((SPECS / name).read_text())
    common = {"summary": "s", "spec": "SlotPin.tla", "tier": "fast", "mode": "exhaustive", "timeout_seconds": 120}
    manifest = tmp_path / "models.json"
    manifest.write_text(
        json.dumps(
            {
                "models": [
                    {
                        **common,
                        "name": "fixed_now_fails",
                        "config": "invariant.cfg",
                        "expected": {"result": "success", "distinct_states": 9, "depth": 5},
                    },
                    {
                        **common,
                        "name": "bug_no_longer_fails",
                        "config": "passing.cfg",
                        "expected": {"result": "invariant:OnePinHolder"},
                    },
                ]
            }
        )
    )
    done = gen_cli("check", "--manifest", str(manifest), "--output", str(tmp_path / "check.json"))
    assert done.returncode == 1
    assert done.stdout.count("MISMATCH") == 3  # two rows and the summary line
    assert "fixed_now_fails: expected success, TLC says invariant:OnePinHolder" in done.stdout
    assert "bug_no_longer_fails: expected invariant:OnePinHolder, TLC says success" in done.stdout


@pytest.mark.tlc
def test_file_system_faults_are_typed_errors_and_check_prints_before_it_writes(
    gen_cli: GenCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_the_way = tmp_path / "build"
    in_the_way.write_text("a file where build/ should be\n")
    manifest = str(SPECS / "models.json")
    # The results cannot be written: the table is printed first, and the error says what was not saved.
    done = gen_cli("check", "--manifest", manifest, "--only", "slot_pin", "--output", str(in_the_way / "check.json"))
    assert done.returncode == 2, done.stdout
    assert "slot_pin success  same       20     5" in done.stdout and "1 of 1 models as expected" in done.stdout
    assert f"error: cannot write {in_the_way}: File exists (a file is where a folder must be); the results above " in (
        done.stderr
    )
    assert "what to do: " in done.stderr and "Traceback" not in done.stderr
    # TLC's scratch folder cannot be made: no run, a typed error.
    monkeypatch.setenv("GEN_SCRATCH_DIR", str(in_the_way / "tlc"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gen",
            "run",
            "--spec",
            str(SPECS / "SlotPin.tla"),
            "--config",
            str(SPECS / "passing.cfg"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot write {in_the_way / 'tlc'}: Not a directory")
    assert "Traceback" not in done.stderr


@pytest.mark.tlc
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_a_typed_error(gen_cli: GenCli, tmp_path: Path) -> None:
    read_only = tmp_path / "build"
    read_only.mkdir(mode=0o555)
    done = gen_cli(
        "check", "--manifest", str(SPECS / "models.json"), "--only", "slot_pin", "--output", str(read_only / "c.json")
    )
    assert done.returncode == 2 and "Permission denied" in done.stderr and "Traceback" not in done.stderr


def test_counts_of_a_stopped_run_are_marked_as_lower_bounds() -> None:
    stopped = compare(model("slot_pin"), recorded_run("timeout", -9))  # killed: TLC's last progress line
    assert stopped.counts_partial and stopped.as_json()["counts_partial"] is True
    assert not compare(model("slot_pin"), recorded_run("passing", 0)).counts_partial
    stopped = replace(stopped, why="expected success, TLC says error:killed")
    assert format_table([_result("none", "success", "success", True), stopped]) == (
        "model    expected actual            states depth   s result\n"
        "-------------------------------------------------------------\n"
        "none     success  same             123,456    41  12 OK\n"
        "slot_pin success  error:killed >=2,861,604     - 1.2 MISMATCH\n"
        ">=: TLC stopped before its final count: its last progress line, a lower bound\n"
        "\n"
        "slot_pin: expected success, TLC says error:killed\n"
        "1 of 2 models as expected, 1 MISMATCH"
    )
    assert ">=" not in format_table([_result("none", "success", "success", True)])


def test_partial_counts_mark_the_depth_too_and_rows_of_an_older_check_json_read() -> None:
    row = json.loads(json.dumps(_result("deep", "success", "error:timeout", False).as_json()))
    del row["counts_partial"]  # build/check.json of a `make check` before the mark: complete counts
    assert not CheckResult(**row).counts_partial  # as gen.review.report reads it
    partial = replace(_result("deep", "success", "error:timeout", False), counts_partial=True)
    assert format_table([partial]).splitlines()[2].split()[3:5] == [">=123,456", ">=41"]
