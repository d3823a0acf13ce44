"""KernelSystem: the real 6.12 C (conformance/kernel/harness.c) behind conformance.System's contract.

The harness is a separate process (ASan and UBSan need their runtime loaded
first, which a Python process that already runs cannot do, and a sanitizer
report must not kill the test runner) spoken to over a line protocol.  Why a
process and not ctypes/cffi: see README.md.

* ``enabled()``: the harness tries every (actor, input) in a fork()ed child,
  which runs the real code to its next step boundary and reports the segment
  as (start point, end point, shim events); :data:`STEP_TABLE` names it.
  The environment's guards (SwapOut, FreeSlot, DropCleanFolio) come from the
  harness too, except the spec's version freshness, a property of the model's
  values that is computed here from the observed state.
* Memo: ``explore`` answers a state's trials and environment steps, each with
  the state key and observed state it leads to.  Explorations are memoized by
  the C's state key (``KC_MEMO=state``, README "The state key"; ``log``: by
  the step log that made the state, a patched build's default), shared by
  every system of the session.
* ``step()``: moves along a memoized edge; the harness process is made only
  when a state must be explored (or ``mapped``/``successors`` asked), and then
  replays the system's log, each answer and the key checked against the memo.
  A step into a state nobody explored yet sends its ``explore`` ahead: the
  harness forks the trials while the caller compares the state it already
  has (from the trial that led there).
* ``copy()``: the same log and key, no process until one is needed.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from conformance import steps
from conformance.values import FnValue, ModelValue, TlaValue

from ..config import Config
from ..contract import HOLDING_PCS
from ..steps import Step
from ..system import BadArguments, KernelBug, NotEnabled, StepRefused, UnknownActor, UnknownStep

NO_ENTRY = ModelValue("NoEntry")
NO_FOLIO = ModelValue("NoFolio")
NO_DATA = ModelValue("NoData")

# The contract's steps (conformance/steps.py), less the one 6.12 has no code for.
ACTOR_STEPS = steps.ACTOR_STEPS - {"WbPutback"}  # 6.12 rotates: nothing is put back
ENV_STEPS = steps.ENV_STEPS
STEP_ARGS = steps.STEP_ARGS

# The shims' event bits (harness.c, enum E_*).
EVENTS = {
    "NOSTEP": 1 << 0,
    "PTE_CHANGED": 1 << 1,
    "OUT_PAGE": 1 << 2,
    "FOLIO_FOUND": 1 << 3,
    "SLOT_FREED": 1 << 4,
    "ALLOC_FAIL": 1 << 5,
    "EEXIST": 1 << 6,
    "WRITEPAGE": 1 << 7,
    "DELETE": 1 << 8,
    "FREE_SWAP": 1 << 9,
    "SIGBUS": 1 << 10,
    "CHARGE_FAIL": 1 << 11,
    "POISON": 1 << 12,
    "SKIP_SWAPCACHE": 1 << 13,
    "SYNC_PIN": 1 << 14,
    "SWAPCACHE_BUSY": 1 << 15,
}

# The classification: a segment of real code, from one step boundary (point)
# to the next, with the shim events it raised, is the spec step named here.
# First matching row wins; ``events`` must all have been seen.  Points:
# harness.c's enum kc_point.  Edit this table, not the C, when the spec's
# step boundaries move.
STEP_TABLE: tuple[tuple[frozenset[str], frozenset[str], frozenset[str], str], ...] = tuple(
    (frozenset(starts.split()), frozenset(ends.split()), frozenset(events.split()), name)
    for starts, ends, events, name in (
        # a task's fault: do_swap_page -> __read_swap_cache_async -> swap_read_folio
        ("IDLE", "LOOKUP", "", "StartFault"),
        ("LOOKUP", "IDLE", "PTE_CHANGED", "PteChanged"),
        ("LOOKUP", "HIT_WAIT", "", "SwapCacheHit"),
        ("LOOKUP", "CHARGE", "SKIP_SWAPCACHE", "SkipSwapcache"),
        ("LOOKUP", "CHARGE", "", "SwapcachePrepare"),
        # the kernel checks folio_test_swapcache() before pte_same(), as the spec
        # does (pc hit_gone: RetryFault whatever the PTE holds)
        ("HIT_WAIT", "IDLE", "OUT_PAGE", "RetryFault"),
        ("HIT_WAIT", "IDLE", "PTE_CHANGED", "PteChanged"),
        ("HIT_WAIT MAP", "IDLE", "FREE_SWAP", "MapFolio"),
        ("HIT_WAIT MAP", "IDLE", "", "MapFolioKeepCache"),
        ("CHARGE CHARGE_RETRY", "ADD", "", "ChargeOk"),
        ("CHARGE", "WALK", "", "ChargeReclaim"),
        ("CHARGE CHARGE_RETRY", "IDLE", "CHARGE_FAIL", "ChargeFail"),
        # the SWP_SYNCHRONOUS_IO bypass (its charge is the rows above, at pc sync_alloc)
        ("ADD", "READ", "SYNC_PIN", "SyncSwapcachePrepare"),
        ("ADD", "IDLE", "SWAPCACHE_BUSY", "SwapcacheBusy"),
        ("READ", "IDLE", "PTE_CHANGED", "SyncPteChanged"),
        ("READ", "IDLE", "", "SyncMapFolio"),
        ("ADD", "READ", "", "AddToSwapCache"),
        ("READ", "MAP", "", "SwapReadFolio"),
        # the walk: shrink_worker / zswap_shrinker_scan -> list_lru_walk_one -> shrink_memcg_cb
        ("IDLE", "WALK", "", "ShrinkWorker"),
        ("WALK", "WB_PREPARE", "", "LruIsolate"),
        ("WALK", "CHARGE_RETRY IDLE", "", "ShrinkDone"),
        # zswap_writeback_entry -> __read_swap_cache_async
        ("WB_PREPARE", "WALK", "FOLIO_FOUND", "WbFolioExists"),
        ("WB_PREPARE", "WALK", "SLOT_FREED", "WbSlotFreed"),
        ("WB_PREPARE", "WALK", "ALLOC_FAIL", "WbAllocFail"),
        ("WB_PREPARE", "WALK", "EEXIST", "WbSkipBusy"),
        ("WB_PREPARE", "WB_WRITE", "", "WbAllocFolio"),
        ("WB_WRITE", "WALK", "DELETE", "WbEntryGone"),
        ("WB_WRITE", "WALK", "WRITEPAGE", "WbWrite"),
        # swapoff: try_to_unuse() -> unuse_pte_range() -> unuse_pte(); its swap-ins take the rows above
        ("IDLE", "UNUSE", "", "SwapoffStart"),
        ("UNUSE", "LOOKUP", "", "UnuseSlot"),
        ("UNUSE", "OFF", "", "ZswapSwapoff"),
        # a task mapped the page meanwhile and freed the slot: the swap-in fails on the freed slot and
        # unuse_pte_range() goes on (swap_map[offset] == 0)
        ("LOOKUP", "UNUSE", "SLOT_FREED", "PteChanged"),
        ("HIT_WAIT", "UNUSE", "POISON", "UnusePoison"),
        ("HIT_WAIT", "UNUSE", "PTE_CHANGED", "PteChanged"),
        ("HIT_WAIT MAP", "UNUSE", "FREE_SWAP", "MapFolio"),
        # only with patches/unuse-pte-range-recheck.patch (6.12 has no such step; the spec's
        # UnuseMatchesSwapEntry, v6.18's check): the folio left the swap cache, swapoff leaves the PTE
        # and meets it again later
        ("HIT_WAIT", "UNUSE", "", "UnuseFolioGone"),
    )
)

# The input (harness.c, enum IN_*) with which an actor takes each step from
# the point where it stands; StartFault's is the slot's offset, every other
# step takes IN_GO (0).  Trace validation runs a step this way, with no
# trials: whether the C really takes it is then checked from the segment.
STEP_INPUTS = {"ChargeReclaim": 1, "ChargeFail": 2, "WbAllocFail": 1, "MapFolio": 1, "SyncPteChanged": 1}


# Steps whose input is a slot's offset (ZswapSwapoff's is the number of slots).
SLOT_INPUT_STEPS = ("StartFault", "UnuseSlot")


def _frame_slot(frame: FnValue) -> ModelValue:
    """The slot a swap-in or writeback frame works on."""
    return cast(ModelValue, frame["slot"] if frame["fn"] == "do_swap_page" else frame["entry"]["slot"])


def classify(start: str, end: str, events: int) -> str | None:
    """The step name of a segment; None: no step (a false guard, or the actor blocks)."""
    if end == "BLOCKED" or events & EVENTS["NOSTEP"]:
        return None
    seen = {name for name, bit in EVENTS.items() if events & bit}
    for starts, ends, needs, name in STEP_TABLE:
        if start in starts and end in ends and needs <= seen:
            return name
    raise KernelBug(f"no step in STEP_TABLE for a segment {start} -> {end} with events {sorted(seen)}")


class HarnessError(KernelBug):
    """The C harness died or reported a kernel BUG / sanitizer error."""


# Harness processes standing at a config's initial state, idle (see _Harness).
_IDLE: dict[tuple[str, str, str], list[tuple[subprocess.Popen[str], Any]]] = {}
_IDLE_LIMIT = 4


def shutdown_idle() -> None:
    """End the idle harness processes (and wait for them: their CPU time is then the caller's children's)."""
    for procs in _IDLE.values():
        for proc, stderr in procs:
            try:
                proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            proc.wait()
            proc.stdout.close()  # type: ignore[union-attr]
            stderr.close()
    _IDLE.clear()


# registered before any system's finalizer, so it runs after them (atexit runs last-in, first-out)
atexit.register(shutdown_idle)


class _Harness:
    """One harness process, talked to through a forked copy of its initial state.

    The process itself stays at the config's initial state ("fork" in
    harness.c); a closed harness's copy exits and the process goes back to
    :data:`_IDLE`, so the next system of that config starts with a fork
    (a few ms) instead of a process start (~20 ms, ASan's start-up).
    """

    def __init__(self, exe: Path, init: str) -> None:
        # the harness reads KC_ENV_GUARD and KC_FORK_EVERY_TRIAL when it starts: a process started without
        # them must not serve with them
        key = (str(exe), init, os.environ.get("KC_ENV_GUARD", "") + "/" + os.environ.get("KC_FORK_EVERY_TRIAL", ""))
        self.proc: subprocess.Popen[str]
        self.stderr: Any
        idle = _IDLE.get(key)
        # `idle` is emptied by the pop: whether the process is new must be decided before it
        started = not idle
        if idle:
            self.proc, self.stderr = idle.pop()
            self.stderr.seek(0)
            self.stderr.truncate()
        else:
            self.stderr = tempfile.TemporaryFile(mode="w+")
            env = dict(
                os.environ,
                ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1",
                UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
            )
            self.proc = subprocess.Popen(
                [str(exe)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                text=True,
                bufsize=1,
                env=env,
            )
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None  # both PIPE
        self._stdin, self._stdout = stdin, stdout
        # answers to commands sent ahead (send()) not read yet; read ones wait in `early`
        self._owed = [0]  # a box: the finalizer reads them off before "exit"
        self.early: list[str] = []
        self._finalizer = weakref.finalize(self, _Harness._close, self.proc, self.stderr, key, self._owed)
        if started:  # an idle process stands at the initial state already: no second init
            self.ask(init)
        self.ask("fork")

    @staticmethod
    def _close(proc: subprocess.Popen[str], stderr: Any, key: tuple[str, str, str], owed: list[int]) -> None:
        idle = _IDLE.setdefault(key, [])
        if proc.poll() is None and len(idle) < _IDLE_LIMIT:
            try:
                for _ in range(owed[0]):
                    proc.stdout.readline()  # type: ignore[union-attr]
                owed[0] = 0
                proc.stdin.write("exit\n")  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
                if proc.stdout.readline() == "ok\n":  # type: ignore[union-attr]
                    idle.append((proc, stderr))
                    return
            except OSError:
                pass
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        stderr.close()

    def close(self) -> None:
        self._finalizer()

    def error_text(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        text = self.stderr.read()
        lines = [line for line in text.splitlines() if "doesn't fully support makecontext" not in line]
        return "\n".join(lines[-60:])

    def _settle(self) -> None:
        """Read the answers owed to commands sent ahead into :attr:`early` (the next answer is then ours)."""
        while self._owed[0]:
            answer = self.proc.stdout.readline()  # type: ignore[union-attr]
            if not answer:
                self._owed[0] = 0
                self.proc.wait()
                raise HarnessError(f"the kernel harness died (exit {self.proc.returncode}):\n{self.error_text()}")
            self.early.append(answer.rstrip("\n"))
            self._owed[0] -= 1

    def send(self, lines: list[str], now: int) -> list[str]:
        """Send the commands, read the first ``now`` answers; the others are read later (:meth:`take_early`),
        so the harness works on them while the caller works on these."""
        answers = self.ask_all(lines[:now], more=lines[now:])
        self._owed[0] += len(lines) - now
        return answers

    def take_early(self, n: int) -> list[str]:
        """The next ``n`` answers to commands sent ahead."""
        self._settle()
        taken, self.early = self.early[:n], self.early[n:]
        return taken

    def ask(self, line: str) -> str:
        self._settle()
        try:
            self._stdin.write(line + "\n")
            self._stdin.flush()
            answer = self._stdout.readline()
        except BrokenPipeError:
            answer = ""
        if not answer:
            self.proc.wait()
            raise HarnessError(
                f"the kernel harness died on `{line}` (exit {self.proc.returncode}):\n{self.error_text()}"
            )
        return answer.rstrip("\n")

    def ask_all(self, lines: list[str], more: Sequence[str] = ()) -> list[str]:
        """Several commands in one round trip (:meth:`pipeline`); the harness must answer every one."""
        answers = self.pipeline(lines, more)
        if len(answers) < len(lines):
            raise HarnessError(
                f"the kernel harness died on `{lines[len(answers)]}` (exit {self.proc.returncode}):\n"
                f"{self.error_text()}"
            )
        return answers

    def pipeline(self, lines: list[str], more: Sequence[str] = ()) -> list[str]:
        """Send every command, then read the answers: one wake-up of each side per batch, not per command.

        Fewer answers than commands: the harness died on command ``len(answers)``
        (its report: :meth:`error_text`).  The commands must fit in the pipe
        (64 KiB) and their answers too, or both sides wait on each other.
        ``more``: commands sent after these whose answers are not read here (:meth:`send`).
        """
        self._settle()
        try:
            self.proc.stdin.write("".join(line + "\n" for line in [*lines, *more]))  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
        answers: list[str] = []
        for _ in lines:
            answer = self.proc.stdout.readline()  # type: ignore[union-attr]
            if not answer:
                self.proc.wait()
                break
            answers.append(answer.rstrip("\n"))
        return answers


# What is known of each state of the C, by memo scope (harness, init line, KC_ENV_GUARD, memo mode), then by
# state key (README "The state key"): shared by every system of the scope, for the whole session.
_NODES: dict[tuple[str, str, str, str], dict[str, _Node]] = {}
_INITIAL: dict[tuple[str, str, str, str], str] = {}  # scope -> the initial state's key
_NODES_LIMIT = 200_000


def memo_mode(exe: Path) -> str:
    """How trials are memoized: ``state`` (by the C's state key) or ``log`` (by the step log that made the state).

    ``KC_MEMO`` chooses; by default 6.12 as released uses the state key, whose completeness README.md argues
    for that code, and a harness built with ``--kernel-patch`` or ``--kernel-src`` the step log: a patch may
    keep state across a step boundary that the key does not see.
    """
    mode = os.environ.get("KC_MEMO", "")
    if mode in ("state", "log"):
        return mode
    if mode:
        raise ValueError(f"KC_MEMO={mode!r}: use KC_MEMO=state or KC_MEMO=log")
    from .build import RELEASED_NAME

    return "state" if Path(exe).parent.name == RELEASED_NAME else "log"


class _Node:
    """One state of the C: what it observes, and once explored, its trials and the edges out of it."""

    __slots__ = (
        "raw",
        "state",
        "explored",
        "steps",
        "blocked",
        "env_ok",
        "env_steps",
        "enabled",
        "edges",
        "crash",
        "requests",
        "waits",
        "holding",
    )

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.state: dict[str, TlaValue] | None = None  # converted once
        self.explored: str | None = None  # the harness's `explore` answer for this state (JSON text), once asked
        self.steps: list[tuple[Step, int, int]] = []
        self.blocked: dict[int, str] = {}
        self.env_ok: list[tuple[str, int]] = []
        self.env_steps: list[Step] = []
        self.enabled: list[Step] = []
        # harness command -> (its answer, the key of the state it leads to)
        self.edges: dict[str, tuple[str, str]] = {}
        self.crash: str | None = None
        # step() requests -> the command that carries it out, or why it is refused (one object a request:
        # the rotate suite memoizes ~24,000, and every full garbage collection walks them)
        self.requests: dict[tuple[Any, ...], str | tuple[type[StepRefused], str, str]] = {}
        # blocked() and holders(slot), once asked: functions of the state, asked at every checked state
        self.waits: dict[ModelValue, frozenset[ModelValue]] | None = None
        self.holding: dict[ModelValue, frozenset[ModelValue]] = {}


class KernelSystem:
    """The kernel's own C under the driving contract of :class:`conformance.system.System`.

    A system is its step log and the key of the state it stands in; what the
    C does from a state comes from :data:`_NODES` (explored once per key, in
    fork()ed trials).  Its harness process is made lazily, only when a state
    must be explored or a command run for real, and it catches up with the
    log then (checking every answer and the key against the memo's).
    """

    def __init__(self, config: Config, exe: Path | None = None) -> None:
        if exe is None:
            from .build import build

            exe = build()
        self.config = config
        self.exe = Path(exe)
        self.tasks = config.task_values
        self.shrinkers = config.shrinker_values
        self.swapoffs = config.swapoff_values
        self.actors = self.tasks + self.shrinkers + self.swapoffs
        self.slots = config.slot_values
        self.versions = config.version_values
        self._actor_number = {a: i for i, a in enumerate(self.actors)}
        self._slot_offset = {s: i for i, s in enumerate(self.slots)}
        self._version_index = {v: i + 1 for i, v in enumerate(self.versions)}
        self._init = (
            f"init {len(self.slots)} {len(self.tasks)} {len(self.shrinkers)} {config.scan_budget} "
            f"{len(self.swapoffs)} {int(config.sync_io)} " + " ".join(v.name for v in self.versions)
        )
        self.memo = memo_mode(self.exe)
        # KC_MEMO_CHECK=1: every memoized answer is computed again in this system's own harness and compared
        self._check = os.environ.get("KC_MEMO_CHECK", "") == "1"
        self._scope = (str(self.exe), self._init, os.environ.get("KC_ENV_GUARD", ""), self.memo)
        self._nodes = _NODES.setdefault(self._scope, {})
        self._proc: _Harness | None = None
        self._ahead: tuple[tuple[int, list[str], bool, str, int], str, _Node] | None = None
        self.reset()

    # -- state ---------------------------------------------------------------
    def reset(self) -> None:
        if self._proc is not None:
            self._proc.close()  # reads the answers still owed, the exploration sent ahead's too
        self._proc = None
        self._ahead = None
        self._hlen = 0  # how many commands of the log the harness process has run
        self._log: list[str] = []  # the commands that made this state
        self._answers: list[str] = []  # their answers (from the trials that foresaw them)
        key = _INITIAL.get(self._scope)
        if key is None:
            self._key = ""
            key_line, raw = self._materialize(["key", "observe"])
            key = key_line if self.memo == "state" else ""
            self._nodes.setdefault(key, _Node(json.loads(raw)))
            _INITIAL[self._scope] = key
        self._key = key

    def close(self) -> None:
        if self._proc is not None:
            self._proc.close()

    def copy(self) -> KernelSystem:
        """An independent system in the same state (its harness process, if one is needed, replays the log)."""
        other = KernelSystem.__new__(KernelSystem)
        other.__dict__.update(self.__dict__)
        other._proc = None
        other._ahead = None
        other._hlen = 0
        other._log = list(self._log)
        other._answers = list(self._answers)
        return other

    @property
    def _harness(self) -> _Harness:
        """The harness process, at this system's state.  Commands sent to it directly move it on behind the
        system's back: only :meth:`reset` makes the system usable again after that."""
        self._materialize()
        assert self._proc is not None
        return self._proc

    def _materialize(self, extra: Sequence[str] = ()) -> list[str]:
        """Bring the harness process to this system's state (started from the fork server if there is none,
        then the log's commands not run yet, in one round trip), then run ``extra``; their answers.

        Each command's answer must be what the memo says it is, and the state reached must have this
        system's key: else the C is not deterministic, or the state key misses some of the C's state."""
        return self._receive(self._send(extra))

    def _send(self, extra: Sequence[str]) -> tuple[int, list[str], bool, str, int]:
        """Send what :meth:`_materialize` runs, without reading the answers (:meth:`_receive` does)."""
        self._drain_ahead()
        proc = self._proc
        if proc is None:
            proc = self._proc = _Harness(self.exe, self._init)
            self._hlen = 0
        start = self._hlen
        todo = self._log[start:]
        check_key = self.memo == "state" and bool(todo)
        lines = [*todo, *(["key"] if check_key else []), *extra]
        if len(lines) > 400:  # well within the pipes, in a few round trips
            for first in range(0, len(todo), 400):  # these answers go unchecked; the key check still holds
                proc.ask_all(todo[first : first + 400])
            todo, start = [], len(self._log)
            lines = [*(["key"] if check_key else []), *extra]
        proc.send(lines, now=0)
        self._hlen = len(self._log)
        return start, todo, check_key, self._key, len(extra)

    def _receive(self, pending: tuple[int, list[str], bool, str, int]) -> list[str]:
        start, todo, check_key, key, extra = pending
        assert self._proc is not None
        answers = self._proc.take_early(len(todo) + check_key + extra)
        if len(answers) < len(todo) + check_key + extra:
            raise HarnessError(f"the kernel harness died:\n{self._proc.error_text()}")
        for n, (command, got) in enumerate(zip(todo, answers), start):
            if got != self._answers[n]:
                raise KernelBug(
                    f"replayed in a fresh harness process, step {n + 1} (`{command}`) answered {got!r}, "
                    f"its trial {self._answers[n]!r}: the C is not deterministic, or the state key misses "
                    f"some of its state (KC_MEMO=log keys trials by step log)"
                )
        if check_key and answers[len(todo)] != key:
            raise KernelBug(
                f"replayed in a fresh harness process, this system's steps reach the state key\n"
                f"  {answers[len(todo)]}\nnot the one its trials foresaw\n  {key}\n"
                f"the C is not deterministic, or the state key misses some of its state"
            )
        return answers[len(todo) + check_key :]

    def _send_ahead(self) -> None:
        """This (new) state's exploration, sent to the harness now and read when needed: the harness forks
        the trials while the caller compares the state it already knows (from the trial that led here)."""
        node = self._node()
        if node.explored is not None or self._check or self._ahead is not None:
            return
        if self._proc is None and self._hlen == 0 and len(self._log) > 200:
            return
        fresh = "first" if self.config.fresh_version == "first" else "any"
        self._ahead = (self._send([f"explore {fresh}"]), self._key, node)

    def _drain_ahead(self) -> None:
        """Read the exploration sent ahead, if any, into its state's node."""
        if self._ahead is None:
            return
        pending, key, node = self._ahead
        self._ahead = None
        [text] = self._receive(pending)
        self._absorb(key, node, text)

    def _node(self) -> _Node:
        return self._nodes[self._key]

    def _raw(self) -> dict[str, Any]:
        return self._node().raw

    def observe(self) -> dict[str, TlaValue]:
        """The state as the spec's variables: ``{name: TLA+ value}``."""
        node = self._node()
        if node.state is None:  # converted once a state: refusals' messages read the stack again and again
            node.state = self._convert(node.raw)
        return dict(node.state)

    def _convert(self, raw: dict[str, Any]) -> dict[str, TlaValue]:
        slots, actors = self.slots, self.actors

        def data(v: int) -> ModelValue:
            return self.versions[v - 1] if v else NO_DATA

        def entry(slot: int, v: int) -> FnValue:
            return FnValue({"slot": slots[slot], "data": data(v)})

        def frame(f: list[Any]) -> FnValue:  # a frame as the harness's JSON gives it
            if f[0] == "do_swap_page":
                return FnValue({"fn": f[0], "slot": slots[f[1]], "page": data(f[2]), "pc": f[3], "lru_removed": False})
            if f[0] == "shrink_memcg_cb":
                return FnValue({"fn": f[0], "budget": f[1]})
            if f[0] == "swapoff":
                return FnValue({"fn": f[0], "pc": f[1]})
            return FnValue({"fn": f[0], "entry": entry(f[1], f[2]), "pc": f[3], "cursor": NO_ENTRY})

        return {
            "swap_map": FnValue(
                {s: FnValue({"count": c, "has_cache": bool(h)}) for s, (c, h) in zip(slots, raw["swap_map"])}
            ),
            "swapped_page": FnValue({s: data(v) for s, v in zip(slots, raw["swapped_page"])}),
            "swap_cache": FnValue(
                {
                    s: NO_FOLIO
                    if f is None
                    else FnValue({"locked": bool(f[0]), "uptodate": bool(f[1]), "data": data(f[2])})
                    for s, f in zip(slots, raw["swap_cache"])
                }
            ),
            "zswap_tree": FnValue(
                {s: NO_ENTRY if e is None else entry(e[0], e[1]) for s, e in zip(slots, raw["zswap_tree"])}
            ),
            "zswap_referenced": FnValue({s: bool(e is not None and e[2]) for s, e in zip(slots, raw["zswap_tree"])}),
            "zswap_lru": tuple(entry(slot, v) for slot, v in raw["zswap_lru"]),
            "swap_device": FnValue({s: data(v) for s, v in zip(slots, raw["swap_device"])}),
            "stack": FnValue({a: tuple(frame(f) for f in frames) for a, frames in zip(actors, raw["stack"])}),
        }

    def successors(self) -> list[tuple[Step, dict[str, TlaValue]]]:
        """Every enabled step with the state it leads to, all computed by the harness in fork()ed
        children from this one state (no copy(), no replay): what a state-graph walk needs."""
        rows = json.loads(self._harness.ask("succ"))
        out: list[tuple[Step, dict[str, TlaValue]]] = []
        fresh = None
        for row in rows:
            if "crash" in row:
                raise HarnessError(
                    f"trying actor {row['actor']} input {row['input']} crashed the kernel code "
                    f"(exit {row['crash']}):\n{self._harness.error_text()}"
                )
            if "env" in row:
                name, slot, v = row["env"]
                if name == "SwapOut":
                    if fresh is None:
                        fresh = self._fresh_of(self._raw())
                    if self.versions[v - 1] not in fresh:
                        continue
                    step = Step(name, None, (("s", self.slots[slot]), ("v", self.versions[v - 1])))
                else:
                    step = Step(name, None, (("s", self.slots[slot]),))
            else:
                start, end, events = row["seg"]
                name = classify(start, end, events)
                if name is None:
                    continue
                args = (("s", self.slots[row["input"]]),) if name in SLOT_INPUT_STEPS else ()
                step = Step(name, self.actors[row["actor"]], args)
            out.append((step, self._convert(row["state"])))
        return out

    def replay(self, log: list[str]) -> None:
        """Reset, then run these harness commands (a ``log`` of another system of this config)."""
        self.reset()
        answers = self._materialize([*log, "key", "observe"])
        self._log = list(log)
        self._answers = answers[: len(log)]
        self._hlen = len(log)
        key = answers[len(log)] if self.memo == "state" else "\n".join(log)
        if key not in self._nodes:
            self._nodes[key] = _Node(json.loads(answers[len(log) + 1]))
        self._key = key

    def _env_command(self, name: str, args: Mapping[str, TlaValue]) -> str:
        """The harness command of environment step ``name`` (its arguments already checked)."""
        slot, version = cast(ModelValue, args["s"]), cast(ModelValue, args.get("v"))
        command = f"env {name} {self._slot_offset[slot]}"
        return command + (f" {self._version_index[version]}" if name == "SwapOut" else "")

    def command_for(self, step: Step) -> str:
        """The harness command that takes ``step`` from the current state."""
        if step.actor is None:
            return self._env_command(step.name, dict(step.args))
        for candidate, n, value in self._explored().steps:
            if candidate == step:
                return f"run {n} {value}"
        raise NotEnabled(str(step), "not enabled")

    def direct_command(self, step: Step) -> str:
        """The harness command for ``step`` without trials: what the C does with it is the caller's to check."""
        if step.actor is None:
            return self._env_command(step.name, dict(step.args))
        if step.name in SLOT_INPUT_STEPS:
            value = self._slot_offset[cast(ModelValue, dict(step.args)["s"])]
        elif step.name == "ZswapSwapoff":
            value = len(self.slots)
        else:
            value = STEP_INPUTS.get(step.name, 0)
        return f"run {self._actor_number[step.actor]} {value}"

    def mapped(self) -> dict[ModelValue, ModelValue]:
        """The data each task mapped by its last completed fault, and swapoff by its last unuse_pte() (NoData: none)."""
        values = json.loads(self._materialize(["mapped"])[0])
        return {t: (self.versions[v - 1] if v else NO_DATA) for t, v in zip(self.tasks + self.swapoffs, values)}

    def poisoned(self) -> list[ModelValue]:
        """The pages (by their data) whose PTE swapoff's unuse_pte() replaced by a poisoned swap entry."""
        return [self.versions[v - 1] for v in json.loads(self._materialize(["poisoned"])[0])]

    # -- the scheduler's view ------------------------------------------------
    def _explored(self) -> _Node:
        """This state's node, explored: every trial and environment step with the state it leads to."""
        node = self._node()
        if node.explored is not None and not self._check:
            if node.crash is not None:
                raise HarnessError(node.crash)
            return node
        if self._ahead is not None:
            self._drain_ahead()
            if node.explored is not None and not self._check:
                if node.crash is not None:
                    raise HarnessError(node.crash)
                return node
        fresh = "first" if self.config.fresh_version == "first" else "any"
        [text] = self._materialize([f"explore {fresh}"])
        self._absorb(self._key, node, text)
        if node.crash is not None:
            raise HarnessError(node.crash)
        return node

    def _absorb(self, own_key: str, node: _Node, text: str) -> None:
        """Record an ``explore`` answer for the state ``own_key`` (checked against it, and against the memo
        under KC_MEMO_CHECK)."""
        record = json.loads(text)
        key = record.pop("key")
        if self.memo == "state" and key != own_key:
            raise KernelBug(
                f"explore: the harness stands in the state with key\n  {key}\nnot this system's\n"
                f"  {own_key}\nthe C is not deterministic, or the state key misses some of its state"
            )
        if node.explored is not None:  # KC_MEMO_CHECK: the same state key must explore the same
            memo = json.loads(node.explored)
            memo.pop("key")
            if record != memo:
                raise KernelBug(
                    "KC_MEMO_CHECK: this state's trials differ from those memoized for its state key "
                    f"(another history): the state key misses some of the C's state\n  key: {own_key}\n"
                    f"  now: {json.dumps(record)}\n  memo: {json.dumps(memo)}"
                )
            return
        self._attach(own_key, node, record)
        # kept as the text, not the parsed record: one object instead of thousands for the garbage
        # collector to walk at every full collection (the memo holds every explored state)
        node.explored = text

    def _attach(self, key: str, node: _Node, data: dict[str, Any]) -> None:
        """Record what ``explore`` found in state ``key``: its steps, whether it is blocked, its edges."""
        steps: list[tuple[Step, int, int]] = []
        blocked: dict[int, str] = {}
        seen: set[Step] = set()
        error = self._harness_error() if self._proc is not None else ""
        for row in data["trials"]:
            if isinstance(row, dict):
                node.crash = node.crash or (
                    f"trying {self.actors[row['actor']].name} with input {row['input']} "
                    f"crashed the kernel code (exit {row['crash']}) at "
                    f"{self.describe(self.actors[row['actor']])}:\n{error}"
                )
                continue
            number, value, start, end, events, _, target, raw = row
            name = classify(start, end, events)
            if name is None:
                if end == "BLOCKED":
                    blocked[number] = start
                continue
            command = f"run {number} {value}"
            self._add_edge(key, node, command, f"{start} {end} {events}", target, raw)
            args = (("s", self.slots[value]),) if name in SLOT_INPUT_STEPS else ()
            step = Step(name, self.actors[number], args)
            if step not in seen:
                seen.add(step)
                steps.append((step, number, value))
        for row in data["envsucc"]:
            name, slot, v = row["env"]
            if "crash" in row:
                node.crash = node.crash or (
                    f"the environment step {name} on slot {slot} crashed the kernel code "
                    f"(exit {row['crash']}):\n{error}"
                )
                continue
            command = f"env {name} {slot}" + (f" {v}" if name == "SwapOut" else "")
            self._add_edge(key, node, command, "ok", row["key"], row["state"])
        # a blocked actor is one that can do nothing at all
        for number in list(blocked):
            if any(n == number for _, n, _ in steps):
                del blocked[number]
        node.steps, node.blocked = steps, blocked
        node.env_ok = [(name, slot) for name, slot in data["env"]]
        fresh = self._fresh_of(node.raw)
        env_steps: list[Step] = []
        for name, slot in node.env_ok:
            s = self.slots[slot]
            if name == "SwapOut":
                env_steps += [Step(name, None, (("s", s), ("v", v))) for v in fresh]
            else:
                env_steps.append(Step(name, None, (("s", s),)))
        node.env_steps = env_steps
        node.enabled = [step for step, _, _ in steps] + env_steps

    def _add_edge(
        self, source: str, node: _Node, command: str, answer: str, key: str | None, raw: dict[str, Any]
    ) -> None:
        target = key if self.memo == "state" and key is not None else f"{source}\n{command}"
        node.edges[command] = (answer, target)
        if target not in self._nodes:
            if len(self._nodes) >= _NODES_LIMIT:  # a bound on memory; every live system's own node stays
                self._nodes.clear()
            self._nodes[target] = _Node(raw)

    def _harness_error(self) -> str:
        return self._proc.error_text() if self._proc is not None else ""

    def _trials(self) -> tuple[list[tuple[Step, int, int]], dict[int, str], list[tuple[str, int]]]:
        """([(step, actor number, input)], {blocked actor number: why}, [(env step, slot)])."""
        node = self._explored()
        return node.steps, node.blocked, node.env_ok

    def _referenced_versions(self, raw: dict[str, Any]) -> set[ModelValue]:
        """The spec's Referenced(v): versions the state refers to anywhere."""
        used: set[int] = set(raw["swapped_page"]) | set(raw["swap_device"])
        used |= {e[1] for e in raw["zswap_tree"] if e is not None}
        used |= {f[2] for f in raw["swap_cache"] if f is not None}
        used |= {v for _, v in raw["zswap_lru"]}
        for frames in raw["stack"]:
            for f in frames:
                if f[0] == "do_swap_page" or f[0] == "zswap_writeback_entry":
                    used.add(f[2])
        return {self.versions[v - 1] for v in used if v}

    def _fresh_of(self, raw: dict[str, Any]) -> list[ModelValue]:
        used = self._referenced_versions(raw)
        fresh = [v for v in self.versions if v not in used]
        return fresh[:1] if self.config.fresh_version == "first" else fresh

    def _env_steps(self) -> list[Step]:
        return self._explored().env_steps

    def enabled(self) -> list[Step]:
        """Every step that can happen now: actors' steps (in actor order), then the environment's."""
        return list(self._explored().enabled)

    def _frames(self, actor: ModelValue) -> tuple[FnValue, ...]:
        """The actor's call stack as observed, bottom first."""
        node = self._node()
        if node.state is None:
            node.state = self._convert(node.raw)
        stack = node.state["stack"]
        assert isinstance(stack, FnValue)
        return cast(tuple[FnValue, ...], stack[actor])

    def blocked(self) -> dict[ModelValue, frozenset[ModelValue]]:
        """Each waiting actor and the actors holding the slot it waits on."""
        node = self._explored()
        if node.waits is None:  # a function of the state: computed once a state
            waits: dict[ModelValue, frozenset[ModelValue]] = {}
            for number in node.blocked:
                actor = self.actors[number]
                top = self._frames(actor)[-1]
                # a folio that left the swap cache still locked (pc hit_stranded, bug e3b63e966cac):
                # nobody holds it, whoever holds the slot now (spec WaitsOnStrandedFolio)
                waits[actor] = frozenset() if top["pc"] == "hit_stranded" else self.holders(_frame_slot(top))
            node.waits = waits
        return dict(node.waits)

    def holders(self, slot: ModelValue) -> frozenset[ModelValue]:
        holding = self._node().holding
        found = holding.get(slot)
        if found is None:
            found = holding[slot] = self._holders(slot)
        return found

    def _holders(self, slot: ModelValue) -> frozenset[ModelValue]:
        return frozenset(
            a
            for a in self.actors
            for f in self._frames(a)
            if f["fn"] in HOLDING_PCS and f["pc"] in HOLDING_PCS[f["fn"]] and _frame_slot(f) == slot
        )

    def describe(self, actor: ModelValue) -> str:
        frames = self._frames(actor)
        if not frames:
            return "(idle)"
        top = frames[-1]
        if top["fn"] == "swapoff":
            return f"in swapoff at pc {top['pc']}"
        if top["fn"] == "shrink_memcg_cb":
            return f"in the shrink_memcg_cb walk (budget {top['budget']})"
        return f"in {top['fn']}({_frame_slot(top).name}) at pc {top['pc']}"

    # -- stepping ------------------------------------------------------------
    def _take(self, node: _Node, command: str) -> str:
        """Move along the edge ``command`` out of this state (run for real if no trial foresaw it)."""
        edge = node.edges.get(command)
        if edge is None:
            answer, key, raw = self._materialize([command, "key", "observe"])
            edge = self._learn(node, command, answer, key, raw)
            self._hlen += 1
        self._log.append(command)
        self._answers.append(edge[0])
        self._key = edge[1]
        if self._check:
            self._materialize()  # the real C, run again here, must answer as the memo and reach the key
        else:
            self._send_ahead()
        return edge[0]

    def _learn(self, node: _Node, command: str, answer: str, key: str, raw: str) -> tuple[str, str]:
        self._add_edge(self._key, node, command, answer, key, json.loads(raw))
        return node.edges[command]

    def step(self, name: str, actor: ModelValue | str | None = None, **args: TlaValue) -> None:
        """Carry out one step, or raise a StepRefused subclass and change nothing.

        What a request comes to in a state (its command, or why it is refused) is a function of the
        state: memoized in the state's node, so the suite's many refusal checks cost a lookup."""
        node = self._nodes[self._key]
        if node.explored is None or node.crash is not None or self._check:
            node = self._explored()
        # the request as given (keyword order included: the same request in another order is memoized apart),
        # flat: one tuple, not one per argument
        request: tuple[Any, ...] | None = (name, actor, *args, *args.values())
        try:
            outcome = node.requests.get(request)  # type: ignore[arg-type]
        except TypeError:  # an unhashable argument: refused below, not memoized
            request, outcome = None, None
        if outcome is None:
            try:
                outcome = self._resolve(node, name, actor, args)
            except StepRefused as error:  # kept without the exception: its traceback would keep this system alive
                outcome = (type(error), error.step, error.why)
            if request is not None:
                node.requests[request] = outcome
        if not isinstance(outcome, str):
            kind, label, why = outcome
            raise kind(label, why)
        command = outcome
        if command.startswith("env "):
            self._take(node, command)
            return
        start, end, events = self._take(node, command).split()
        if classify(start, end, int(events)) != name:
            label = _label(name, actor, args)
            raise KernelBug(f"{label}: the real run did {start} -> {end} (events {events}), not what its trial did")

    def _resolve(self, node: _Node, name: str, actor: ModelValue | str | None, args: dict[str, TlaValue]) -> str:
        """The harness command that carries out this request here, or the StepRefused that says why not."""
        label = _label(name, actor, args)
        if name not in ACTOR_STEPS and name not in ENV_STEPS:
            raise UnknownStep(label, f"no step is called {name!r}; steps: {', '.join(sorted(ACTOR_STEPS | ENV_STEPS))}")
        expected = STEP_ARGS.get(name, ())
        if set(args) != set(expected):
            raise BadArguments(
                label, f"{name} takes arguments ({', '.join(expected)}), got ({', '.join(sorted(args))})"
            )
        values = {}
        for key, given in args.items():
            value = ModelValue(given) if isinstance(given, str) else given
            if key == "s" and value not in self._slot_offset:
                raise BadArguments(label, f"s = {value!r} is not in Slots")
            if key == "v" and value not in self._version_index:
                raise BadArguments(label, f"v = {value!r} is not in Versions")
            values[key] = value
        if name in ENV_STEPS:
            if actor is not None:
                raise UnknownActor(label, f"{name} is the environment's step: call it without an actor")
            want = Step(name, None, tuple(sorted(values.items())))
            if want not in node.env_steps:
                raise NotEnabled(label, "its guard is false in this state")
            return self._env_command(name, values)
        if actor is None:
            raise UnknownActor(label, f"{name} is an actor's step: say which actor takes it")
        who = ModelValue(actor) if isinstance(actor, str) else actor
        number = self._actor_number.get(who)
        if number is None:
            raise UnknownActor(label, f"{who!r} is not an actor")
        want = Step(name, who, tuple(sorted(values.items())))
        for step, n, value in node.steps:  # noqa: B007 (the matching trial's n and value are used below)
            if step == want:
                break
        else:
            why = "it is blocked" if number in node.blocked else "the real code does not take it here"
            raise NotEnabled(label, f"{who.name} {self.describe(who)}: {why}")
        return f"run {n} {value}"


def _label(name: str, actor: object, args: dict[str, TlaValue]) -> str:
    parts = [actor.name if isinstance(actor, ModelValue) else str(actor)] if actor is not None else []
    parts += [f"{k}={v.name if isinstance(v, ModelValue) else v!r}" for k, v in sorted(args.items())]
    return f"{name}({', '.join(parts)})"
