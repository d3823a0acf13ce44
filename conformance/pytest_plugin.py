"""The generated tests' ``system_for`` fixture (a pytest plugin: pyproject's addopts loads it).

Every generated test builds its systems through the fixture, never through a
module-level setting: ``--config-override JSON`` (``gen.generators.mutants``
passes it) gives every system of the run these ``Config`` fields instead of
the model's, e.g. ``{"variant": "none"}``, to show the suite notices a
deliberately wrong configuration.  Without the option the fixture is plain
``conformance.replay.system_for``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from conformance.replay import SystemFactory
from conformance.replay import system_for as build_system

OPTION = "--config-override"
_OVERRIDE = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        metavar="JSON",
        default=None,
        help="Config fields every generated test's system gets instead of its model's, e.g. '{\"variant\": \"none\"}'",
    )


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption(OPTION)
    if not text:
        config.stash[_OVERRIDE] = {}
        return
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as err:
        raise pytest.UsageError(f'{OPTION} {text!r}: not JSON ({err}); write e.g. \'{{"variant": "none"}}\'') from None
    if not isinstance(fields, dict):
        raise pytest.UsageError(f"{OPTION} {text!r}: give a JSON object of Config fields")
    config.stash[_OVERRIDE] = config_fields(fields)


def config_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """JSON's lists as the tuples and frozensets ``Config`` holds."""
    return {
        name: frozenset(value) if name == "bugs" else tuple(value) if isinstance(value, list) else value
        for name, value in fields.items()
    }


@pytest.fixture
def system_for(request: pytest.FixtureRequest) -> SystemFactory:
    """``system_for(config)``: a fresh reference system for ``config`` (with the run's override, if any)."""
    override = request.config.stash.get(_OVERRIDE, {})
    return functools.partial(build_system, override=override) if override else build_system
