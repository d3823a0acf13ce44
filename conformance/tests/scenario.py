"""Run a scripted schedule, checking the spec's properties after every step."""

from __future__ import annotations

from conformance import contract
from conformance.config import Config
from conformance.steps import Step, parse_steps
from conformance.system import System
from conformance.tests import properties as p
from conformance.tests.machine import ACTION_PROPERTIES


def run(config: Config, schedule: str) -> tuple[System, dict[str, list[Step]]]:
    """Take the steps; return the system and, per action property, the steps that violated it."""
    system = System(config)
    skip = contract.writeback_skips_pinned(config.variant, config.bugs)
    violations: dict[str, list[Step]] = {}
    for step in parse_steps(schedule):
        before = system.observe()
        system.step(step.name, step.actor, **dict(step.args))
        after = system.observe()
        for name in ACTION_PROPERTIES:
            if not p.check_action(name, before, step, after, skip, config.sync_io):
                violations.setdefault(name, []).append(step)
    return system, violations
