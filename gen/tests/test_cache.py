"""The result cache: an unchanged model is not run again, any change to what TLC reads is."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Unpack

import pytest

from gen.bridge.cache import cached_run, run_key
from gen.bridge.outcomes import InvariantViolated, Success
from gen.bridge.tlc import RunOptions, RunSettings
from gen.tests.conftest import GenCli

SPECS = Path(__file__).parent / "data" / "specs"
TEST_MANIFEST = SPECS / "models.json"

pytestmark = pytest.mark.usefixtures("private_scratch")


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    """A copy of the test specs that a test may edit."""
    folder = tmp_path / "specs"
    shutil.copytree(SPECS, folder)
    return folder


def options(folder: Path, config: str = "passing", **extra: Unpack[RunSettings]) -> RunOptions:
    return replace(RunOptions(folder / "SlotPin.tla", folder / f"{config}.cfg", workers=1), **extra)


def test_the_key_follows_every_input_tlc_reads(specs: Path) -> None:
    key = run_key(options(specs))
    assert run_key(options(specs)) == key
    assert run_key(options(specs, timeout_seconds=5.0, jvm_options=("-Xmx1g",))) == key  # decide no verdict
    assert run_key(options(specs, workers=2)) != key
    assert run_key(options(specs, check_deadlock=False)) != key
    assert run_key(options(specs, extra_args=("-lncheck", "final"))) != key
    assert run_key(options(specs, config="invariant")) != key
    config = specs / "passing.cfg"
    config.write_text(config.read_text() + "\n\\* a comment is still a byte TLC reads\n")
    edited_config = run_key(options(specs))
    assert edited_config != key
    (specs / "Unrelated.tla").write_text("---- MODULE Unrelated ----\n====\n")  # beside the spec: TLC may read it
    assert run_key(options(specs)) != edited_config


@pytest.mark.tlc
def test_a_second_run_is_served_from_the_cache_and_parsed_anew(specs: Path, tmp_path: Path) -> None:
    root = tmp_path / "cache"
    first = cached_run(options(specs, config="invariant"), root=root)
    assert not first.cached and isinstance(first.outcome, InvariantViolated)
    second = cached_run(options(specs, config="invariant"), root=root)
    assert second.cached
    assert second.outcome == first.outcome and second.output.stats == first.output.stats
    assert second.output.traces == first.output.traces
    assert second.wall_seconds == pytest.approx(first.wall_seconds, abs=0.001)
    assert not cached_run(options(specs, config="invariant"), root=root, fresh=True).cached
    entries = [p for p in root.rglob("*") if p.is_file()]
    assert [p.suffix for p in entries] == [".json"]  # published by rename: no temporary file left


@pytest.mark.tlc
def test_gen_fresh_in_the_environment_forces_a_run(
    specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "cache"
    cached_run(options(specs), root=root)
    monkeypatch.setenv("GEN_FRESH", "1")
    assert not cached_run(options(specs), root=root).cached


@pytest.mark.tlc
def test_runs_without_a_verdict_are_not_stored(specs: Path, tmp_path: Path) -> None:
    root = tmp_path / "cache"
    run = cached_run(RunOptions(specs / "Broken.tla", specs / "Broken.cfg", workers=1), root=root)
    assert run.outcome.verdict.startswith("error:")
    assert not root.exists() or not any(root.rglob("*.json"))


@pytest.mark.tlc
def test_a_cut_entry_is_run_again(specs: Path, tmp_path: Path) -> None:
    root = tmp_path / "cache"
    cached_run(options(specs), root=root)
    (entry,) = root.rglob("*.json")
    entry.write_text(entry.read_text()[:50])
    again = cached_run(options(specs), root=root)
    assert not again.cached and again.outcome == Success()
    assert json.loads(entry.read_text())["format"] == 1  # rewritten whole


@pytest.mark.tlc
def test_a_dump_is_kept_with_the_entry(specs: Path, tmp_path: Path) -> None:
    root = tmp_path / "cache"
    first_dump, second_dump = tmp_path / "first.dot", tmp_path / "second.dot"
    cached_run(options(specs, dump_dot=first_dump, check_deadlock=False), root=root)
    served = cached_run(options(specs, dump_dot=second_dump, check_deadlock=False), root=root)
    assert served.cached
    assert second_dump.read_bytes() == first_dump.read_bytes()


@pytest.mark.tlc
def test_check_says_which_rows_came_from_the_cache(tmp_path: Path, gen_cli: GenCli) -> None:
    out = tmp_path / "check.json"
    args = ("check", "--manifest", str(TEST_MANIFEST), "--only", "slot_pin", "--output", str(out))
    assert gen_cli(*args).returncode == 0
    done = gen_cli(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("slot_pin")]
    assert " cache OK" in row
    assert "1 from the cache" in done.stdout
    assert json.loads(out.read_text())[0]["cached"] is True
    fresh = gen_cli(*args, "--fresh")
    assert "cache" not in fresh.stdout and json.loads(out.read_text())[0]["cached"] is False
