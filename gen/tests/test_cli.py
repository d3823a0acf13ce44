"""`python -m gen`: the dispatcher and the `run` command, as a user calls them."""

from __future__ import annotations

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
