"""conformance.pytest_plugin: the generated tests' system_for fixture and its --config-override."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
from conformance.config import Config


def test_probe(system_for):
    system = system_for(Config(variant="lru_remove"))
    print("variant", system.config.variant, "bugs", sorted(system.config.bugs))
"""


def _run(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_probe.py").write_text(PROBE)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "-c",
            str(REPO / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            *options,
            str(tmp_path / "test_probe.py"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=300,
    )


def test_without_the_option_the_models_config_is_used(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert done.returncode == 0 and "variant lru_remove bugs []" in done.stdout, done.stdout + done.stderr


def test_the_override_replaces_fields_for_this_run_only(tmp_path: Path) -> None:
    done = _run(tmp_path, "--config-override", '{"variant": "none", "bugs": ["04fc7816089c"]}')
    assert done.returncode == 0 and "variant none bugs ['04fc7816089c']" in done.stdout, done.stdout + done.stderr


def test_an_override_that_is_not_json_is_a_usage_error(tmp_path: Path) -> None:
    done = _run(tmp_path, "--config-override", "variant=none")
    assert done.returncode != 0 and "not JSON" in done.stdout + done.stderr
