"""gen.generators.generate: model configs, descriptions, and the committed modules are what generation gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import Config
from conformance.steps import Step
from conformance.tlc_config import parse_cfg_constants
from conformance.values import ModelValue
from gen.generators.counterexamples import counterexample_config_text
from gen.generators.describe import action_lines, describe_walk
from gen.generators.generate import (
    GENERATED,
    ITF_MODELS,
    config_text,
    cover_of,
    explore,
    graph_config_text,
    model_config,
    render_walk_modules,
)

CFG = """\\* a comment
CONSTANTS
    Tasks = {t1}
    VARIANT = "none"
INIT Init
NEXT Next
SYMMETRY Symmetry
INVARIANTS TypeOK
    NoSelfWait
PROPERTIES NoStaleData
"""


def test_graph_config_keeps_constants_init_next_only() -> None:
    text = graph_config_text(CFG)
    assert "SYMMETRY" not in text and "TypeOK" not in text and "NoSelfWait" not in text
    assert "Tasks = {t1}" in text and "INIT Init" in text and "NEXT Next" in text


def test_counterexample_config_drops_symmetry_only() -> None:
    text = counterexample_config_text(CFG)
    assert "SYMMETRY" not in text and "NoSelfWait" in text and "PROPERTIES NoStaleData" in text


def test_config_text_reads_back_as_the_same_config() -> None:
    config = Config(
        tasks=("t1", "t2"),
        shrinkers=(),
        slots=("s1",),
        versions=("v1", "v2"),
        variant="lru_remove",
        putback="head",
        scan_budget=2,
        bugs=frozenset({"04fc7816089c"}),
    )
    assert Config.from_constants(parse_cfg_constants(config_text(config))) == config


def test_itf_models_derive_from_committed_models() -> None:
    for model, (base, _fields) in ITF_MODELS.items():
        cfg, text = model_config(model)
        assert cfg.name == f"{base}.cfg"
        assert "s2 = s2" in text


def test_walk_description_says_what_happens_in_words() -> None:
    t1, s1, v1 = ModelValue("t1"), ModelValue("s1"), ModelValue("v1")
    text = describe_walk(
        [
            Step("SwapOut", None, (("s", s1), ("v", v1))),
            Step("StartFault", t1, (("s", s1),)),
            Step("SwapcachePrepare", t1),
        ],
        ends_stuck=True,
    )
    assert " ".join(text.split()) == (
        "v1 is swapped out to s1; t1 faults on s1; t1 pins the slot. No step is left: every actor is idle or blocked."
    )
    assert all(len(line) <= 92 for line in text.splitlines())


def test_every_step_of_the_contract_has_a_definition_line() -> None:
    from gen.generators.edges import ACTOR_STEPS, ENVIRONMENT_STEPS

    lines = action_lines()
    assert ACTOR_STEPS | ENVIRONMENT_STEPS <= set(lines)


@pytest.mark.tlc
@pytest.mark.slow
def test_the_committed_modules_are_what_generation_gives(tmp_path: Path) -> None:
    """The staleness check in small: TLC's graph of one model, rendered, equals the committed files."""
    graph = explore("conf_two_tasks", scratch=tmp_path)
    for path, text in render_walk_modules(graph, cover_of(graph)).items():
        committed = GENERATED / path.name
        assert committed.read_text() == text, f"{committed} is stale: run `make gen`"
