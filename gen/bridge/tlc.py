"""The one entry point to TLC: build the command, run it, parse its -tool output.

The command is an argv list (never a shell).  Each run gets its own scratch
``-metadir`` under ``build/tlc/`` (removed afterwards unless ``keep_metadir``),
TLC's output is read line by line while it runs (``on_message`` sees every
message as it completes, for live progress), and a time limit kills TLC's
whole process group, so no JVM outlives the run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypedDict

from conformance import tlc_config
from gen.bridge import paths
from gen.bridge.java import Jar, Java, find_jar, find_java
from gen.bridge.no_verdict import error_for as error_for  # re-exported: its home moved to no_verdict
from gen.bridge.no_verdict import error_for_run
from gen.bridge.outcomes import (
    InconsistentExit,
    Outcome,
    TemporalPropertyViolated,
    Timeout,
)
from gen.bridge.scratch import owned_folder, remove_orphans
from gen.bridge.tool_output import Message, ToolOutput, ToolOutputParser

REPO_ROOT = paths.REPO_ROOT
SCRATCH_ROOT = paths.BUILD / "tlc"
# Overrides SCRATCH_ROOT (tests use it to stay clear of a concurrent `make clean`).
SCRATCH_ENV = "GEN_SCRATCH_DIR"


def default_scratch_root() -> Path:
    """Where run folders go unless the caller says: $GEN_SCRATCH_DIR, else build/tlc/."""
    return Path(os.environ.get(SCRATCH_ENV) or SCRATCH_ROOT)


# TLC asks for the throughput collector in its own banner (message 2401).
DEFAULT_JVM_OPTIONS: tuple[str, ...] = ("-XX:+UseParallelGC",)
# For a small model, the JIT's first tier only.  C2 compiling TLC's
# interpreter costs more CPU than it saves on a graph of a few thousand
# states (one worker, this 2-core machine, user CPU-s, default vs first tier
# only, distinct states): putback_head (104) 1.64 vs 0.82, none_liveness
# (6,377) 7.7 vs 5.8, sync_io_skip_if_exists_liveness (6,693) 11.0 vs 7.2,
# shared_skip_if_exists (7,919) 5.85 vs 2.72, reduced_swap_table (11,442)
# 8.2 vs 5.7; rotate_liveness (12,833) 12.7 vs 12.3 but rotate_starvation
# (the same graph) 10.2 vs 11.4, shared_rotate (27,825) 6.8 vs 8.4,
# skip_if_exists (53,839) 17.1 vs 21.4.  The measure is the manifest's
# runtime.states: a count, unlike seconds, does not move with the load.
QUICK_RUN_JVM_OPTIONS: tuple[str, ...] = ("-XX:TieredStopAtLevel=1",)
QUICK_RUN_STATES = 12_000
# Heap per JVM when several run side by side.  TLC's fingerprint set takes a
# quarter of the heap up front and touches it (the JVM's default heap, a
# quarter of RAM, made each run of a fast model 2.2 GB resident); its state
# queue and liveness graph are on disk.  512 MB holds 16 million fingerprints.
MIN_HEAP_MB, MAX_HEAP_MB = 512, 4096


def available_memory_mb() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def heap_options(jobs: int) -> tuple[str, ...]:
    """``-Xmx`` for one of ``jobs`` JVMs at once: half the available memory shared out, within bounds."""
    available = available_memory_mb()
    if available is None:
        return (f"-Xmx{MIN_HEAP_MB * 2}m",)
    share = available // 2 // max(1, jobs)
    return (f"-Xmx{max(MIN_HEAP_MB, min(MAX_HEAP_MB, share))}m",)


@dataclass(frozen=True)
class RunOptions:
    """Everything that decides a TLC run; the manifest entry maps onto this."""

    spec: Path
    config: Path
    mode: Literal["exhaustive", "simulate"] = "exhaustive"
    simulate_depth: int | None = None
    simulate_traces: int | None = None
    seed: int | None = None
    check_deadlock: bool = True
    timeout_seconds: float | None = None
    extra_args: tuple[str, ...] = ()
    workers: int | None = None  # None: one per core (TLC 2.15 has no -workers auto)
    # TLC picks a random fingerprint polynomial per run, and with it the order
    # of its liveness search: the same model then gives different lassos.  A
    # fixed one (-fp) makes every trace reproducible.  None: TLC's random one.
    fingerprint_polynomial: int | None = 0
    dump_dot: Path | None = None  # -dump dot,actionlabels: the state graph
    coverage_minutes: int | None = None
    keep_metadir: bool = False
    label: str | None = None  # names the scratch folder; defaults to the config's stem
    jvm_options: tuple[str, ...] = DEFAULT_JVM_OPTIONS


class RunSettings(TypedDict, total=False):
    """RunOptions' fields after spec and config, as keyword arguments a helper passes on
    (``**settings: Unpack[RunSettings]``); test_tlc checks that the two lists agree."""

    mode: Literal["exhaustive", "simulate"]
    simulate_depth: int | None
    simulate_traces: int | None
    seed: int | None
    check_deadlock: bool
    timeout_seconds: float | None
    extra_args: tuple[str, ...]
    workers: int | None
    fingerprint_polynomial: int | None
    dump_dot: Path | None
    coverage_minutes: int | None
    keep_metadir: bool
    label: str | None
    jvm_options: tuple[str, ...]


@dataclass(frozen=True)
class TlcRun:
    """One finished TLC run."""

    command: tuple[str, ...]
    output: ToolOutput
    wall_seconds: float
    metadir: Path  # the run's scratch folder; deleted unless metadir_kept
    metadir_kept: bool
    pid: int  # TLC's pid, also its process group id (gone when run_tlc returns)
    raw_output: str = field(repr=False)
    cached: bool = False  # served from gen.bridge.cache: TLC did not run now; wall_seconds is the original run's

    @property
    def outcome(self) -> Outcome:
        return self.output.outcome

    def raise_for_error(self) -> TlcRun:
        """Raise the typed error for a run that gave no verdict; else return self.

        Success and every kind of violation are verdicts; a spec that does not
        parse, a time limit, a killed or crashed JVM, a cut stream are not.
        """
        error = error_for_run(self)
        if error is not None:
            raise error
        return self


def build_command(options: RunOptions, metadir: Path, java: Java, jar: Jar) -> list[str]:
    """The exact argv for ``options`` (what --dry-run prints)."""
    # TLC 2.15 copies the standard modules (Naturals.tla, ...) into
    # java.io.tmpdir and deletes them on exit: two runs sharing /tmp race,
    # and one fails with "Cannot find source file for module Sequences".
    # The run's own scratch folder keeps them apart.
    argv = [str(java.path), *options.jvm_options, f"-Djava.io.tmpdir={metadir}"]
    argv += ["-cp", str(jar.path), "tlc2.TLC", "-tool"]
    argv += ["-metadir", str(metadir)]
    if "-workers" not in options.extra_args:
        argv += ["-workers", str(options.workers or os.cpu_count() or 1)]
    if options.fingerprint_polynomial is not None and "-fp" not in options.extra_args:
        argv += ["-fp", str(options.fingerprint_polynomial)]
    if not options.check_deadlock:
        argv.append("-deadlock")  # TLC's -deadlock means: do NOT check for deadlock
    if options.mode == "simulate":
        argv.append("-simulate")
        if options.simulate_traces is not None:
            argv.append(f"num={options.simulate_traces}")
        if options.simulate_depth is not None:
            argv += ["-depth", str(options.simulate_depth)]
        if options.seed is not None:
            argv += ["-seed", str(options.seed)]
    if options.coverage_minutes is not None:
        argv += ["-coverage", str(options.coverage_minutes)]
    if options.dump_dot is not None:
        argv += ["-dump", "dot,actionlabels", str(options.dump_dot)]
    argv += list(options.extra_args)
    # TLC 2.15 reads -config relative to the spec's folder (an absolute path
    # is "File not found"), and the run's cwd is that folder.
    spec = options.spec.resolve()
    argv += ["-config", os.path.relpath(options.config.resolve(), spec.parent), str(spec)]
    return argv


def format_command(argv: list[str] | tuple[str, ...]) -> str:
    """A shell-pasteable rendering of ``argv``."""
    return shlex.join(argv)


def dry_run_command(options: RunOptions) -> list[str]:
    """The command a run would use, with a placeholder scratch folder."""
    metadir = default_scratch_root() / f"{_label(options)}-XXXXXXXX"
    return build_command(options, metadir, find_java(), find_jar())


def _label(options: RunOptions) -> str:
    raw = options.label or options.config.stem
    return re.sub(r"[^A-Za-z0-9_.-]", "_", raw)


def run_tlc(
    options: RunOptions,
    *,
    on_message: Callable[[Message], None] | None = None,
    scratch_root: Path | None = None,
) -> TlcRun:
    """Run TLC to the end (or the time limit) and parse what it said.

    The run's scratch folder is made under ``scratch_root`` (default:
    :func:`default_scratch_root`).
    """
    java, jar = find_java(), find_jar()
    scratch_root = scratch_root or default_scratch_root()
    remove_orphans(scratch_root)  # the folders of runs that were killed (SIGKILL) before they could
    metadir = owned_folder(scratch_root, f"{_label(options)}-")
    argv = build_command(options, metadir, java, jar)
    parser = ToolOutputParser()
    raw: list[str] = []
    timed_out = threading.Event()
    started = time.monotonic()
    process = subprocess.Popen(
        _launched(argv),
        cwd=options.spec.resolve().parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # its own process group: killpg reaches every child
    )
    watchdog = None
    if options.timeout_seconds is not None:
        watchdog = threading.Timer(options.timeout_seconds, _expire, (process, timed_out))
        watchdog.daemon = True
        watchdog.start()
    with _live_lock:
        _live[process.pid] = (process, None if options.keep_metadir else metadir)
    try:
        with stopping_tlc_on_termination():
            assert process.stdout is not None
            for line in process.stdout:
                raw.append(line)
                message = parser.feed(line)
                if message is not None and on_message is not None:
                    on_message(message)
            exit_code = process.wait()
    finally:
        if watchdog is not None:
            watchdog.cancel()
        # Reached with TLC still running only on an exception (Ctrl-C, a
        # failing callback): never leave a JVM behind.
        _kill_group(process)
        process.wait()
        with _live_lock:
            _live.pop(process.pid, None)
        if process.stdout is not None:
            process.stdout.close()
        if not options.keep_metadir:
            shutil.rmtree(metadir, ignore_errors=True)
    wall = time.monotonic() - started
    output = interpret(options, parser.finish(exit_code), timed_out=timed_out.is_set())
    return TlcRun(tuple(argv), output, wall, metadir, options.keep_metadir, process.pid, "".join(raw))


def interpret(options: RunOptions, output: ToolOutput, *, timed_out: bool = False) -> ToolOutput:
    """What the bridge adds to TLC's own word: the time limit, the violated temporal property's name."""
    if timed_out:
        return replace(output, outcome=Timeout(options.timeout_seconds or 0.0))
    outcome = output.outcome
    if isinstance(outcome, InconsistentExit) and outcome.exit_code == 0 and "-continue" in options.extra_args:
        # With -continue TLC 2.15 reports a violation, explores on and exits 0: the message is the verdict.
        return replace(output, outcome=outcome.from_messages)
    if isinstance(output.outcome, TemporalPropertyViolated):
        return replace(output, outcome=name_temporal_violation(options.config))
    return output


# Sets the death signal, then becomes TLC (exec keeps it): the JVM gets SIGKILL
# when the thread that started it dies, even by SIGKILL, which no handler sees.
# A launcher rather than Popen's preexec_fn: preexec_fn may deadlock in a
# process with threads (Python's documentation), and make check runs TLC from
# threads.  It exits if the bridge died before the signal was set.
_LAUNCHER = """\
import ctypes, os, signal, sys
PR_SET_PDEATHSIG = 1
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_PDEATHSIG) failed: " + os.strerror(ctypes.get_errno()))
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)
try:
    os.execv(sys.argv[2], sys.argv[2:])
except OSError as error:
    sys.exit(f"cannot run {sys.argv[2]}: {error}")
"""


def _launched(argv: list[str]) -> list[str]:
    """``argv`` behind the death-signal launcher on Linux; as is elsewhere (no PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return argv
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid()), *argv]


# Every TLC this process has running, with the scratch folder to remove when it is stopped:
# several run at once in threads (make check side by side), and a signal stops them all.
_live: dict[int, tuple[subprocess.Popen[str], Path | None]] = {}
_live_lock = threading.Lock()


def stop_every_tlc() -> None:
    """Kill every TLC this process started that still runs, reap it, remove its scratch folder."""
    with _live_lock:
        running = list(_live.values())
    for process, _ in running:
        _kill_group(process)
    for process, metadir in running:
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)  # reap it: gone, not merely signalled, when we exit
        if metadir is not None:
            shutil.rmtree(metadir, ignore_errors=True)


@contextmanager
def stopping_tlc_on_termination() -> Iterator[None]:
    """While inside, SIGTERM or SIGHUP to us first stops every TLC we run (:func:`stop_every_tlc`).

    TLC runs in its own session (so a time limit can kill its whole group),
    which also means a terminal hang-up or a `kill` of this process would
    not reach it: without this, the JVM would outlive us (SIGKILL, which
    cannot be caught, is covered by the death signal of :func:`_launcher`).
    Signals only reach the main thread, so elsewhere this does nothing (the
    caller that runs TLC in threads enters it in the main thread); a signal
    that is ignored (nohup) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def stop_tlc_then_ours(signum: int, frame: object) -> None:
        stop_every_tlc()
        old = previous[signum]
        signal.signal(signum, old)
        if callable(old):
            old(signum, frame)
        else:
            os.kill(os.getpid(), signum)  # the default action, now that TLC is gone

    for sent in (signal.SIGTERM, signal.SIGHUP):
        old = signal.getsignal(sent)
        if old is not signal.SIG_IGN:
            previous[sent] = old
            signal.signal(sent, stop_tlc_then_ours)
    try:
        yield
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler)


def _expire(process: subprocess.Popen[str], timed_out: threading.Event) -> None:
    timed_out.set()
    _kill_group(process)


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


# ----------------------------------------------------------- config reading

_CFG_KEYWORDS = tlc_config.KEYWORDS
_CFG_COMMENTS = re.compile(r"\\\*[^\n]*|\(\*.*?\*\)", re.DOTALL)


def config_properties(config: Path) -> tuple[str, ...]:
    """The names listed under PROPERTY/PROPERTIES in a TLC config file."""
    words = _CFG_COMMENTS.sub(" ", config.read_text()).split()
    names: list[str] = []
    collecting = False
    for word in words:
        if word in _CFG_KEYWORDS:
            collecting = word in ("PROPERTY", "PROPERTIES")
        elif collecting:
            names.append(word)
    return tuple(names)


def name_temporal_violation(config: Path) -> TemporalPropertyViolated:
    """TLC 2.15 does not name the violated temporal property; the config may.

    With exactly one PROPERTY the name is certain.  With several, all are
    returned as candidates (so a manifest expecting one of them sees a
    mismatch that says why): give such models one property each.
    """
    names = config_properties(config)
    if len(names) == 1:
        return TemporalPropertyViolated(names[0])
    return TemporalPropertyViolated(None, names)
