"""Scratch folders that say whose they are, so the next run can clear those a killed run left.

Every run writes into a folder of its own (:func:`owned_folder`): TLC's
``-metadir`` under ``build/tlc/``, a behaviour diff's snapshots and dumps
under ``build/diff/``.  Two runs at once in one clone never share a file.
The folder holds ``.owner``, the creating process's pid and start time (the
start time tells a live owner from a new process that was given a dead
owner's pid).  A run killed with SIGKILL cannot remove its folder; the next
run in the same place does (:func:`remove_orphans`).  Folders without an
owner file (from before this was written, or half-created by another run
at this instant) are left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["OWNER_FILE", "owned_folder", "owner_alive", "remove_orphans"]

OWNER_FILE = ".owner"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # fields after "(comm)" start at field 3


def _identity(pid: int) -> str:
    return f"{pid} {_start_time(pid) or '-'}"


def owned_folder(root: Path, prefix: str) -> Path:
    """A new folder under ``root`` named ``prefix`` + random, owned by this process."""
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    (folder / OWNER_FILE).write_text(_identity(os.getpid()) + "\n")
    return folder


def owner_alive(folder: Path) -> bool | None:
    """Whether the process that made ``folder`` still runs; None when the folder says no owner."""
    try:
        pid_text, start = (folder / OWNER_FILE).read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    if not Path("/proc").is_dir():  # no procfs: only the pid can be asked
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return _start_time(pid) == start


def remove_orphans(root: Path) -> list[Path]:
    """Remove the folders under ``root`` whose owner is gone; returns them."""
    removed = []
    try:
        children = list(root.iterdir())
    except OSError:
        return []
    for child in children:
        if child.is_dir() and not child.is_symlink() and owner_alive(child) is False:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed
