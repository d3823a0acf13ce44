"""Benchmark: random schedules through enabled()/step()/observe().

    python -m conformance.benchmarks.steps_per_second [--steps N] [--profile]

The configuration of the target (issue 4): 2 tasks, 1 shrinker, 2 slots,
3 versions; every step is enabled() -> pick at random -> step() -> observe().
A schedule starts over from the initial state when nothing is enabled or
after 200 steps.  Target: 50,000 steps/s.  Rates are given per CPU second
(what the code costs) and per wall second (what a loaded machine, shared
with TLC runs, gives).  --profile prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import time

from conformance.config import VARIANTS, Config
from conformance.system import System

TARGET = 50_000


def run(config: Config, steps: int, seed: int = 1) -> tuple[float, float]:
    """Steps per second over ``steps`` random steps: per wall-clock second and per CPU second."""
    rng = random.Random(seed)
    system = System(config)
    taken = in_schedule = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    while taken < steps:
        enabled = system.enabled()
        if not enabled or in_schedule == 200:
            system.reset()
            in_schedule = 0
            continue
        step = enabled[rng.randrange(len(enabled))]
        system.step(step.name, step.actor, **dict(step.args))
        system.observe()
        taken += 1
        in_schedule += 1
    return steps / (time.perf_counter() - start), steps / (time.process_time() - start_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"2 tasks, 1 shrinker, 2 slots, 3 versions; {args.steps} random steps per variant; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    for variant in VARIANTS:
        config = Config(
            tasks=("t1", "t2"), shrinkers=("k1",), slots=("s1", "s2"), versions=("v1", "v2", "v3"), variant=variant
        )
        wall, cpu = run(config, args.steps)
        verdict = "meets" if cpu >= TARGET else "below"
        print(f"  {variant:15} {cpu:9,.0f} steps per CPU second ({verdict} {TARGET:,}); {wall:9,.0f} per wall second")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(run, Config(variant="none"), args.steps)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
