"""Every kind of illegal request gets its typed error and changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.config import Config
from conformance.steps import parse_steps
from conformance.system import (
    ACTOR_STEPS,
    ENV_STEPS,
    STEP_ARGS,
    BadArguments,
    NotEnabled,
    StepRefused,
    System,
    UnknownActor,
    UnknownStep,
)
from conformance.values import ModelValue

CONFIGS = [
    Config(variant=v, scan_budget=b) for v in ("none", "lru_remove", "skip_if_exists", "swap_table") for b in (1, 2)
]


def walk(config: Config, choices: list[int]) -> System:
    """A reachable state: follow ``choices`` through the enabled steps."""
    system = System(config)
    for c in choices:
        enabled = system.enabled()
        if not enabled:
            break
        step = enabled[c % len(enabled)]
        system.step(step.name, step.actor, **dict(step.args))
    return system


def well_formed_requests(system: System) -> list[tuple[str, object, dict[str, object]]]:
    """Every (step, actor, arguments) the config allows, enabled or not."""
    cfg = system.config
    values = {"s": cfg.slot_values, "v": cfg.version_values}
    requests: list[tuple[str, object, dict[str, object]]] = []
    for name in sorted(ACTOR_STEPS | ENV_STEPS):
        actors = [None] if name in ENV_STEPS else list(system.actors)
        keys = STEP_ARGS.get(name, ())
        combos: list[dict[str, object]] = [{}]
        for key in keys:
            combos = [dict(c, **{key: v}) for c in combos for v in values[key]]
        requests += [(name, a, c) for a in actors for c in combos]
    return requests


def assert_refused(system: System, error: type[StepRefused], name: str, actor: object, **args: object) -> None:
    before, enabled = system.observe(), system.enabled()
    with pytest.raises(error) as refused:
        system.step(name, actor, **args)  # type: ignore[arg-type]  # ill-typed requests are the point: refused
    assert refused.value.step.startswith(name) and refused.value.why
    assert system.observe() == before and system.enabled() == enabled


@settings(max_examples=40, deadline=None)
@given(config=st.sampled_from(CONFIGS), choices=st.lists(st.integers(0, 30), max_size=25))
def test_every_illegal_request_is_refused_and_changes_nothing(config: Config, choices: list[int]) -> None:
    system = walk(config, choices)
    t1, s1, v1 = system.tasks[0], config.slot_values[0], config.version_values[0]
    assert_refused(system, UnknownStep, "SwapIn", t1)
    assert_refused(system, UnknownActor, "ChargeOk", None)
    assert_refused(system, UnknownActor, "ChargeOk", ModelValue("t9"))
    assert_refused(system, UnknownActor, "FreeSlot", t1, s=s1)
    assert_refused(system, BadArguments, "StartFault", t1)
    assert_refused(system, BadArguments, "ChargeOk", t1, s=s1)
    assert_refused(system, BadArguments, "SwapOut", None, s=s1)
    assert_refused(system, BadArguments, "SwapOut", None, s=ModelValue("s9"), v=v1)
    assert_refused(system, BadArguments, "SwapOut", None, s=s1, v=ModelValue("v9"))
    enabled = set(system.enabled())
    for name, actor, args in well_formed_requests(system):
        offered = any(s.name == name and s.actor == actor and dict(s.args) == args for s in enabled)
        if not offered:
            assert_refused(system, NotEnabled, name, actor, **args)


@settings(max_examples=30, deadline=None)
@given(config=st.sampled_from(CONFIGS), choices=st.lists(st.integers(0, 30), max_size=25))
def test_every_enabled_step_can_be_taken(config: Config, choices: list[int]) -> None:
    system = walk(config, choices)
    for step in system.enabled():
        fork = system.copy()
        fork.step(step.name, step.actor, **dict(step.args))
        assert fork.observe() != system.observe(), f"{step} changed nothing"


def test_refusal_says_why() -> None:
    system = System(Config())
    with pytest.raises(NotEnabled, match=r"t1 is idle and its first step needs a swapped-out slot"):
        system.step("ChargeOk", "t1")
    system.step("SwapOut", s="s1", v="v1")
    with pytest.raises(NotEnabled, match=r"version v1 is referenced in the state"):
        system.step("SwapOut", s="s2", v="v1")
    for step in parse_steps("StartFault(t1, s=s1) SwapcachePrepare(t1) ChargeReclaim(t1) LruIsolate(t1)"):
        system.step(step.name, step.actor, **dict(step.args))
    with pytest.raises(NotEnabled, match=r"blocked on slot s1: swapcache_prepare\(\) returns -EEXIST \(held by t1\)"):
        system.step("WbAllocFolio", "t1")
