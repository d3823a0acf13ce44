"""TLC's results kept by a digest of everything TLC reads, so an unchanged model costs nothing.

The key (:func:`run_key`) is a sha256 over every ``.tla`` file in the spec's
folder (a superset of the modules the root module extends or instantiates;
the standard modules come from the jar), the ``.cfg`` file, the jar's
sha256, the Java version, TLC's switches as the bridge passes them (workers,
``-fp``, ``-deadlock``, ``-lncheck``, ``-dump``, the manifest's
``extra_args``) and :data:`CACHE_FORMAT`.  JVM options (``-Xmx``) and the
time limit are not in it: they decide whether a run finishes, never what
it finds, and only runs that reach a verdict are stored.

An entry keeps TLC's raw ``-tool`` output and exit code, not the parsed
result: a cached run is parsed anew by today's parser, so a fix to the
parser applies to it and no parser version has to be bumped by hand.
State-graph dumps (``-dump dot``) are kept beside the entry, gzipped.

Entries live under ``build/cache/tlc/`` (``$GEN_CACHE_DIR`` overrides it)
and are published atomically: written to a temporary name in the same
folder, then renamed (:mod:`gen.bridge.files`), so two runs writing the
same key, or a run killed mid-write, never leave half an entry.
``$GEN_FRESH=1`` (CI sets it) or ``fresh=True`` (``--fresh``) skips the
lookup; the fresh result is stored all the same.

A hit touches its entry, so an entry's mtime says when it was last used.
:func:`prune` removes entries by that age: the oldest beyond a count, those
unused for some days, the oldest until the folder fits a size
(``python -m gen cache prune``); every store prunes to
``$GEN_CACHE_MAX_MB`` (default :data:`DEFAULT_MAX_MB`), so the folder stays
bounded without anyone thinking of it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gen.bridge import paths
from gen.bridge.files import FILE_MODE, write_json_atomically
from gen.bridge.java import find_jar, find_java
from gen.bridge.tlc import RunOptions, TlcRun, build_command, error_for, interpret, run_tlc
from gen.bridge.tool_output import Message, parse_tool_output

__all__ = [
    "CACHE_ENV",
    "CACHE_FORMAT",
    "DEFAULT_MAX_MB",
    "Entry",
    "FRESH_ENV",
    "MAX_MB_ENV",
    "Pruned",
    "cache_root",
    "cached_run",
    "entries",
    "fresh_from_env",
    "max_bytes_from_env",
    "prune",
    "run_key",
]

CACHE_ENV = "GEN_CACHE_DIR"
FRESH_ENV = "GEN_FRESH"
MAX_MB_ENV = "GEN_CACHE_MAX_MB"
# A fast check stores about 45 entries of a few hundred KB, the review's graph dumps
# (gzipped) tens of MB each: a few GB holds many revisions' worth of both.
DEFAULT_MAX_MB = 2048
_STALE_TEMPORARY_SECONDS = 24 * 3600  # a temporary file this old is a killed writer's leftover
# Bump when an entry's layout changes (not when the parser does: entries are parsed anew).
CACHE_FORMAT = 1
_METADIR = Path("/metadir")  # a placeholder: each run's scratch folder differs, its name is no input
_DUMP = "<dump>"


def cache_root() -> Path:
    """$GEN_CACHE_DIR, else build/cache/tlc/."""
    return Path(os.environ.get(CACHE_ENV) or paths.BUILD / "cache" / "tlc")


def fresh_from_env() -> bool:
    """True when $GEN_FRESH asks every run to be fresh (CI)."""
    return os.environ.get(FRESH_ENV, "") not in ("", "0")


def spec_files_digest(spec: Path) -> str:
    """A digest of every ``.tla`` file beside ``spec`` (names and bytes), the modules TLC may read."""
    digest = hashlib.sha256()
    for path in sorted(spec.resolve().parent.glob("*.tla")):
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cacheable(options: RunOptions) -> bool:
    """Only runs whose result the inputs decide: no random seed, no kept scratch folder to hand back."""
    if options.keep_metadir:
        return False
    if options.mode == "simulate":
        return options.seed is not None
    return options.fingerprint_polynomial is not None or "-fp" in options.extra_args


def run_key(options: RunOptions) -> str:
    """The digest of everything that decides what TLC finds for ``options``."""
    java, jar = find_java(), find_jar()
    argv = build_command(options, _METADIR, java, jar)
    switches = argv[argv.index("tlc2.TLC") + 1 : -3]  # TLC's switches, without -config FILE SPEC
    switches = [_DUMP if options.dump_dot is not None and a == str(options.dump_dot) else a for a in switches]
    inputs = {
        "format": CACHE_FORMAT,
        "jar": jar.sha256,
        "java": java.version,
        "switches": switches,
        "spec": options.spec.name,
        "spec_files": spec_files_digest(options.spec),
        "config": hashlib.sha256(options.config.read_bytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def cached_run(
    options: RunOptions,
    *,
    fresh: bool = False,
    on_message: Callable[[Message], None] | None = None,
    scratch_root: Path | None = None,
    root: Path | None = None,
) -> TlcRun:
    """``run_tlc(options)``, or the stored result of the same inputs (``TlcRun.cached``)."""
    if not cacheable(options):
        return run_tlc(options, on_message=on_message, scratch_root=scratch_root)
    root = root or cache_root()
    key = run_key(options)
    entry = root / key[:2] / f"{key}.json"
    if not (fresh or fresh_from_env()):
        hit = _load(entry, options)
        if hit is not None:
            _touch(entry)
            return hit
    run = run_tlc(options, on_message=on_message, scratch_root=scratch_root)
    if error_for(run.outcome) is None:
        _store(entry, options, run)
        prune(root, max_bytes=max_bytes_from_env(), spare=entry)
    return run


def max_bytes_from_env() -> int:
    """The size the cache is pruned to after each store: $GEN_CACHE_MAX_MB, else DEFAULT_MAX_MB."""
    text = os.environ.get(MAX_MB_ENV, "")
    try:
        megabytes = float(text) if text else DEFAULT_MAX_MB
    except ValueError:
        megabytes = DEFAULT_MAX_MB  # a typo must not stop a check; the default bound still holds
    return int(max(megabytes, 0) * 1e6)


@dataclass(frozen=True)
class Entry:
    """One cached run: its ``.json``, its dump if any, when it was last used, their bytes."""

    json: Path
    used: float  # the .json's mtime: stored or last hit
    size: int

    @property
    def files(self) -> tuple[Path, Path]:
        return self.json, _dot_copy(self.json)


@dataclass(frozen=True)
class Pruned:
    """What :func:`prune` removed and what is left."""

    removed: int
    freed: int  # bytes
    kept: int
    size: int  # bytes left


def entries(root: Path | None = None) -> list[Entry]:
    """Every entry under ``root`` (default: :func:`cache_root`), the most recently used first."""
    root = root or cache_root()
    found = []
    for path in root.glob("??/*.json"):
        try:
            stat = path.stat()
        except OSError:
            continue  # pruned meanwhile by another process
        size = stat.st_size
        try:
            size += _dot_copy(path).stat().st_size
        except OSError:
            pass
        found.append(Entry(path, stat.st_mtime, size))
    return sorted(found, key=lambda e: (-e.used, e.json.name))


def prune(
    root: Path | None = None,
    *,
    keep: int | None = None,
    older_than_days: float | None = None,
    max_bytes: int | None = None,
    spare: Path | None = None,
    now: float | None = None,
) -> Pruned:
    """Remove entries: beyond the ``keep`` most recently used, unused for ``older_than_days``,
    and the least recently used until the rest fits in ``max_bytes``.  ``spare`` (an entry's
    ``.json``) is never removed: the run that just stored it is about to read it.  Stale
    temporary files of killed writers go too.  Another process may be reading an entry as it
    goes: its load fails like a cut entry's and it runs TLC instead."""
    root = root or cache_root()
    now = time.time() if now is None else now
    found = entries(root)
    doomed: list[Entry] = []
    kept: list[Entry] = []
    for rank, entry in enumerate(found):
        too_many = keep is not None and rank >= keep
        too_old = older_than_days is not None and now - entry.used > older_than_days * 86400
        (doomed if (too_many or too_old) and entry.json != spare else kept).append(entry)
    if max_bytes is not None:
        size = sum(entry.size for entry in kept)
        for entry in reversed(kept[:]):  # the least recently used first
            if size <= max_bytes:
                break
            if entry.json != spare:
                kept.remove(entry)
                doomed.append(entry)
                size -= entry.size
    for entry in doomed:
        for path in entry.files:  # the .json first: no entry is ever left without its dump
            path.unlink(missing_ok=True)
    for temporary in root.glob("??/.*.tmp"):
        try:
            if now - temporary.stat().st_mtime > _STALE_TEMPORARY_SECONDS:
                temporary.unlink(missing_ok=True)
        except OSError:
            continue
    return Pruned(
        removed=len(doomed),
        freed=sum(entry.size for entry in doomed),
        kept=len(kept),
        size=sum(entry.size for entry in kept),
    )


def _touch(entry: Path) -> None:
    """Mark ``entry`` used now (prune's age); a read-only cache still serves hits."""
    try:
        os.utime(entry)
    except OSError:
        pass


def _dot_copy(entry: Path) -> Path:
    return entry.with_suffix(".dot.gz")


def _load(entry: Path, options: RunOptions) -> TlcRun | None:
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        if data.get("format") != CACHE_FORMAT:
            return None
        if options.dump_dot is not None:
            _unpack(_dot_copy(entry), options.dump_dot)
    except (OSError, ValueError, EOFError, gzip.BadGzipFile):
        return None  # missing, unreadable or cut: run TLC and store it anew
    output = interpret(options, parse_tool_output(data["raw_output"], data["exit_code"]))
    return TlcRun(
        command=tuple(data["command"]),
        output=output,
        wall_seconds=float(data["wall_seconds"]),
        metadir=Path(data["metadir"]),
        metadir_kept=False,
        pid=int(data["pid"]),
        raw_output=data["raw_output"],
        cached=True,
    )


def _store(entry: Path, options: RunOptions, run: TlcRun) -> None:
    # The dump first: an entry is only ever visible with its dump already in place.
    if options.dump_dot is not None:
        _pack(options.dump_dot, _dot_copy(entry))
    write_json_atomically(
        entry,
        {
            "format": CACHE_FORMAT,
            "command": list(run.command),
            "exit_code": run.output.exit_code,
            "wall_seconds": round(run.wall_seconds, 3),
            "metadir": str(run.metadir),
            "pid": run.pid,
            "raw_output": run.raw_output,
        },
    )


def _pack(source: Path, target: Path) -> None:
    """gzip ``source`` to ``target`` atomically (level 1: dumps are large, and speed matters more)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as out:
            with source.open("rb") as stream:
                shutil.copyfileobj(stream, out, 1 << 20)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _unpack(source: Path, target: Path) -> None:
    """Decompress ``source`` to ``target`` atomically (the caller reads ``target`` as TLC's dump)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, gzip.open(source, "rb") as stream:
            shutil.copyfileobj(stream, out, 1 << 20)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
