"""Fixtures shared by the bridge's tests: a private TLC scratch folder and the CLI as a user calls it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gen.bridge.manifest import Expected, Model

REPO = Path(__file__).parent.parent.parent

GenCli = Callable[..., subprocess.CompletedProcess[str]]
ManifestEntry = Callable[..., Model]


@pytest.fixture
def private_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TLC runs (in this process and in `python -m gen` children) stay clear of build/,
    which other work may clean meanwhile; their result cache too, so every test runs TLC
    unless it asks for the cache."""
    scratch = tmp_path / "scratch"
    monkeypatch.setenv("GEN_SCRATCH_DIR", str(scratch))
    monkeypatch.setenv("GEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GEN_FRESH", raising=False)
    return scratch


def _run_gen_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gen", *args], capture_output=True, text=True, cwd=REPO, timeout=600, check=False
    )


@pytest.fixture
def gen_cli(private_scratch: Path) -> GenCli:
    """``python -m gen ARGS...`` from the repository root, output captured, scratch kept private."""
    return _run_gen_cli


def _manifest_entry(
    spec: Path,
    config: Path,
    name: str = "none",
    *,
    summary: str = "Before the fix: a task waits on its own pin.",
    expected: str = "invariant:NoSelfWait",
) -> Model:
    return Model(
        name=name,
        summary=summary,
        spec=spec,
        config=config,
        tier="fast",
        mode="exhaustive",
        simulate=None,
        check_deadlock=True,
        timeout_seconds=120.0,
        extra_args=(),
        expected=Expected(expected),
    )


@pytest.fixture
def manifest_entry() -> ManifestEntry:
    """Builds one exhaustive fast model as spec/models.json would describe it (default: the seed's
    deadlock, expected to violate NoSelfWait)."""
    return _manifest_entry
