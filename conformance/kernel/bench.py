"""Benchmarks of the kernel harness (numbers to quote; nothing asserts on time).

    python -m conformance.kernel.bench [--steps N] [--seed S]
    python -m conformance.kernel.bench --suite 3 [--base DIR]

* build: extraction from the tarball, then a rebuild from the extracted tree
* steps/s of KernelSystem on a random schedule (step + observe + enabled per step)
* the snapshot choices: a fork()ed trial, a fresh process, replay per step
* ``--suite N``: the generated rotate suite against the Python reference and
  against the C, alternately, N times each (``--base DIR``: also against the
  C of another checkout, e.g. the commit before a change, in the same
  rounds): pytest's time, the wall time and the CPU time of each run (the
  harness processes' included), the load average before each, and the ratio
  to the reference run next to it.  The machine may be shared: compare
  ratios measured side by side, not times from different moments.

Trace validation's checked steps a minute are printed by the command itself
(``python -m gen.generators.trace_validate --model conf_rotate --steps 100000
[--choose random]``); it lives in gen/ because it reads TLC's graph.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conformance.config import Config

from . import build as kbuild
from . import system as ksys
from .system import KernelSystem

CONFIG = Config(
    tasks=("t1", "t2"),
    shrinkers=("k1",),
    slots=("s1", "s2"),
    versions=("v1", "v2", "v3"),
    variant="skip_if_exists",
    scan_budget=2,
)


def _drop_idle() -> None:
    """End the idle harness processes, so that the next system starts one."""
    for procs in ksys._IDLE.values():
        for proc, stderr in procs:
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait()
            proc.stdout.close()  # type: ignore[union-attr]
            stderr.close()
    ksys._IDLE.clear()


def _with_process(system: KernelSystem) -> KernelSystem:
    """The system with its harness process made (a system makes one only when it must explore a state)."""
    system._harness  # noqa: B018 (the property starts the process and replays the log)
    return system


SUITE = "conformance/generated/test_conf_rotate.py"


def _timed_pytest(cwd: Path, extra: list[str]) -> tuple[float, float, float, float, str]:
    """One pytest run of the suite: (pytest's own seconds, wall, CPU seconds of it and its children, load, tail)."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, SUITE],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-200:]
    found = re.search(r"in ([0-9.]+)s", last)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"pytest {' '.join(extra)} in {cwd} failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    return float(found.group(1)), wall, cpu, load, last


def suite(rounds: int, base: Path | None) -> None:
    """The reference and the C (and the base checkout's C), alternately; a row per run."""
    root = kbuild.ROOT
    kbuild.build()
    runs: list[tuple[str, Path, list[str]]] = [("reference", root, []), ("C", root, ["--impl=kernel"])]
    if base is not None:
        runs.append((f"C at {base.name}", base, ["--impl=kernel"]))
    print(
        f"{'round':>5}  {'what':<22} {'load':>5} {'pytest s':>8} {'wall s':>7} {'CPU s':>6}  x reference (pytest, CPU)"
    )
    for n in range(1, rounds + 1):
        reference: tuple[float, float] | None = None
        for name, cwd, extra in runs:
            took, wall, cpu, load, _ = _timed_pytest(cwd, extra)
            if reference is None:
                reference = (took, cpu)
            ratio = f"{took / reference[0]:.2f}, {cpu / reference[1]:.2f}"
            print(f"{n:>5}  {name:<22} {load:5.1f} {took:8.2f} {wall:7.2f} {cpu:6.2f}  {ratio}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build", action="store_true", help="also time a build from scratch")
    parser.add_argument("--suite", type=int, default=0, metavar="N", help="only: N rounds of the suite comparison")
    parser.add_argument("--base", type=Path, help="with --suite: a checkout whose C runs in the same rounds")
    args = parser.parse_args()
    if args.suite:
        suite(args.suite, args.base)
        return
    if args.build:
        shutil.rmtree(kbuild.BUILD, ignore_errors=True)
        t = time.monotonic()
        kbuild.build()
        print(f"build from the tarball (extract + compile): {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        kbuild.build(force=True)
        print(f"rebuild once extracted: {time.monotonic() - t:.1f} s")
    exe = kbuild.build()
    t = time.monotonic()
    for _ in range(10):
        _drop_idle()
        _with_process(KernelSystem(CONFIG, exe)).close()
    print(f"a fresh harness process: {(time.monotonic() - t) / 10 * 1000:.1f} ms")
    t = time.monotonic()
    for _ in range(10):
        _with_process(KernelSystem(CONFIG, exe)).close()
    print(f"a new system from an idle harness process (a fork): {(time.monotonic() - t) / 10 * 1000:.1f} ms")
    rng = random.Random(args.seed)
    system = KernelSystem(CONFIG, exe)
    trials = steps = 0
    t = time.monotonic()
    trial_time = 0.0
    while steps < args.steps:
        system.observe()
        ksys._NODES.clear()  # memo off for the timing: every state explored afresh
        ksys._INITIAL.clear()
        enabled = system.enabled()
        if not enabled or len(system._log) > 60:
            system.reset()
            continue
        step = rng.choice(enabled)
        system.step(step.name, step.actor, **dict(step.args))
        steps += 1
    elapsed = time.monotonic() - t
    print(
        f"random schedule: {steps} steps in {elapsed:.1f} s = {steps / elapsed:.0f} steps/s "
        f"(each: observe, enabled by fork()ed trials, step; memo off for the timing)"
    )
    for _ in range(50):
        t0 = time.monotonic()
        rows = system._harness.ask("trials")
        trial_time += time.monotonic() - t0
        trials += rows.count("[") - 1
    print(f"a fork()ed trial: {trial_time / max(trials, 1) * 1000:.2f} ms ({trials} trials)")
    log = list(system._log)
    t = time.monotonic()
    other = _with_process(system.copy())
    print(f"copy() by replay of {len(log)} steps: {(time.monotonic() - t) * 1000:.1f} ms")
    other.close()
    system.close()


if __name__ == "__main__":
    main()
