"""Errors of the kernel-sources tools, in the style of gen/errors.py: what went wrong, and what to run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gen.errors import BridgeError


class KernelSourceMissing(BridgeError):
    """No tarball of the wanted kernel version is installed (and no tree was named)."""

    def __init__(self, version: str, looked_at: Sequence[str]) -> None:
        super().__init__(
            f"the Linux {version} sources are not installed (looked at: {', '.join(looked_at)})",
            f"run `apt-get install -y linux-source-{version}`, or set ZSWAP_KERNEL_TARBALL to a "
            f"linux-source-{version}.tar.xz, or pass --kernel-src DIR for an unpacked tree",
        )
        self.version = version


class KernelPathsMissing(BridgeError):
    """The tarball or tree lacks paths the project asked for (a typo in the table, or another kernel version)."""

    def __init__(self, source: Path, missing: Sequence[str]) -> None:
        super().__init__(
            f"{source} has no {', '.join(missing)}",
            "fix the path in gen/kernel/sources.py's KERNEL_PATHS (or the quote's tag), or point "
            "--kernel-src / ZSWAP_KERNEL_TARBALL at the kernel version the project cites",
        )
        self.missing = tuple(missing)


class KernelExtractFailed(BridgeError):
    """tar itself failed (a corrupt tarball, a full disk)."""

    def __init__(self, tarball: Path, detail: str) -> None:
        super().__init__(
            f"extracting from {tarball} failed: {detail.strip()}",
            "check the disk space under build/, then `apt-get install --reinstall -y "
            "linux-source-6.12` if the tarball is damaged",
        )
