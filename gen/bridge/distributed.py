"""TLC 2.15's distributed mode: one ``TLCServer`` and N ``TLCWorker`` JVMs.

What 2.15 can check this way, and the ports and commands each host runs,
are in spec/README.md ("Distributed runs"); in short: invariants and
``[][A]_v`` action properties, with SYMMETRY, VIEW, ``-fp`` and
``-deadlock``; no temporal properties (the server dies of a
NullPointerException), no simulation, no ``-dump``, no coverage.  A model
that needs any of those is refused by :func:`check_supported` before
anything starts.

Three ways the server's output differs from a single-process run, and what
this module does about each (measured on TLC 2.15 rev d5b5a7f):

* a violation prints no cause (no ``Invariant X is violated``; the same as
  tlaplus/tlaplus#752 in 2.18) and exits 0, so the stream alone would read
  as a success.  The bridge names it by re-checking the reported step with
  single-process TLC (:func:`name_violation`, a two-state run of a few
  seconds), so the outcome is the same typed verdict ``gen check`` gives;
* the trace is the last step only: the violating state and its
  predecessor (mislabelled ``<Initial predicate>``), or for a deadlock the
  deadlocked state alone.  ``DistributedRun.trace_is_last_step`` says so;
  ``python -m gen run --model NAME`` gives the whole trace;
* the reported depth is the server's trace level, not a breadth-first
  depth (skip_if_exists: 55, single-process 44), so it is never compared.

Every process is started in its own session (a time limit kills its whole
group) with ``PR_SET_PDEATHSIG`` set to SIGKILL, so even a SIGKILL of this
process takes the JVMs with it.  The death signal follows the *thread* that
started them: call :func:`run_distributed` from a thread that outlives the
run (the main thread, as ``gen check`` does).
"""

from __future__ import annotations

import ctypes
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from conformance import tlc_config
from conformance.values import FnValue, ModelValue
from gen.bridge.errors import BridgeError, TlcFailed
from gen.bridge.java import find_jar, find_java
from gen.bridge.outcomes import (
    ActionPropertyViolated,
    Deadlock,
    InvariantViolated,
    Outcome,
    Timeout,
    TlcCrash,
)
from gen.bridge.tlc import RunOptions, TlcRun, config_properties, default_scratch_root, run_tlc
from gen.bridge.tool_output import Code, Message, ToolOutput, ToolOutputParser

SERVER_CLASS = "tlc2.tool.distributed.TLCServer"
WORKER_CLASS = "tlc2.tool.distributed.TLCWorker"
# TLCServer.Port: the RMI registry, on the server host; every worker reads the same property.
DEFAULT_PORT = 10997
PORT_PROPERTY = "tlc2.tool.distributed.TLCServer.port"
# How often the server prints its counts (ms); its default is a minute.
REPORT_PROPERTY = "tlc2.tool.distributed.TLCServer.report"
# Threads per worker JVM; TLC's default is one per core of the worker's host.
THREADS_PROPERTY = "tlc2.tool.distributed.TLCWorker.threadCount"

# tlc2.output.EC codes only the distributed engine prints.
SERVER_RUNNING = 7000
WORKER_REGISTERED = 7001
WORKER_STATS = 7003
WORKER_LOST = 7006

# The switches TLCApp (the server's argument parser) accepts besides -tool,
# -metadir, -config and -deadlock, which the bridge sets itself.  Anything
# else makes TLC 2.15's server die of a NullPointerException.
SERVER_SWITCHES: dict[str, int] = {  # switch -> how many values follow it
    "-fp": 1,
    "-fpbits": 1,
    "-fpmem": 1,
    "-maxSetSize": 1,
    "-checkpoint": 1,
    "-recover": 1,
    "-terse": 0,
    "-nowarning": 0,
}

# After the last worker died, how long the server may take to finish on its own.
LOST_WORKERS_GRACE_SECONDS = 10.0
_POLL_SECONDS = 0.2
VERDICT_MODULE = "DistributedVerdict"


class DistributedUnsupported(BridgeError):
    """The model needs something TLC 2.15's distributed mode does not do."""

    def __init__(self, model: str, why: str) -> None:
        super().__init__(
            f"{model} cannot be checked by TLC 2.15's distributed mode: {why}",
            "run it single-process (`python -m gen check --only NAME`, without --distributed); "
            'what the distributed mode supports: spec/README.md, "Distributed runs"',
        )


class DistributedWorkersLost(TlcFailed):
    """Every worker died before the server finished: nobody is left to explore."""

    def __init__(self, exits: Sequence[WorkerExit], server_pid: int) -> None:
        self.server_pid = server_pid
        detail = "; ".join(f"worker {w.index} (pid {w.pid}) exited {w.exit_code}, log {w.log}" for w in exits)
        super().__init__(
            f"all TLC workers died before the server finished ({detail}); the server and every worker were stopped",
            "read the worker logs (kept, as is the run folder); a worker that runs out of heap needs a larger "
            "--worker-heap; rerun with more --local-workers to survive the loss of one",
        )


@dataclass(frozen=True)
class DistributedOptions:
    """One distributed run: the model's RunOptions plus where the workers run."""

    run: RunOptions
    local_workers: int = 2
    hosts: tuple[str, ...] = ()  # named hosts: their commands are printed, nothing is started there
    port: int | None = None  # None: a free port for local runs, DEFAULT_PORT with hosts
    server_address: str | None = None  # how workers reach the server; default localhost / this host's name
    worker_threads: int = 1
    server_heap: str = "2g"
    worker_heap: str = "1g"
    report_seconds: int = 10


@dataclass(frozen=True)
class WorkerExit:
    index: int
    pid: int
    exit_code: int | None  # None: still running when the run ended (then stopped)
    early: bool  # exited before the server had finished: the server re-queued its work, or stalled
    log: Path


@dataclass(frozen=True)
class DistributedRun:
    run: TlcRun  # the server's output, its outcome named by name_violation
    workers: tuple[WorkerExit, ...]
    verdict_run: TlcRun | None = None  # the single-process re-check that named a violation
    registered_workers: int = 0
    lost_workers: int = 0  # TLC's own count (message 7006) of workers it lost mid-run

    @property
    def outcome(self) -> Outcome:
        return self.run.outcome

    @property
    def trace_is_last_step(self) -> bool:
        """TLC 2.15's server prints only the last step of a counterexample (see the module docstring)."""
        return bool(self.run.output.traces)


# ------------------------------------------------------------ what it supports


def check_supported(options: RunOptions, name: str) -> None:
    """Refuse, before anything starts, a model TLC 2.15's distributed mode cannot check."""
    if options.mode != "exhaustive":
        raise DistributedUnsupported(name, "simulation has no distributed mode (TLCServer explores exhaustively)")
    if options.dump_dot is not None:
        raise DistributedUnsupported(name, "the server cannot -dump its state graph")
    if options.coverage_minutes is not None:
        raise DistributedUnsupported(name, "the server ignores -coverage")
    _check_switches(server_args(options.extra_args), name)
    for prop in config_properties(options.config):
        if not _is_action_property(prop, options.spec.resolve().parent):
            raise DistributedUnsupported(
                name,
                f"PROPERTY {prop} is not of the form [][A]_v; the distributed mode checks no temporal "
                "properties (TLC 2.15's server dies of a NullPointerException on one)",
            )
    sections = config_sections(options.config.read_text())
    if "INIT" not in sections or "NEXT" not in sections:
        raise DistributedUnsupported(
            name, "its config has no INIT and NEXT (a violation is named by re-checking its step with them)"
        )


def server_args(args: Sequence[str]) -> tuple[str, ...]:
    """TLC's switches without ``-lncheck final``: a single-process liveness setting the bridge adds
    to every model with properties (gen.bridge.checking.liveness_switches); the server takes no
    -lncheck, and a temporal property is refused on its own."""
    out: list[str] = []
    i = 0
    while i < len(args):
        if args[i] == "-lncheck" and i + 1 < len(args) and args[i + 1] == "final":
            i += 2
            continue
        out.append(args[i])
        i += 1
    return tuple(out)


def _check_switches(args: Sequence[str], name: str) -> None:
    i = 0
    while i < len(args):
        switch = args[i]
        if switch not in SERVER_SWITCHES:
            raise DistributedUnsupported(
                name, f"TLCServer does not take {switch} (it takes {', '.join(sorted(SERVER_SWITCHES))})"
            )
        i += 1 + SERVER_SWITCHES[switch]


def _is_action_property(name: str, spec_dir: Path) -> bool:
    """True when ``name``'s definition in a module of ``spec_dir`` is ``[][...]_...`` (an action property)."""
    definition = re.compile(rf"^{re.escape(name)}\s*==\s*(\S.{{0,3}})", re.MULTILINE)
    for module in sorted(spec_dir.glob("*.tla")):
        found = definition.search(module.read_text(errors="replace"))
        if found is not None:
            return found.group(1).startswith("[][")
    return False  # not found: cannot say it is one


def config_sections(text: str) -> dict[str, list[str]]:
    """A config's sections: keyword -> the words under it (comments removed)."""
    text = re.sub(r"\\\*[^\n]*|\(\*.*?\*\)", " ", text, flags=re.DOTALL)
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for word in text.split():
        if word in tlc_config.KEYWORDS:
            current = sections.setdefault(word, [])
        elif current is not None:
            current.append(word)
    return sections


# ------------------------------------------------------------------ commands


def server_command(options: DistributedOptions, stage: Path, metadir: Path, tmpdir: Path, port: int) -> list[str]:
    """The server's argv; it runs in ``stage`` (the spec and cfg side by side, as workers fetch them by name).

    ``tmpdir`` must exist: TLC copies its standard modules there (and a
    private one keeps concurrent runs apart, as in gen/bridge/tlc.py).
    """
    run = options.run
    java, jar = find_java(), find_jar()
    argv = [str(java.path), f"-Xmx{options.server_heap}", *run.jvm_options]
    argv += [f"-D{PORT_PROPERTY}={port}", f"-D{REPORT_PROPERTY}={options.report_seconds * 1000}"]
    argv += [f"-Djava.io.tmpdir={tmpdir}", "-cp", str(jar.path), SERVER_CLASS, "-tool", "-metadir", str(metadir)]
    if run.fingerprint_polynomial is not None and "-fp" not in run.extra_args:
        argv += ["-fp", str(run.fingerprint_polynomial)]
    if not run.check_deadlock:
        argv.append("-deadlock")
    argv += list(server_args(run.extra_args))
    argv += ["-config", run.config.name, str(stage / run.spec.name)]
    return argv


def worker_command(options: DistributedOptions, server: str, port: int, tmpdir: str) -> list[str]:
    """A worker's argv: it fetches the spec and cfg from the server over RMI."""
    java, jar = find_java(), find_jar()
    argv = [str(java.path), f"-Xmx{options.worker_heap}", *options.run.jvm_options]
    argv += [f"-D{PORT_PROPERTY}={port}", f"-D{THREADS_PROPERTY}={options.worker_threads}"]
    argv += [f"-Djava.io.tmpdir={tmpdir}", "-cp", str(jar.path), WORKER_CLASS, server]
    return argv


def host_worker_command(options: DistributedOptions, port: int) -> str:
    """What each named host runs (its own java and tla2tools.jar 2.15 on the path given)."""
    server = options.server_address or socket.getfqdn()  # pass --server-address where this is not resolvable
    return (
        f"java -Xmx{options.worker_heap} -XX:+UseParallelGC -D{PORT_PROPERTY}={port} "
        f"-D{THREADS_PROPERTY}=$(nproc) -Djava.rmi.server.hostname=$(hostname -f) "
        f"-cp tla2tools.jar {WORKER_CLASS} {server}"
    )


def free_port() -> int:
    """A TCP port nobody listens on now (local runs: tests side by side must not share 10997)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------ processes

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A preexec_fn: SIGKILL this child when its parent goes, however the parent goes."""

    def arm() -> None:
        if _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(126)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(126)

    return arm


def spawn(argv: Sequence[str], *, cwd: Path, stdout: IO[Any] | int) -> subprocess.Popen[str]:
    """Start one JVM in its own session, bound to die with us."""
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
        preexec_fn=_die_with_parent(os.getpid()),
    )


def stop(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process's whole group and reap it."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)


@contextmanager
def _stop_all_on_termination(processes: list[subprocess.Popen[str]]) -> Iterator[None]:
    """SIGTERM or SIGHUP to us stops every JVM first, then takes its usual course."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def stop_then_ours(signum: int, frame: object) -> None:
        for process in processes:
            stop(process)
        old = previous[signum]
        signal.signal(signum, old)
        if callable(old):
            old(signum, frame)
        else:
            os.kill(os.getpid(), signum)

    for sent in (signal.SIGTERM, signal.SIGHUP):
        old = signal.getsignal(sent)
        if old is not signal.SIG_IGN:
            previous[sent] = old
            signal.signal(sent, stop_then_ours)
    try:
        yield
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler)


# ------------------------------------------------------------------ the run


@dataclass
class _Server:
    """The server's output as it arrives (read on a thread, handed over through a queue)."""

    process: subprocess.Popen[str]
    parser: ToolOutputParser = field(default_factory=ToolOutputParser)
    raw: list[str] = field(default_factory=list)
    inbox: queue.Queue[Message] = field(default_factory=queue.Queue)
    reader: threading.Thread | None = None

    def start_reading(self) -> None:
        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.raw.append(line)
                message = self.parser.feed(line)
                if message is not None:
                    self.inbox.put(message)

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()


def stage_spec(options: RunOptions, stage: Path) -> None:
    """The spec's modules and the cfg in one folder: workers ask the server for files by bare name."""
    stage.mkdir(parents=True)
    for module in sorted(options.spec.resolve().parent.glob("*.tla")):
        shutil.copy2(module, stage / module.name)
    shutil.copy2(options.config, stage / options.config.name)


def run_distributed(
    options: DistributedOptions,
    *,
    name: str | None = None,
    on_message: Callable[[Message], None] | None = None,
    on_hosts: Callable[[list[str]], None] | None = None,
    on_workers: Callable[[list[int]], None] | None = None,
    scratch_root: Path | None = None,
) -> DistributedRun:
    """Run the server and the local workers to the end (or the time limit); every JVM is gone on return.

    With ``options.hosts`` no local worker is started: ``on_hosts`` gets the
    command each host runs, and the server waits for them (within the time limit).
    ``on_workers`` gets the local workers' pids once they are started.
    """
    run = options.run
    label = name or run.label or run.config.stem
    check_supported(run, label)
    scratch_root = scratch_root or default_scratch_root()
    scratch_root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{label}-distributed-", dir=scratch_root))
    stage, metadir = folder / "spec", folder / "meta"
    stage_spec(run, stage)
    (folder / "tmp").mkdir()
    port = options.port or (DEFAULT_PORT if options.hosts else free_port())
    argv = server_command(options, stage, metadir, folder / "tmp", port)
    processes: list[subprocess.Popen[str]] = []
    workers: list[tuple[int, subprocess.Popen[str], Path]] = []
    exits: list[WorkerExit] = []
    keep = run.keep_metadir
    started = time.monotonic()
    timed_out = False
    lost: list[WorkerExit] = []
    try:
        with _stop_all_on_termination(processes):
            server = _Server(spawn(argv, cwd=stage, stdout=subprocess.PIPE))
            processes.append(server.process)
            server.start_reading()
            seen: set[int] = set()
            all_lost_at: float | None = None
            while True:
                while not server.inbox.empty():
                    message = server.inbox.get()
                    seen.add(message.code)
                    if on_message is not None:
                        on_message(message)
                    if message.code == SERVER_RUNNING and not workers:
                        if options.hosts:
                            if on_hosts is not None:
                                on_hosts([host_worker_command(options, port) for _ in options.hosts])
                        else:
                            workers = _start_workers(options, folder, port, processes)
                            if on_workers is not None:
                                on_workers([process.pid for _, process, _ in workers])
                if server.process.poll() is not None:
                    break
                if run.timeout_seconds is not None and time.monotonic() - started > run.timeout_seconds:
                    timed_out = True
                    break
                finishing = WORKER_STATS in seen or Code.TLC_FINISHED in seen
                for index, process, log in workers:
                    if process.poll() is not None and all(e.index != index for e in exits):
                        exits.append(WorkerExit(index, process.pid, process.returncode, not finishing, log))
                early = [e for e in exits if e.early]
                if workers and len(early) == len(workers) and not finishing:
                    all_lost_at = all_lost_at or time.monotonic()
                    if time.monotonic() - all_lost_at > LOST_WORKERS_GRACE_SECONDS:
                        lost = early
                        break
                time.sleep(_POLL_SECONDS)
            for process in processes:
                stop(process)
            if server.reader is not None:
                server.reader.join(timeout=30)
            for message in iter_queue(server.inbox):
                if on_message is not None:
                    on_message(message)
            for index, process, log in workers:
                if all(e.index != index for e in exits):
                    exits.append(WorkerExit(index, process.pid, None, False, log))
            if lost:
                keep = True
                raise DistributedWorkersLost(lost, server.process.pid)
            output = server.parser.finish(server.process.returncode)
            verdict_run = None
            if timed_out:
                output = replace(output, outcome=Timeout(run.timeout_seconds or 0.0))
            elif output.traces and not any(m.code == Code.TLC_SUCCESS for m in output.messages):
                verdict_run = name_violation(run, output, stage, scratch_root)
                output = replace(output, outcome=_named(verdict_run))
            wall = time.monotonic() - started
            tlc_run = TlcRun(tuple(argv), output, wall, folder, keep, server.process.pid, "".join(server.raw))
            return DistributedRun(
                tlc_run,
                tuple(sorted(exits, key=lambda e: e.index)),
                verdict_run,
                registered_workers=sum(1 for m in output.messages if m.code == WORKER_REGISTERED),
                lost_workers=sum(1 for m in output.messages if m.code == WORKER_LOST),
            )
    finally:
        for process in processes:  # an exception (Ctrl-C, a failing callback): no JVM outlives us
            stop(process)
            if process.stdout is not None:
                process.stdout.close()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def iter_queue(inbox: queue.Queue[Message]) -> Iterator[Message]:
    while not inbox.empty():
        yield inbox.get()


def _start_workers(
    options: DistributedOptions, folder: Path, port: int, processes: list[subprocess.Popen[str]]
) -> list[tuple[int, subprocess.Popen[str], Path]]:
    started = []
    for index in range(1, options.local_workers + 1):
        home = folder / f"worker-{index}"
        home.mkdir()
        log = folder / f"worker-{index}.log"
        with log.open("w") as stream:
            process = spawn(worker_command(options, "localhost", port, str(home)), cwd=home, stdout=stream)
        processes.append(process)
        started.append((index, process, log))
    return started


# ------------------------------------------------------------- naming a violation


def verdict_module(output: ToolOutput, next_action: str, extends: str, spec_dir: Path) -> tuple[str, bool]:
    """A module whose INIT is the reported step's first state and whose NEXT can only take that step.

    Returns the module text and whether the trace was a single state (a
    deadlock, or a violating initial state): then NEXT is the model's own.
    The model values the states name (``t1``, ``s2``) exist only in the
    cfg (``t1 = t1``), so the module declares those the spec does not.
    """
    bodies = _last_trace_bodies(output.messages)
    undeclared = sorted(
        {name for state in output.traces[-1].states for name in _model_values(state.variables)}
        - declared_constants(spec_dir)
    )
    first, last = bodies[0], bodies[-1]
    single = len(bodies) == 1
    step = f"{next_action}" if single else f"{next_action} /\\ VerdictLast'"
    text = "\n".join(
        [
            f"---- MODULE {VERDICT_MODULE} ----",
            "\\* Written by gen/bridge/distributed.py for one run: the last step TLC's distributed",
            "\\* server reported, re-checked single-process so TLC names what it violates.",
            f"EXTENDS {extends}, TLC",
            *([f"CONSTANTS {', '.join(undeclared)}"] if undeclared else []),
            "VerdictFirst ==",
            _indented(first),
            "VerdictLast ==",
            _indented(last),
            f"VerdictNext == {step}",
            "\\* Explore nothing past the step.",
            "VerdictStop == VerdictFirst \\/ VerdictLast",
            "====",
            "",
        ]
    )
    return text, single


_TLA_COMMENT = re.compile(r"\(\*.*?\*\)|\\\*[^\n]*", re.DOTALL)
_CONSTANT_DECLARATION = re.compile(r"\bCONSTANTS?\b((?:\s*\w+(?:\([_,\s]*\))?\s*,)*\s*\w+(?:\([_,\s]*\))?)")


def declared_constants(spec_dir: Path) -> set[str]:
    """The names the modules of ``spec_dir`` declare under CONSTANT(S)."""
    names: set[str] = set()
    for module in sorted(spec_dir.glob("*.tla")):
        text = _TLA_COMMENT.sub(" ", module.read_text(errors="replace"))
        for block in _CONSTANT_DECLARATION.findall(text):
            names.update(re.findall(r"\b[A-Za-z_]\w*\b", re.sub(r"\([_,\s]*\)", "", block)))
    return names


def _model_values(value: object) -> Iterator[str]:
    if isinstance(value, ModelValue):
        yield value.name
    elif isinstance(value, (FnValue, dict)):
        for key, item in value.items():
            yield from _model_values(key)
            yield from _model_values(item)
    elif isinstance(value, (frozenset, tuple)):
        for item in value:
            yield from _model_values(item)


def _indented(body: str) -> str:
    return "\n".join(f"    {line}" for line in body.splitlines() if line.strip())


def _last_trace_bodies(messages: Sequence[Message]) -> list[str]:
    """The variable lines of each state of the last trace TLC printed."""
    bodies: list[str] = []
    for m in messages:
        if m.code in (Code.TLC_BEHAVIOR_UP_TO_THIS_POINT, Code.TLC_COUNTER_EXAMPLE):
            bodies = []
        elif m.code in (Code.TLC_STATE_PRINT1, Code.TLC_STATE_PRINT2):
            bodies.append(m.body.partition("\n")[2])
    return bodies[-2:]


def verdict_config(config_text: str) -> str:
    """The model's config with INIT/NEXT replaced and SYMMETRY/VIEW dropped (two concrete states need neither)."""
    dropped = {"INIT", "NEXT", "SYMMETRY", "VIEW", "SPECIFICATION"}
    lines: list[str] = []
    keep = True
    for line in config_text.splitlines():
        opened = tlc_config.SECTION_START.match(line)
        if opened is not None:
            keep = opened.group(1) not in dropped
        if keep:
            lines.append(line)
    lines += ["INIT VerdictFirst", "NEXT VerdictNext", "CONSTRAINT VerdictStop"]
    return "\n".join(lines) + "\n"


def name_violation(run: RunOptions, output: ToolOutput, stage: Path, scratch_root: Path) -> TlcRun:
    """Re-check the reported step with single-process TLC: its verdict names the violation."""
    config_text = run.config.read_text()
    next_action = config_sections(config_text)["NEXT"][0]
    module, single = verdict_module(output, next_action, run.spec.stem, stage)
    (stage / f"{VERDICT_MODULE}.tla").write_text(module)
    verdict_cfg = stage / f"{VERDICT_MODULE}.cfg"
    verdict_cfg.write_text(verdict_config(config_text))
    options = RunOptions(
        spec=stage / f"{VERDICT_MODULE}.tla",
        config=verdict_cfg,
        # A two-state re-check ends in a state with no successor: that is no deadlock.
        check_deadlock=run.check_deadlock and single,
        timeout_seconds=300,
        workers=1,
        label=f"{run.label or run.config.stem}-verdict",
    )
    return run_tlc(options, scratch_root=scratch_root)


def _named(verdict_run: TlcRun) -> Outcome:
    outcome = verdict_run.outcome
    if isinstance(outcome, (InvariantViolated, ActionPropertyViolated, Deadlock)):
        return outcome
    return TlcCrash(
        "TLC's distributed server reported a counterexample without its cause, and re-checking its last "
        f"step single-process gave {outcome.verdict}, not a violation: rerun without --distributed",
        verdict_run.output.exit_code,
    )
