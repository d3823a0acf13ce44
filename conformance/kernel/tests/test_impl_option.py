"""`pytest --impl=kernel` really runs the generated suite against the C, not the reference.

The generated tests get their system from the `system_for` fixture; the root
conftest.py overrides it under --impl=kernel.  If that override were lost, the
suite would silently test the Python reference again and still pass.  So: the
rotate suite against a harness with writeback's re-check patched out
(04fc7816089c) must fail, while the reference passes the same walks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SUITE = REPO / "conformance" / "generated" / "test_conf_rotate.py"
NO_RECHECK = REPO / "conformance" / "kernel" / "patches" / "04fc7816089c-no-recheck.patch"


def _suite(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *options, str(SUITE)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def test_impl_kernel_runs_the_c(kernel_harness: Path) -> None:
    broken = _suite("--impl=kernel", f"--kernel-patch={NO_RECHECK}")
    if "kernel harness not available" in broken.stdout:
        pytest.skip("the patched harness cannot be built here")
    assert broken.returncode == 1, broken.stdout[-2000:]  # a walk fails: the C ran
    assert "failed" in broken.stdout.splitlines()[-1]
