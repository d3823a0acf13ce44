"""The kernel files the project cites, unpacked from Debian's ``linux-source-<version>`` tarball into build/.

``kernel_tree()`` returns a folder holding ``mm/zswap.c`` and the rest of
:data:`KERNEL_PATHS` (plus any ``extra`` paths or globs a caller asks for).
The first call extracts them into ``build/kernel/linux-<version>/``; a stamp
there (the tarball's path, size, mtime and sha256, and the paths extracted)
makes every later call a stat and a JSON read.  Extraction goes to a temp
folder inside build/kernel/ and is renamed into place, so a reader never sees
half a tree and an interrupted run leaves nothing that looks finished.

Nothing from the kernel is committed: build/ is ignored.

``python -m gen kernel-src`` (``make kernel-src``) runs it and prints where
the tree is; ``--kernel-src DIR`` uses a developer's own unpacked tree.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from gen.bridge.files import write_json_atomically

# One sha256-of-a-file in the bridge: the jar check owns it.
from gen.bridge.java import _sha256
from gen.kernel.errors import KernelExtractFailed, KernelPathsMissing, KernelSourceMissing

__all__ = [
    "DEFAULT_VERSION",
    "KERNEL_PATHS",
    "QUOTED_RELEASES",
    "release_of",
    "KernelTree",
    "find_tarball",
    "kernel_tree",
]

REPO = Path(__file__).resolve().parent.parent.parent
BUILD_KERNEL = REPO / "build" / "kernel"
DEFAULT_VERSION = "6.12"
TARBALL_ENV = "ZSWAP_KERNEL_TARBALL"  # overrides the installed 6.12 tarball

# The release whose line numbers the quotes' tags give ("[6.12 mm/zswap.c:1194]").
# Debian's linux-source-6.12 follows the stable series (6.12.117 became
# 6.12.118 under the project), so the installed tree may be another release:
# then a quote found outside its tag's lines is reported as moved, not failed,
# and `python -m gen quotes --renumber` rewrites the tags to the installed
# tree's lines (then change the release here).
QUOTED_RELEASES: dict[str, str] = {"6.12": "6.12.118"}

# What the project reads from the kernel, and why.  A path ending in "/" is a
# whole tree.  Others extend this table (or pass ``extra`` to kernel_tree()).
KERNEL_PATHS: tuple[tuple[str, str], ...] = (
    ("Makefile", "VERSION, PATCHLEVEL, SUBLEVEL: which stable release the tree is"),
    ("mm/zswap.c", "writeback, the LRU walk, zswap_load/store/invalidate"),
    ("mm/swap_state.c", "__read_swap_cache_async, add_to_swap_cache"),
    ("mm/memory.c", "do_swap_page"),
    ("mm/page_io.c", "swap_read_folio"),
    ("mm/swapfile.c", "swapcache_prepare, swap_free, swap_range_free"),
    ("mm/swap_slots.c", "free_swap_slot (where 6.12 invalidates zswap)"),
    ("mm/list_lru.c", "list_lru_walk_one, the isolate callbacks' contract"),
    ("mm/memcontrol.c", "mem_cgroup_swapin_charge_folio, try_charge_memcg"),
    ("mm/vmscan.c", "PF_MEMALLOC in direct reclaim and kswapd, __remove_mapping"),
    ("mm/userfaultfd.c", "move_swap_pte: UFFDIO_MOVE moves a swap PTE under a fault (SyncPteChanged)"),
    ("mm/swap.h", "the swap-state prototypes"),
    ("mm/internal.h", "mm-internal helpers"),
    ("include/linux/list_lru.h", "enum lru_status: LRU_ROTATE, LRU_STOP, ..."),
    ("include/linux/swap.h", "SWAP_HAS_CACHE, swp_entry_t"),
    ("include/linux/zswap.h", "the zswap API"),
    ("include/linux/xarray.h", "the 6.12 zswap tree"),
    ("lib/xarray.c", "xa_cmpxchg, xa_erase"),
    ("include/linux/list.h", "list_move_tail, list_for_each_safe"),
    ("tools/testing/radix-tree/", "userspace harness that builds lib/xarray.c (for the C harness)"),
    ("tools/testing/shared/", "stubs shared by the userspace harnesses"),
    ("tools/testing/vma/", "userspace harness that builds mm/vma.c: the shape to copy"),
    ("tools/include/", "the kernel headers as the userspace harnesses see them"),
)


@dataclass(frozen=True)
class KernelTree:
    """A folder laid out like the kernel's top level, and where it came from."""

    root: Path
    version: str
    source: str  # the tarball, or "--kernel-src DIR"

    def file(self, path: str) -> Path:
        return self.root / path


# ------------------------------------------------------------ finding it


def find_tarball(version: str = DEFAULT_VERSION) -> Path:
    """$ZSWAP_KERNEL_TARBALL (6.12 only), else what ``dpkg -L linux-source-<version>`` lists, else /usr/src."""
    looked_at: list[str] = []
    override = os.environ.get(TARBALL_ENV)
    if override and version == DEFAULT_VERSION:
        if Path(override).is_file():
            return Path(override)
        looked_at.append(f"${TARBALL_ENV}={override}")
    name = f"linux-source-{version}.tar.xz"
    for listed in _dpkg_listed(f"linux-source-{version}"):
        if listed.endswith("/" + name) and Path(listed).is_file():
            return Path(listed)
    looked_at.append(f"dpkg -L linux-source-{version}")
    for candidate in sorted(glob.glob(f"/usr/src/linux-source-{version}.tar.*")):
        return Path(candidate)
    looked_at.append(f"/usr/src/linux-source-{version}.tar.*")
    raise KernelSourceMissing(version, looked_at)


def _dpkg_listed(package: str) -> list[str]:
    try:
        listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []  # no dpkg (not Debian): the /usr/src glob still applies
    return listing.stdout.splitlines() if listing.returncode == 0 else []


# ------------------------------------------------------------- extracting


def default_paths() -> tuple[str, ...]:
    return tuple(path for path, _why in KERNEL_PATHS)


def kernel_tree(
    version: str = DEFAULT_VERSION,
    *,
    kernel_src: Path | None = None,
    paths: Sequence[str] | None = None,
    extra: Sequence[str] = (),
    build_dir: Path = BUILD_KERNEL,
) -> KernelTree:
    """The kernel tree holding ``paths`` (default :data:`KERNEL_PATHS`) and ``extra`` (paths or globs).

    With ``kernel_src`` that folder is used as it is (nothing is copied);
    otherwise the installed tarball is unpacked into ``build_dir`` once.
    """
    wanted = tuple(dict.fromkeys([*(default_paths() if paths is None else paths), *extra]))
    if kernel_src is not None:
        root = kernel_src.resolve()
        missing = [p for p in wanted if not _present(root, p)]
        if missing:
            raise KernelPathsMissing(root, missing)
        return KernelTree(root, version, f"--kernel-src {root}")
    tarball = find_tarball(version)
    target = build_dir / f"linux-{version}"
    fingerprint = _cheap_fingerprint(tarball)
    stamp = _read_stamp(target)
    if stamp is not None and _stamp_covers(stamp, fingerprint, wanted):
        return KernelTree(target, version, str(tarball))
    # Extract what was there before too, so one caller's extra paths never
    # take away another's.
    previous = tuple(stamp["paths"]) if stamp is not None and stamp.get("tarball") == fingerprint else ()
    everything = tuple(dict.fromkeys([*previous, *wanted]))
    _extract(tarball, version, everything, target, fingerprint)
    return KernelTree(target, version, str(tarball))


def _present(root: Path, path: str) -> bool:
    if any(ch in path for ch in "*?["):
        return bool(glob.glob(str(root / path)))
    return (root / path).exists()


def _cheap_fingerprint(tarball: Path) -> dict[str, object]:
    # Size and mtime decide whether the stamp still holds: a stat, so a warm
    # call costs nothing.  The sha256 (half a second for 150 MB) is recorded
    # at extraction for the record, not recomputed on every call.
    status = tarball.stat()
    return {"path": str(tarball), "size": status.st_size, "mtime_ns": status.st_mtime_ns}


def _read_stamp(target: Path) -> dict[str, Any] | None:
    try:
        stamp = json.loads((target / ".stamp.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _stamp_covers(stamp: dict[str, Any], fingerprint: dict[str, object], wanted: Iterable[str]) -> bool:
    return stamp.get("tarball") == fingerprint and set(wanted) <= set(stamp.get("paths", ()))


def _extract(tarball: Path, version: str, paths: Sequence[str], target: Path, fingerprint: dict[str, object]) -> None:
    top = f"linux-source-{version}"
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        members = [f"{top}/{p.rstrip('/')}" for p in paths]
        command = ["tar", "-xJf", str(tarball), "-C", str(scratch), "--wildcards", "--no-same-owner", *members]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            missing = [m[len(top) + 1 :] for m in members if f"{m}: Not found in archive" in result.stderr]
            if missing:
                raise KernelPathsMissing(tarball, missing)
            raise KernelExtractFailed(tarball, result.stderr)
        tree = scratch / top
        write_json_atomically(
            tree / ".stamp.json",
            {"tarball": fingerprint, "sha256": _sha256(tarball), "paths": list(paths)},
        )
        _replace_directory(tree, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _replace_directory(new: Path, target: Path) -> None:
    # A directory cannot be renamed over a non-empty one: move the old one
    # aside first (a rename), then put the new one in place (a rename).
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def release_of(root: Path) -> str | None:
    """The tree's release from its top Makefile ("6.12.118"), or None when there is none to read."""
    try:
        head = (root / "Makefile").read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return None
    fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d+)", head, re.MULTILINE))
    if {"VERSION", "PATCHLEVEL"} - set(fields):
        return None
    return ".".join(fields[k] for k in ("VERSION", "PATCHLEVEL", "SUBLEVEL") if k in fields)


# -------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", default=DEFAULT_VERSION, help="kernel version of the tarball (default 6.12)")
    parser.add_argument("--kernel-src", type=Path, help="an unpacked kernel tree to use instead of the tarball")
    parser.add_argument("--extra", action="append", default=[], help="another path or glob to extract (repeatable)")


def main(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    started = time.monotonic()
    tree = kernel_tree(args.version, kernel_src=args.kernel_src, extra=args.extra)
    print(
        f"{tree.root} (Linux {release_of(tree.root) or tree.version}, from {tree.source}) in {time.monotonic() - started:.1f} s",
        file=stdout,
    )
    return 0
