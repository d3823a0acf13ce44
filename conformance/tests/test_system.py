"""Copy, reset, observe shapes, config parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import Config, ConfigError
from conformance.system import NotEnabled, System
from conformance.tlc_config import parse_cfg_constants
from conformance.values import FnValue, ModelValue, function_of

MODELS = Path(__file__).resolve().parents[2] / "spec" / "models"


def test_initial_state_is_the_specs_init() -> None:
    state = System(Config(tasks=("t1",), shrinkers=("k1",), slots=("s1",))).observe()
    s1, t1, k1 = ModelValue("s1"), ModelValue("t1"), ModelValue("k1")
    assert state == {
        "swap_map": FnValue({s1: FnValue({"count": 0, "has_cache": False})}),
        "swapped_page": FnValue({s1: ModelValue("NoData")}),
        "swap_cache": FnValue({s1: ModelValue("NoFolio")}),
        "zswap_tree": FnValue({s1: ModelValue("NoEntry")}),
        "zswap_lru": (),
        "zswap_referenced": FnValue({s1: False}),
        "swap_device": FnValue({s1: ModelValue("NoData")}),
        "stack": FnValue({t1: (), k1: ()}),
    }


def test_copies_are_independent() -> None:
    system = System(Config())
    system.step("SwapOut", s="s1", v="v1")
    fork = system.copy()
    fork.step("StartFault", "t1", s="s1")
    other = system.copy()
    other.step("FreeSlot", s="s1")
    assert function_of(system.observe(), "stack")[ModelValue("t1")] == ()
    assert function_of(fork.observe(), "swap_map")[ModelValue("s1")]["count"] == 1
    assert function_of(other.observe(), "swap_map")[ModelValue("s1")]["count"] == 0
    fork.reset()
    assert fork.observe() == System(Config()).observe()


def test_enabled_order_is_stable() -> None:
    a, b = System(Config()), System(Config())
    for system in (a, b):
        system.step("SwapOut", s="s2", v="v3")
        system.step("SwapOut", s="s1", v="v1")
    assert a.enabled() == b.enabled()
    assert [str(s) for s in a.enabled()] == [
        "StartFault(t1, s=s1)",
        "StartFault(t1, s=s2)",
        "StartFault(t2, s=s1)",
        "StartFault(t2, s=s2)",
        "ShrinkWorker(k1)",
        "FreeSlot(s=s1)",
        "FreeSlot(s=s2)",
    ]


@pytest.mark.parametrize("cfg", sorted(MODELS.glob("*.cfg")), ids=lambda p: p.name)
def test_every_spec_model_builds_a_system(cfg: Path) -> None:
    config = Config.from_cfg(cfg)
    assert System(config).enabled()  # something can happen from Init: SwapOut


def test_cfg_constants() -> None:
    text = """\\* a comment
CONSTANTS
    Tasks = {t1, t2}
    Shrinkers = {}
    Slots = {s1}
    Versions = {v1, v2}
    VARIANT = "lru_remove"  \\* why
    PUTBACK = "head"
    SCAN_BUDGET = 2
    BUGS = {"04fc7816089c"}
    FAIRNESS = "weak"
    WORKER_CHARGE_RECLAIM = FALSE
    NoEntry = NoEntry
    Perms <- Symmetry
INIT Init
"""
    config = Config.from_constants(parse_cfg_constants(text))
    assert config == Config(
        tasks=("t1", "t2"),
        shrinkers=(),
        slots=("s1",),
        versions=("v1", "v2"),
        variant="lru_remove",
        putback="head",
        scan_budget=2,
        bugs=frozenset({"04fc7816089c"}),
    )


def test_bad_constants_say_what_to_do() -> None:
    with pytest.raises(ConfigError, match=r"constant SCAN_BUDGET is not assigned"):
        Config.from_constants(
            parse_cfg_constants(
                "CONSTANTS Tasks = {t1} Shrinkers = {} Slots = {s1} "
                'Versions = {v1} VARIANT = "none" PUTBACK = "tail" BUGS = {}'
            )
        )
    with pytest.raises(ConfigError, match=r"VARIANT 'nope' unknown"):
        Config(variant="nope")
    with pytest.raises(ConfigError, match=r"BUGS \['deadbeef'\] unknown"):
        Config(bugs=frozenset({"deadbeef"}))


def test_first_fresh_version_models_offer_one_swap_out(tmp_path: Path) -> None:
    text = (
        'CONSTANTS Tasks = {t1} Shrinkers = {} Slots = {s1, s2} Versions = {v1, v2, v3} VARIANT = "none" '
        'PUTBACK = "tail" SCAN_BUDGET = 1 BUGS = {} IsFreshVersion <- FirstFreshVersion\nINIT Init\n'
    )
    path = tmp_path / "first_fresh.cfg"
    path.write_text(text)
    config = Config.from_cfg(path)
    assert config.fresh_version == "first"
    system = System(config)
    assert [str(s) for s in system.enabled()] == ["SwapOut(s=s1, v=v1)", "SwapOut(s=s2, v=v1)"]
    system.step("SwapOut", s="s2", v="v1")
    assert [str(s) for s in system.enabled()][-2:] == ["SwapOut(s=s1, v=v2)", "FreeSlot(s=s2)"]
    with pytest.raises(NotEnabled, match=r"takes the first fresh version \(v2\), not v3"):
        system.step("SwapOut", s="s1", v="v3")
