"""Benchmarks of the kernel harness (numbers to quote; nothing asserts on time).

    python -m conformance.kernel.bench [--steps N] [--seed S]

* build: extraction from the tarball, then a rebuild from the extracted tree
* steps/s of KernelSystem on a random schedule (step + observe + enabled per step)
* the snapshot choices: a fork()ed trial, a fresh process, replay per step

Trace validation's checked steps a minute are printed by the command itself
(``python -m gen.generators.trace_validate --model conf_rotate --steps 100000
[--choose random]``); it lives in gen/ because it reads TLC's graph.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build", action="store_true", help="also time a build from scratch")
    args = parser.parse_args()
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
        KernelSystem(CONFIG, exe).close()
    print(f"a fresh harness process: {(time.monotonic() - t) / 10 * 1000:.1f} ms")
    t = time.monotonic()
    for _ in range(10):
        KernelSystem(CONFIG, exe).close()
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
    other = system.copy()
    print(f"copy() by replay of {len(log)} steps: {(time.monotonic() - t) * 1000:.1f} ms")
    other.close()
    system.close()


if __name__ == "__main__":
    main()
