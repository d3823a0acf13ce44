"""The state key (harness.c kc_key; README "The state key"): what the trials' memo stands on.

Trials are memoized by the C's state key, not by the step log that made the
state, so a state reached by two histories is explored once.  That is sound
only if the key holds everything the C's future depends on.  Here: with
``KC_MEMO_CHECK=1`` every memoized answer is computed again from the
system's own history and compared (a difference is a KernelBug naming the
key), on random schedules that reach states again by other histories; and
the key tells apart states whose observe() is the same but whose C is not.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from conformance.config import Config
from conformance.kernel import system as ksys
from conformance.kernel.system import KernelSystem, memo_mode
from conformance.values import ModelValue

ONE = Config(tasks=("t1",), shrinkers=("k1",), slots=("s1",), versions=("v1", "v2"), variant="rotate", scan_budget=2)
CONFIGS = {
    "1t1k1s": ONE,
    "2t1k1s": Config(
        tasks=("t1", "t2"), shrinkers=("k1",), slots=("s1",), versions=("v1", "v2"), variant="rotate", scan_budget=2
    ),
    "1t1k2s": Config(
        tasks=("t1",),
        shrinkers=("k1",),
        slots=("s1", "s2"),
        versions=("v1", "v2", "v3"),
        variant="rotate",
        scan_budget=3,
    ),
    # 6.12's SWP_SYNCHRONOUS_IO bypass (conf_sync_io_rotate's config): the fault's branch and private folio
    "1t1k1s_sync": Config(
        tasks=("t1",),
        shrinkers=("k1",),
        slots=("s1",),
        versions=("v1", "v2"),
        variant="rotate",
        scan_budget=2,
        sync_io=True,
    ),
    # swapoff (conf_swapoff_rotate's config): the device's state and the swapoff actor's phase and swap-in
    "1k1o1s": Config(
        tasks=(),
        shrinkers=("k1",),
        swapoffs=("o1",),
        slots=("s1",),
        versions=("v1", "v2"),
        variant="rotate",
        scan_budget=2,
    ),
}
s1, t1, k1, v1 = (ModelValue(n) for n in ("s1", "t1", "k1", "v1"))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_memoized_answers_are_what_the_c_answers_from_any_history(
    name: str, kernel_harness: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random schedules, short (back to the initial state every 10 steps) so that states come back by other
    histories: each memoized exploration and step is checked against the C run from this history."""
    monkeypatch.setenv("KC_MEMO", "state")
    monkeypatch.setenv("KC_MEMO_CHECK", "1")
    rng = random.Random(7)
    system = KernelSystem(CONFIGS[name], kernel_harness)
    nodes = ksys._NODES[system._scope]
    hits = 0
    try:
        for n in range(160):
            if n % 10 == 0:
                system.reset()
            hits += system._node().explored is not None  # this state was explored before: the check compares
            enabled = sorted(system.enabled(), key=str)
            if not enabled:
                system.reset()
                continue
            step = rng.choice(enabled)
            system.step(step.name, step.actor, **dict(step.args))
    finally:
        system.close()
    assert hits > 40, f"only {hits} states were met again: the check compared little ({len(nodes)} states known)"


def test_two_histories_to_one_state_share_its_key(kernel_harness: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KC_MEMO", "state")
    a, b = KernelSystem(ONE, kernel_harness), KernelSystem(ONE, kernel_harness)
    try:
        a.step("SwapOut", s=s1, v=v1)
        a.step("FreeSlot", s=s1)
        assert a._key == b._key  # back where b stands, by another history
        assert a._log != b._log
    finally:
        a.close()
        b.close()


def test_the_key_holds_what_observe_does_not(kernel_harness: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a writeback that found the folio in the swap cache (-EEXIST) and one that failed to allocate
    (-ENOMEM), k1 stands at shrink_memcg_cb's re-lock in states that observe() shows alike; what
    shrink_memcg_cb returns next depends on that result, so the keys differ."""
    monkeypatch.setenv("KC_MEMO", "state")
    eexist, enomem = KernelSystem(ONE, kernel_harness), KernelSystem(ONE, kernel_harness)
    try:
        for system in (eexist, enomem):
            system.step("SwapOut", s=s1, v=v1)
            system.step("ShrinkWorker", k1)
            system.step("LruIsolate", k1)
        enomem.step("WbAllocFail", k1)
        eexist.step("StartFault", t1, s=s1)
        eexist.step("SwapcachePrepare", t1)
        eexist.step("ChargeOk", t1)
        eexist.step("AddToSwapCache", t1)
        eexist.step("SwapReadFolio", t1)
        eexist.step("MapFolioKeepCache", t1)
        eexist.step("WbFolioExists", k1)
        assert eexist.observe()["stack"] == enomem.observe()["stack"]
        assert ".R-17" in eexist._key and ".R-12" in enomem._key
    finally:
        eexist.close()
        enomem.close()


def test_patched_builds_key_trials_by_step_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KC_MEMO", raising=False)
    assert memo_mode(Path("build/kernel-c/612/kharness")) == "state"
    assert memo_mode(Path("build/kernel-c/my-fix-0123abcd/kharness")) == "log"
    monkeypatch.setenv("KC_MEMO", "state")
    assert memo_mode(Path("build/kernel-c/my-fix-0123abcd/kharness")) == "state"
    monkeypatch.setenv("KC_MEMO", "fast")
    with pytest.raises(ValueError, match="KC_MEMO"):
        memo_mode(Path("build/kernel-c/612/kharness"))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_idle_guards_answered_without_a_fork_are_what_the_fiber_answers(name: str, kernel_harness: Path) -> None:
    """explore answers an idle actor whose guard is false without forking a trial (harness.c
    explore_idle_nostep); with KC_FORK_EVERY_TRIAL=1 every trial is forked.  Along a random schedule the
    two give the same explore answers, byte for byte."""
    rng = random.Random(3)
    system = KernelSystem(CONFIGS[name], kernel_harness)
    schedule = [system._init, "explore any"]
    try:
        for _ in range(40):
            enabled = sorted(system.enabled(), key=str)
            if not enabled:
                break
            step = rng.choice(enabled)
            schedule += [system.command_for(step), "explore any"]
            system.step(step.name, step.actor, **dict(step.args))
    finally:
        system.close()
    answers = []
    for every in ("", "1"):
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", KC_FORK_EVERY_TRIAL=every)
        run = subprocess.run(
            [str(kernel_harness)], input="\n".join(schedule) + "\n", capture_output=True, text=True, env=env
        )
        assert run.returncode == 0, run.stderr[-2000:]
        answers.append(run.stdout)
    shortcut, forked = answers
    assert shortcut.count("\n") == len(schedule)
    assert '"IDLE","IDLE",1,' in shortcut  # some idle guard was false on the way
    assert shortcut == forked
