"""conformance.tlc_config, the one reader and writer of TLC .cfg files: what it writes, it reads back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conformance.config import Config
from conformance.tlc_config import KEYWORDS, config_text, line_naming, parse_cfg_constants
from conformance.values import ModelValue
from gen.bridge import paths
from gen.generators import generate

MODEL_CONFIGS = sorted(paths.MODELS_DIR.glob("*.cfg"))


def test_written_constants_read_back() -> None:
    constants = [
        ("Tasks", (ModelValue("t1"), ModelValue("t2"))),
        ("BUGS", frozenset({"27d3969b47cc", "04fc7816089c"})),
        ("VARIANT", "none"),
        ("SCAN_BUDGET", 2),
        ("STRONG", True),
        ("NoEntry", ModelValue("NoEntry")),
    ]
    text = config_text(constants)
    assert text.splitlines()[0] == "CONSTANTS" and text.endswith("INIT Init\nNEXT Next\n")
    assert parse_cfg_constants(text) == {
        "Tasks": frozenset({"t1", "t2"}),  # model values read back as their names
        "BUGS": frozenset({"27d3969b47cc", "04fc7816089c"}),
        "VARIANT": "none",
        "SCAN_BUDGET": 2,
        "STRONG": True,
        "NoEntry": "NoEntry",
    }


@pytest.mark.parametrize("cfg", MODEL_CONFIGS, ids=lambda path: path.stem)
def test_every_model_config_round_trips(cfg: Path) -> None:
    """spec/models/*.cfg -> Config -> the generators' config text -> the same Config."""
    config = Config.from_cfg(cfg)
    again = Config.from_cfg_text(generate.config_text(config))
    # The written config has no IsFreshVersion substitution: a reduced model's choice stays behind.
    assert again == dataclasses.replace(config, fresh_version="any")


def test_the_keywords_are_the_ones_every_reader_uses() -> None:
    from gen.bridge import tlc
    from gen.review import diff

    assert tlc._CFG_KEYWORDS is KEYWORDS
    assert all(diff._CFG_KEYWORDS.match(f"{keyword} x") for keyword in KEYWORDS)


def test_line_naming_finds_a_word_outside_comments() -> None:
    text = (
        "\\* CHECK_DEADLOCK in a line comment\n"
        "(* CHECK_DEADLOCK in a block\n"
        "   comment *) INVARIANT NoSelfWait\n"
        "CHECK_DEADLOCKS FALSE\n"
        "  CHECK_DEADLOCK FALSE \\* the one\n"
    )
    assert line_naming(text, "CHECK_DEADLOCK") == 5
    assert line_naming(text, "NoSelfWait") == 3
    assert line_naming(text, "Missing") is None
