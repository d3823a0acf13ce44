"""KERNEL_DIVERGENCES: keyed by a walk's steps, stable across `make gen` renumbering, and never stale."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from conformance.kernel import divergences


def _root_conftest() -> ModuleType:
    """The repository's own conftest.py, by path: `import conftest` finds whichever conftest
    pytest registered first under that name (gen/tests has one too), so the result would
    depend on which tests run."""
    path = Path(__file__).resolve().parents[3] / "conftest.py"
    spec = importlib.util.spec_from_file_location("root_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conftest = _root_conftest()


GENERATED = Path(__file__).resolve().parents[2] / "generated"
ROTATE_SUITE = GENERATED / "test_conf_rotate.py"

WALK = '''
def test_walk_007() -> None:
    """v1 is swapped out to s1; s1 is freed."""
    run = graph.replay()
    run.step('SwapOut', s=s1, v=v1, then=1)  # SwapOut Zswap.tla:615
    run.step('StartFault', t1, s=s1, then=4)  # StartFault Zswap.tla:235
'''


def test_the_key_ignores_what_regeneration_renumbers() -> None:
    renumbered = re.sub(r"then=\d+", "then=99", WALK).replace("test_walk_007", "test_walk_112")
    renumbered = renumbered.replace("Zswap.tla:615", "Zswap.tla:640")
    key = divergences.walk_key("test_conf_rotate.py", WALK)
    assert key == divergences.walk_key("test_conf_rotate.py", renumbered)
    assert re.fullmatch(r"test_conf_rotate\.py:[0-9a-f]{16}", key)


def test_the_steps_are_read_from_the_lines() -> None:
    assert divergences.walk_steps(WALK) == ["'SwapOut', s=s1, v=v1", "'StartFault', t1, s=s1"]


def test_the_key_changes_with_any_step() -> None:
    key = divergences.walk_key("test_conf_rotate.py", WALK)
    for changed in (
        WALK.replace("v=v1", "v=v2"),
        WALK.replace("t1, s=s1", "t2, s=s1"),
        WALK.replace("'StartFault'", "'FreeSlot'"),
    ):
        assert divergences.walk_key("test_conf_rotate.py", changed) != key
    assert divergences.walk_key("test_conf_none.py", WALK) != key


def test_every_walk_of_the_rotate_suite_has_its_own_key() -> None:
    keys = [key for _, key in divergences.walks(ROTATE_SUITE)]
    assert len(keys) > 100 and len(set(keys)) == len(keys)


def test_every_listed_divergence_names_a_generated_walk() -> None:
    known = {key for path in GENERATED.glob("test_*.py") for _, key in divergences.walks(path)}
    stale = sorted(set(divergences.KERNEL_DIVERGENCES) - known)
    assert not stale, f"no generated walk has these keys any more (regenerated?): {stale}"


class _Item:
    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name
        self.markers: list[pytest.MarkDecorator] = []

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker)


class _Config:
    def __init__(self, impl: str) -> None:
        self.impl = impl

    def getoption(self, name: str) -> str:
        assert name == "--impl"
        return self.impl


def test_conftest_marks_a_listed_walk_a_strict_xfail_by_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    (first, key), (second, _) = list(divergences.walks(ROTATE_SUITE))[:2]
    monkeypatch.setitem(divergences.KERNEL_DIVERGENCES, key, "a known difference")
    items = [_Item(ROTATE_SUITE, first), _Item(ROTATE_SUITE, second)]
    conftest.pytest_collection_modifyitems(_Config("kernel"), items)
    (marker,) = items[0].markers
    assert marker.mark.name == "xfail" and marker.mark.kwargs == {"reason": "a known difference", "strict": True}
    assert items[1].markers == []
    python = [_Item(ROTATE_SUITE, first)]
    conftest.pytest_collection_modifyitems(_Config("python"), python)
    assert python[0].markers == []


def test_the_command_prints_a_tests_key(capsys: pytest.CaptureFixture[str]) -> None:
    name, key = next(divergences.walks(ROTATE_SUITE))
    assert divergences.main([f"{ROTATE_SUITE}::{name}"]) == 0
    assert repr(key) in capsys.readouterr().out
    assert divergences.main([f"{ROTATE_SUITE}::test_walk_none"]) == 1
    assert "no such generated test" in capsys.readouterr().err
