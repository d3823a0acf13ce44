"""Extraction of the kernel files: once, atomically, on a made-up tarball (no kernel code needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gen.kernel.errors import KernelPathsMissing, KernelSourceMissing
from gen.kernel.sources import KERNEL_PATHS, KernelTree, kernel_tree
from gen.tests.kernel_fixtures import kernel_6_12

__all__ = ["kernel_6_12"]  # the fixture, re-exported so pytest finds it here


@pytest.fixture
def fake_tarball(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A linux-source-6.12.tar.xz holding two made-up files, named by $ZSWAP_KERNEL_TARBALL."""
    top = tmp_path / "src" / "linux-source-6.12"
    (top / "mm").mkdir(parents=True)
    (top / "mm" / "zswap.c").write_text("int zswap;\n", encoding="utf-8")
    (top / "mm" / "other.c").write_text("int other;\n", encoding="utf-8")
    tarball = tmp_path / "linux-source-6.12.tar.xz"
    subprocess.run(["tar", "-cJf", str(tarball), "-C", str(tmp_path / "src"), "linux-source-6.12"], check=True)
    monkeypatch.setenv("ZSWAP_KERNEL_TARBALL", str(tarball))
    return tarball


def test_extracts_once_then_reads_the_stamp(fake_tarball: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    tree = kernel_tree(paths=["mm/zswap.c"], build_dir=build)
    assert (tree.root / "mm" / "zswap.c").read_text(encoding="utf-8") == "int zswap;\n"
    assert not (tree.root / "mm" / "other.c").exists()
    stamp_time = (tree.root / ".stamp.json").stat().st_mtime_ns
    again = kernel_tree(paths=["mm/zswap.c"], build_dir=build)
    assert again == tree and (tree.root / ".stamp.json").stat().st_mtime_ns == stamp_time
    assert [p.name for p in build.iterdir()] == ["linux-6.12"]  # no temp folder left behind


def test_extra_paths_extend_what_was_extracted(fake_tarball: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    kernel_tree(paths=["mm/zswap.c"], build_dir=build)
    tree = kernel_tree(paths=["mm/zswap.c"], extra=["mm/oth*.c"], build_dir=build)
    assert (tree.root / "mm" / "zswap.c").exists() and (tree.root / "mm" / "other.c").exists()


def test_missing_path_names_it(fake_tarball: Path, tmp_path: Path) -> None:
    with pytest.raises(KernelPathsMissing, match="mm/nowhere.c"):
        kernel_tree(paths=["mm/zswap.c", "mm/nowhere.c"], build_dir=tmp_path / "build")


def test_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ZSWAP_KERNEL_TARBALL", raising=False)
    with pytest.raises(KernelSourceMissing) as raised:
        kernel_tree("9.99", build_dir=tmp_path)
    assert "apt-get install -y linux-source-9.99" in str(raised.value)


def test_kernel_src_tree_is_used_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "mm").mkdir()
    (tmp_path / "mm" / "zswap.c").write_text("", encoding="utf-8")
    tree = kernel_tree(kernel_src=tmp_path, paths=["mm/zswap.c"])
    assert tree.root == tmp_path.resolve() and tree.source.startswith("--kernel-src")
    with pytest.raises(KernelPathsMissing):
        kernel_tree(kernel_src=tmp_path)


@pytest.mark.kernel
def test_the_cited_files_are_in_the_installed_6_12(kernel_6_12: KernelTree) -> None:
    tree = kernel_6_12
    missing = [path for path, _why in KERNEL_PATHS if not (tree.root / path).exists()]
    assert not missing
    assert (tree.root / "tools" / "testing" / "radix-tree" / "Makefile").is_file()
