"""`python -m gen`: the dispatcher and the `run` command, as a user calls them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

SPECS = Path(__file__).parent / "data" / "specs"
# The `gen_cli` fixture (conftest.py): `python -m gen ARGS...` with a private TLC scratch folder.
GenCli = Callable[..., subprocess.CompletedProcess[str]]


def test_command_help_lists_the_commands_own_options(gen_cli: GenCli) -> None:
    done = gen_cli("check", "--help")
    assert done.returncode == 0
    for option in ("--manifest", "--tier", "--only", "--json", "--dry-run"):
        assert option in done.stdout


def test_unknown_command_is_a_usage_error(gen_cli: GenCli) -> None:
    done = gen_cli("frobnicate")
    assert done.returncode == 2 and "invalid choice: 'frobnicate'" in done.stderr


def test_run_dry_run_prints_the_exact_command(gen_cli: GenCli) -> None:
    done = gen_cli(
        "run",
        "--spec",
        str(SPECS / "LockOrder.tla"),
        "--config",
        str(SPECS / "LockOrder.cfg"),
        "--no-deadlock",
        "--dry-run",
    )
    assert done.returncode == 0
    (line,) = done.stdout.splitlines()
    assert " tlc2.TLC -tool -metadir " in line and " -deadlock " in line
    assert line.endswith(f"-config LockOrder.cfg {(SPECS / 'LockOrder.tla').resolve()}")


def test_run_spec_without_config_says_what_to_do(gen_cli: GenCli) -> None:
    done = gen_cli("run", "--spec", str(SPECS / "LockOrder.tla"))
    assert done.returncode == 2 and "--spec needs --config" in done.stderr and "what to do" in done.stderr


@pytest.mark.tlc
def test_run_prints_outcome_counts_and_the_trace(gen_cli: GenCli) -> None:
    done = gen_cli(
        "run", "--spec", str(SPECS / "LockOrder.tla"), "--config", str(SPECS / "LockOrder.cfg"), "--workers", "1"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "outcome: deadlock  (Deadlock())"
    assert lines[1].startswith("states:  8 generated, 7 distinct, 2 left on queue; depth 4;")
    assert "  3: SwapIn  [LockOrder.tla:20:14]" in lines
    assert '       pc = [swapin |-> "pinned", writeback |-> "locked"]' in lines


@pytest.mark.tlc
def test_run_model_from_the_manifest(gen_cli: GenCli) -> None:
    done = gen_cli("run", "--manifest", str(SPECS / "models.json"), "--model", "slot_pin_starvation")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("outcome: property:FaultCompletes")
    assert "  loop: back-to-state to state 4 by SwapcachePrepare" in done.stdout


def _run_spec(gen_cli: GenCli, spec: str, config: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return gen_cli("run", "--spec", str(SPECS / f"{spec}.tla"), "--config", str(SPECS / f"{config}.cfg"), *extra)


def _says_what_to_do(done: subprocess.CompletedProcess[str], what: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"error: {what}" in done.stderr and "\n  what to do: " in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.tlc
@pytest.mark.parametrize("as_json", [False, True])
def test_run_without_a_verdict_exits_non_zero_with_the_typed_error(gen_cli: GenCli, as_json: bool) -> None:
    json_flag = ("--json",) if as_json else ()
    cases = [
        (("Broken", "Broken"), "Broken.tla:5:20: parse error"),
        (("SlotPin", "check_deadlock"), "gen/tests/data/specs/check_deadlock.cfg:5: TLC rejected the configuration"),
        (("ExtendsCommunity", "ExtendsCommunity"), "module FiniteSetsExt (imported by ExtendsCommunity) not found"),
    ]
    for (spec, config), what in cases:
        done = _run_spec(gen_cli, spec, config, "--workers", "1", *json_flag)
        _says_what_to_do(done, what)
        if as_json:
            printed = json.loads(done.stdout)
            assert printed["error"]["what"].startswith(what.split(":")[0]) and printed["error"]["todo"]
            assert printed["counts_partial"] is False


@pytest.mark.tlc
def test_run_timeout_is_honoured_for_a_model_and_the_counts_are_partial(gen_cli: GenCli, tmp_path: Path) -> None:
    manifest = tmp_path / "models.json"
    entry = {
        "name": "forever",
        "summary": "never ends",
        "spec": str(SPECS / "Forever.tla"),
        "config": str(SPECS / "Forever.cfg"),
        "tier": "fast",
        "mode": "exhaustive",
        "timeout_seconds": 300,
        "expected": {"result": "error:timeout"},
    }
    manifest.write_text(json.dumps({"models": [entry]}))
    done = gen_cli("run", "--manifest", str(manifest), "--model", "forever", "--timeout", "12", "--json")
    _says_what_to_do(done, "TLC did not finish within 12 s and was stopped; ")
    printed = json.loads(done.stdout)
    assert printed["verdict"] == "error:timeout" and printed["counts_partial"] is True
    assert printed["seconds"] < 60  # the manifest's 300 s did not apply
    # TLC's first progress line comes a few seconds in (later on a loaded machine): the message says which it was.
    if printed["distinct_states"] is None:
        assert "TLC printed no counts before it was stopped" in done.stderr
    else:
        assert (
            f"the counts are partial, from TLC's last progress line before it was stopped: {printed['distinct_states']:,} distinct"
            in done.stderr
        )


@pytest.mark.parametrize(("workers", "says"), [("-3", "--workers -3"), ("0", "--workers 0")])
def test_run_and_check_reject_workers_below_one(gen_cli: GenCli, workers: str, says: str) -> None:
    for command in (
        ("run", "--spec", str(SPECS / "LockOrder.tla"), "--config", str(SPECS / "LockOrder.cfg")),
        ("check", "--manifest", str(SPECS / "models.json"), "--only", "lock_order"),
    ):
        done = gen_cli(*command, "--workers", workers, "--dry-run")
        assert done.returncode == 2, done.stdout
        assert f"error: {says}: TLC needs at least one worker thread" in done.stderr and "what to do" in done.stderr


def test_run_library_path_must_be_a_folder_and_becomes_tla_library(gen_cli: GenCli, tmp_path: Path) -> None:
    base = ("run", "--spec", str(SPECS / "ExtendsCommunity.tla"), "--config", str(SPECS / "ExtendsCommunity.cfg"))
    done = gen_cli(*base, "--library-path", str(tmp_path / "nope"), "--dry-run")
    assert done.returncode == 2 and "no such folder" in done.stderr
    done = gen_cli(*base, "--library-path", str(tmp_path), "--library-path", str(SPECS), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f" -DTLA-Library={tmp_path}:{SPECS.resolve()} " in done.stdout


@pytest.mark.tlc
def test_run_finds_a_community_module_on_the_library_path(gen_cli: GenCli, tmp_path: Path) -> None:
    (tmp_path / "FiniteSetsExt.tla").write_text("---- MODULE FiniteSetsExt ----\nMax(S) == 0\n====\n")
    done = _run_spec(gen_cli, "ExtendsCommunity", "ExtendsCommunity", "--workers", "1", "--library-path", str(tmp_path))
    # Next leaves x unchanged: TLC checks the one state and finds no deadlock (stuttering is a step).
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("outcome: success")


@pytest.mark.tlc
@pytest.mark.slow
def test_run_shows_a_trace_as_the_step_view_and_raw_on_request(gen_cli: GenCli) -> None:
    done = gen_cli("run", "--model", "none", "--workers", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2].startswith("trace (") and "--raw prints TLC's states" in lines[2]
    # actor, step and slot, what changed: the report's and the simulator's words.
    steps = [line.split()[:4] for line in lines[3:] if line[:6].strip().isdigit()]
    assert steps[0] == ["1", "env", "SwapOut", "s1"]
    assert ["t1", "SwapcachePrepare", "s1"] in [step[1:] for step in steps]
    assert any("swap_map[s1].has_cache: F → T" in line for line in lines)
    assert max(len(line) for line in lines[2:]) < 120 and "/\\" not in done.stdout
    raw = gen_cli("run", "--model", "none", "--workers", "1", "--raw")
    assert raw.returncode == 0 and "       swap_map = " in raw.stdout


@pytest.mark.parametrize("seconds", ["0", "-1", "inf", "nan"])
def test_run_timeout_must_be_a_finite_positive_number(gen_cli: GenCli, seconds: str) -> None:
    done = gen_cli(
        "run", "--spec", str(SPECS / "LockOrder.tla"), "--config", str(SPECS / "LockOrder.cfg"), "--timeout", seconds
    )
    assert done.returncode == 2 and "is not a number of seconds" in done.stderr and "what to do" in done.stderr
