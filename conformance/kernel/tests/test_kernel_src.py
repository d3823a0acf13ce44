"""``--kernel-src DIR`` and ``--kernel-patch``, as a kernel developer runs them.

The files the harness needs are taken from the 6.12 tarball into a directory
laid out as a kernel tree (a developer's own tree, as far as the harness can
tell), and pytest runs generated tests against the C built from it: as it is
(they pass), and with the a65b0e7607cc patch applied on top with
``--kernel-patch`` (the suite fails).  The tree sits at a fixed path under
build/, so its harness is built once and reused.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.kernel.build import BUILD, ROOT, BuildError
from conformance.kernel.extract import ExtractError, extract_tree

PATCHES = Path(__file__).resolve().parent.parent / "patches"
SUITE = "conformance/generated/test_conf_rotate.py"


@pytest.fixture(scope="module")
def developer_tree() -> Path:
    try:
        tree = extract_tree(BUILD / "src")
    except (BuildError, ExtractError) as err:
        pytest.skip(f"kernel sources not available: {err}")
    dest = BUILD / "test-kernel-src" / "linux"
    if not (dest / "mm/zswap.c").exists():
        shutil.rmtree(dest.parent, ignore_errors=True)
        shutil.copytree(tree, dest, symlinks=True)
    return dest


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--impl=kernel", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_generated_tests_pass_against_a_kernel_tree(developer_tree: Path, kernel_harness: Path) -> None:
    run = _pytest(f"--kernel-src={developer_tree}", SUITE, "-k", "walk_001 or walk_004 or walk_005 or walk_150")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "4 passed" in run.stdout
    # the harness was built from that tree, not from build/kernel-c/src
    built = [p for p in BUILD.glob("src-*/kharness")]
    assert built, "no harness built from --kernel-src"


@pytest.mark.slow
def test_a_patch_on_a_kernel_tree_fails_the_suite(developer_tree: Path, kernel_harness: Path) -> None:
    """a65b0e7607cc undone (writeback passes false for skip_if_exists): the thread's self-deadlock."""
    patch = PATCHES / "a65b0e7607cc-no-skip-if-exists.patch"
    run = _pytest(f"--kernel-src={developer_tree}", f"--kernel-patch={patch}", "-x", SUITE)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert "ReplayMismatch" in run.stdout or "KernelBug" in run.stdout, run.stdout[-3000:]
