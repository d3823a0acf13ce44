"""The result cache: an unchanged model is not run again, any change to what TLC reads is."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Unpack

import pytest

from gen.bridge.cache import DEFAULT_MAX_MB, MAX_MB_ENV, cached_run, entries, max_bytes_from_env, prune, run_key
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


def _fake_entry(root: Path, key: str, used: float, size: int, dump: int = 0) -> Path:
    """An entry as _store leaves it (contents do not matter to pruning), last used at ``used``."""
    entry = root / key[:2] / f"{key}.json"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(b"x" * size)
    if dump:
        entry.with_suffix(".dot.gz").write_bytes(b"d" * dump)
    os.utime(entry, (used, used))
    return entry


NOW = 1_800_000_000.0
DAY = 86400.0


def test_prune_keeps_the_most_recently_used(tmp_path: Path) -> None:
    old, middle, new = (_fake_entry(tmp_path, f"{n}{n}key", NOW - age * DAY, 10) for n, age in ((1, 9), (2, 5), (3, 1)))
    done = prune(tmp_path, keep=2, now=NOW)
    assert (done.removed, done.freed, done.kept, done.size) == (1, 10, 2, 20)
    assert not old.exists() and middle.exists() and new.exists()
    assert [e.json for e in entries(tmp_path)] == [new, middle]


def test_prune_by_age_takes_the_dump_with_its_entry(tmp_path: Path) -> None:
    stale = _fake_entry(tmp_path, "aastale", NOW - 30 * DAY, 10, dump=100)
    fresh = _fake_entry(tmp_path, "bbfresh", NOW - 2 * DAY, 10, dump=100)
    done = prune(tmp_path, older_than_days=14, now=NOW)
    assert (done.removed, done.freed, done.kept) == (1, 110, 1)
    assert not stale.exists() and not stale.with_suffix(".dot.gz").exists()
    assert fresh.exists() and fresh.with_suffix(".dot.gz").exists()


def test_prune_to_a_size_drops_the_least_recently_used_and_spares_the_new_entry(tmp_path: Path) -> None:
    oldest = _fake_entry(tmp_path, "11a", NOW - 3 * DAY, 50)
    older = _fake_entry(tmp_path, "22b", NOW - 2 * DAY, 50)
    newest = _fake_entry(tmp_path, "33c", NOW - 1 * DAY, 50)
    assert prune(tmp_path, max_bytes=100, now=NOW).removed == 1
    assert not oldest.exists() and older.exists() and newest.exists()
    # the entry a run just stored (here: the oldest left) is spared even when it alone is too big
    done = prune(tmp_path, max_bytes=0, spare=older, now=NOW)
    assert older.exists() and not newest.exists() and (done.kept, done.size) == (1, 50)


def test_prune_removes_only_stale_temporary_files(tmp_path: Path) -> None:
    folder = tmp_path / "ab"
    folder.mkdir()
    stale, writing = folder / ".abkey.json.x1.tmp", folder / ".abkey.json.x2.tmp"
    for path, age in ((stale, 2 * DAY), (writing, 60.0)):
        path.write_text("{")
        os.utime(path, (NOW - age, NOW - age))
    assert prune(tmp_path, keep=0, now=NOW).removed == 0
    assert not stale.exists() and writing.exists()


def test_the_size_bound_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAX_MB_ENV, raising=False)
    assert max_bytes_from_env() == DEFAULT_MAX_MB * 1_000_000
    monkeypatch.setenv(MAX_MB_ENV, "1.5")
    assert max_bytes_from_env() == 1_500_000
    monkeypatch.setenv(MAX_MB_ENV, "lots")
    assert max_bytes_from_env() == DEFAULT_MAX_MB * 1_000_000


@pytest.mark.tlc
def test_a_store_prunes_to_the_bound_and_a_hit_counts_as_use(
    specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "cache"
    cached_run(options(specs), root=root)
    (first,) = root.rglob("*.json")
    long_ago = time.time() - 10 * DAY
    os.utime(first, (long_ago, long_ago))
    assert cached_run(options(specs), root=root).cached
    assert first.stat().st_mtime > long_ago + 9 * DAY  # touched by the hit
    monkeypatch.setenv(MAX_MB_ENV, "0")  # room for the new entry only
    cached_run(options(specs, config="invariant"), root=root)
    (left,) = root.rglob("*.json")
    assert left != first


def test_the_cache_command_prunes_and_reports(tmp_path: Path, gen_cli: GenCli) -> None:
    root = tmp_path / "cache"  # private_scratch's $GEN_CACHE_DIR
    for n, age in ((1, 9), (2, 5), (3, 1)):
        _fake_entry(root, f"{n}{n}key", time.time() - age * DAY, 1000)
    info = gen_cli("cache")
    assert "3 entries" in info.stdout, info.stdout + info.stderr
    refused = gen_cli("cache", "prune")
    assert refused.returncode != 0 and "--keep" in refused.stderr
    done = gen_cli("cache", "prune", "--days", "3")
    assert done.returncode == 0 and "removed 2 entries" in done.stdout, done.stdout + done.stderr
    assert len(entries(root)) == 1
