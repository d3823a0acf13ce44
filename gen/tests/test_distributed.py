"""TLC's distributed mode through the bridge: what it refuses, and real server + worker runs on localhost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Unpack

import pytest

from gen.bridge.checking import run_options
from gen.bridge.distributed import (
    WORKER_REGISTERED,
    DistributedOptions,
    DistributedRun,
    DistributedUnsupported,
    DistributedWorkersLost,
    check_supported,
    declared_constants,
    run_distributed,
    verdict_config,
)
from gen.bridge.manifest import Model, in_tier, load_manifest
from gen.bridge.outcomes import ActionPropertyViolated, Deadlock, Success, Timeout
from gen.bridge.tlc import RunSettings, run_tlc
from gen.bridge.tool_output import Message

REPO = Path(__file__).parent.parent.parent
MANIFEST = load_manifest(REPO / "spec" / "models.json")
TEST_MANIFEST = load_manifest(REPO / "gen" / "tests" / "data" / "specs" / "models.json")
pytestmark = pytest.mark.usefixtures("private_scratch")


def model(name: str) -> Model:
    return next(m for m in (*MANIFEST.models, *TEST_MANIFEST.models) if m.name == name)


def options(name: str, local_workers: int = 2, **changes: Unpack[RunSettings]) -> DistributedOptions:
    return DistributedOptions(
        replace(run_options(model(name)), **changes),
        local_workers=local_workers,
        server_heap="512m",
        worker_heap="384m",
        report_seconds=2,
    )


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def assert_nothing_left(result: DistributedRun) -> None:
    pids = [result.run.pid, *(w.pid for w in result.workers)]
    assert all(gone(pid) for pid in pids), pids


# ------------------------------------------------------------ without TLC


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("none_liveness", "PROPERTY FaultCompletes is not of the form [][A]_v"),
        ("skip_if_exists_liveness_shrinker", "PROPERTY FaultCompletes is not of the form [][A]_v"),
        ("slot_pin_simulated", "simulation has no distributed mode"),
        ("slot_pin_taken_busy", "its config has no INIT and NEXT"),
    ],
)
def test_a_model_the_mode_cannot_check_is_refused_before_anything_starts(name: str, why: str, tmp_path: Path) -> None:
    with pytest.raises(DistributedUnsupported, match=why.replace("[", r"\[").replace("]", r"\]")) as refused:
        run_distributed(options(name), scratch_root=tmp_path)
    assert "run it single-process" in refused.value.todo
    assert list(tmp_path.iterdir()) == []  # not even a run folder


def test_safety_models_with_action_properties_are_accepted() -> None:
    for name in ("deep4_skip_if_exists", "reduced_skip_if_exists", "bug_04fc7816089c", "conf_rotate"):
        check_supported(run_options(model(name)), name)


def test_the_distributed_tier_is_run_only_by_name() -> None:
    deep4 = model("deep4_skip_if_exists")
    assert deep4.tier == "distributed" and deep4.expected.distinct_states is None
    assert not in_tier(deep4, "all") and in_tier(deep4, "distributed")
    assert in_tier(model("deep_skip_if_exists"), "all")


def test_the_verdict_config_keeps_the_checks_and_replaces_how_states_are_made() -> None:
    text = verdict_config(model("reduced_skip_if_exists").config.read_text())
    assert "SYMMETRY" not in text and "VIEW" not in text and "INIT Init" not in text
    assert "INVARIANTS TypeOK" in text and "PROPERTIES NoStaleData" in text
    assert text.endswith("INIT VerdictFirst\nNEXT VerdictNext\nCONSTRAINT VerdictStop\n")


def test_model_values_are_not_taken_for_declared_constants() -> None:
    declared = declared_constants(REPO / "spec")
    assert {"Tasks", "Slots", "NoEntry", "VARIANT"} <= declared
    assert not {"t1", "s1", "v2"} & declared


def test_a_child_dies_with_its_parent_even_on_sigkill(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import pathlib, subprocess, sys, time\n"
            "from gen.bridge.distributed import spawn\n"
            "child = spawn(['sleep', '600'], cwd=pathlib.Path('.'), stdout=subprocess.DEVNULL)\n"
            f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\n"
            "time.sleep(600)\n",
        ],
        cwd=REPO,
    )
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and parent.poll() is None
        time.sleep(0.1)
    child = int(pid_file.read_text())
    assert not gone(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while not gone(child) and time.monotonic() < deadline:  # init reaps the orphan
        time.sleep(0.1)
    assert gone(child)


# ------------------------------------------------------------ server + workers


@pytest.mark.tlc
@pytest.mark.slow
def test_server_and_two_workers_give_the_single_process_outcome_and_count() -> None:
    single = run_tlc(run_options(model("conf_rotate")))
    result = run_distributed(options("conf_rotate"))
    assert isinstance(single.outcome, Success) and isinstance(result.outcome, Success)
    assert (
        result.run.output.stats.distinct
        == single.output.stats.distinct
        == model("conf_rotate").expected.distinct_states
    )
    assert result.registered_workers == 2 and result.verdict_run is None
    assert_nothing_left(result)


@pytest.mark.tlc
@pytest.mark.slow
def test_a_violation_is_named_and_its_last_step_comes_back() -> None:
    result = run_distributed(options("bug_04fc7816089c"))
    assert result.outcome == ActionPropertyViolated("NoStaleData")
    assert result.verdict_run is not None and result.verdict_run.outcome == result.outcome
    trace = result.run.output.traces[-1]
    assert result.trace_is_last_step and len(trace.states) == 2
    assert trace.states[-1].action in ("MapFolio", "MapFolioKeepCache")  # what NoStaleData constrains
    assert_nothing_left(result)


@pytest.mark.tlc
def test_a_deadlock_is_named() -> None:
    result = run_distributed(options("lock_order", local_workers=1))
    assert result.outcome == Deadlock()
    assert len(result.run.output.traces[-1].states) == 1  # the deadlocked state alone
    assert_nothing_left(result)


def _kill_workers_once_running(how_many: int) -> tuple[list[int], Callable[[Message], None]]:
    """on_workers / on_message callbacks that SIGKILL ``how_many`` workers after both registered."""
    pids: list[int] = []
    registered: list[Message] = []

    def on_message(message: Message) -> None:
        if message.code == WORKER_REGISTERED:
            registered.append(message)
            if len(registered) == 2:
                for pid in pids[:how_many]:
                    os.kill(pid, signal.SIGKILL)

    return pids, on_message


@pytest.mark.tlc
@pytest.mark.slow
def test_a_worker_killed_mid_run_is_survived() -> None:
    pids, on_message = _kill_workers_once_running(1)
    result = run_distributed(options("reduced_skip_if_exists"), on_workers=pids.extend, on_message=on_message)
    assert isinstance(result.outcome, Success)
    killed = next(w for w in result.workers if w.pid == pids[0])
    assert killed.early and killed.exit_code == -signal.SIGKILL
    # VIEW VersionView makes the count depend on the order states are met: never exact here
    # (and it moves with definitions that change no behaviour: spec/README, "These three counts move").
    assert (result.run.output.stats.distinct or 0) > 8000
    assert_nothing_left(result)


@pytest.mark.tlc
@pytest.mark.slow
def test_losing_every_worker_stops_everything_with_a_clear_error() -> None:
    pids, on_message = _kill_workers_once_running(2)
    with pytest.raises(DistributedWorkersLost, match="all TLC workers died") as lost:
        run_distributed(options("reduced_skip_if_exists"), on_workers=pids.extend, on_message=on_message)
    assert "worker-1.log" in lost.value.what
    assert all(gone(pid) for pid in [*pids, lost.value.server_pid])


@pytest.mark.tlc
def test_the_time_limit_stops_the_server_and_every_worker() -> None:
    pids: list[int] = []
    # rotate: 138,769 states, far more than 6 s (reduced_skip_if_exists, with the quick JIT, can finish in 6 s).
    result = run_distributed(options("rotate", timeout_seconds=6.0), on_workers=pids.extend)
    assert isinstance(result.outcome, Timeout)
    assert_nothing_left(result)
    assert all(gone(pid) for pid in pids)
