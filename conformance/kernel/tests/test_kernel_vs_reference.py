"""The real 6.12 C against the Python reference (variant rotate) on random schedules.

Both systems take the same seeded random schedule; at every state their
observe() and enabled() must be equal.  Cheaper than a TLC graph and reaching
configurations (two slots, three versions) the graphs here leave out.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from conformance.config import Config
from conformance.system import System

CONFIGS = {
    "2t1k1s": Config(
        tasks=("t1", "t2"), shrinkers=("k1",), slots=("s1",), versions=("v1", "v2"), variant="rotate", scan_budget=2
    ),
    "1t1k2s3v": Config(
        tasks=("t1",),
        shrinkers=("k1",),
        slots=("s1", "s2"),
        versions=("v1", "v2", "v3"),
        variant="rotate",
        scan_budget=3,
    ),
}


def compare(config: Config, exe: Path, seed: int, steps: int) -> list[str]:
    from conformance.kernel.system import KernelSystem

    rng = random.Random(seed)
    ref, kern = System(config), KernelSystem(config, exe)
    taken: list[str] = []
    try:
        for _ in range(steps):
            r_obs, k_obs = ref.observe(), kern.observe()
            if r_obs != k_obs:
                diff = {
                    k: (r_obs.get(k), k_obs.get(k)) for k in set(r_obs) | set(k_obs) if r_obs.get(k) != k_obs.get(k)
                }
                return [f"after {' '.join(taken)}: states differ (reference, kernel): {diff}"]
            r_en, k_en = set(ref.enabled()), set(kern.enabled())
            if r_en != k_en:
                return [
                    f"after {' '.join(taken)}: enabled differs: only reference {sorted(map(str, r_en - k_en))}, "
                    f"only kernel {sorted(map(str, k_en - r_en))}"
                ]
            if not r_en:
                ref = System(config)  # a dead end: start again
                kern.reset()
                taken.clear()
                continue
            step = rng.choice(sorted(r_en, key=str))
            ref.step(step.name, step.actor, **dict(step.args))
            kern.step(step.name, step.actor, **dict(step.args))
            taken.append(str(step))
        return []
    finally:
        kern.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kernel_c_equals_the_reference_on_random_schedules(name: str, seed: int, kernel_harness: Path) -> None:
    found = compare(CONFIGS[name], kernel_harness, seed, 400)
    assert not found, found[0]
