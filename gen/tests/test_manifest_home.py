"""spec/models.json is the one home of the expected results: the schema, the runtime field, the .cfg comments."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gen.bridge import paths
from gen.bridge.errors import ManifestError
from gen.bridge.manifest import Model, load_manifest

MODELS = load_manifest().models


def _expected_sentence(config: Path) -> str | None:
    """The .cfg comment's "Expected: ..." sentence (comments joined across lines), if it has one."""
    comments = " ".join(line.partition("\\*")[2].strip() for line in config.read_text().splitlines() if "\\*" in line)
    found = re.search(r"Expected: (.*?)(?:\.(?:\s|$)|:\s|$)", comments)
    return found.group(1) if found else None


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.name)
def test_a_cfg_comment_says_what_the_manifest_expects(model: Model) -> None:
    """The prose in a .cfg may say what its model shows, but never something else than the manifest."""
    sentence = _expected_sentence(model.config)
    if sentence is None:
        return
    result = model.expected.result
    if result == "success":
        assert "violated" not in sentence and ("holds" in sentence or sentence == "success"), (
            f"{model.config.name}: {sentence!r} vs {result}"
        )
    else:
        name = result.partition(":")[2] or result
        assert name in sentence and "violated" in sentence, f"{model.config.name}: {sentence!r} vs {result}"


def test_the_manifest_follows_its_schema() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(checker), "--schemafile", str(paths.MANIFEST_SCHEMA), str(paths.MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_model_has_its_runtime() -> None:
    # A distributed-tier model has never finished here: its entry records bounded runs instead
    # (distributed_runs, checked by the schema), not a runtime.
    assert [m.name for m in MODELS if m.runtime is None and m.tier != "distributed"] == []


def test_a_runtime_needs_seconds_and_states(tmp_path: Path) -> None:
    (tmp_path / "M.tla").write_text("---- MODULE M ----\n====\n")
    (tmp_path / "M.cfg").write_text("")
    entry = (
        '{"models": [{"name": "m", "summary": "s", "spec": "M.tla", "config": "M.cfg", "tier": "fast", '
        '"mode": "exhaustive", "expected": {"result": "invariant:Inv"}, "runtime": %s}]}'
    )
    manifest = tmp_path / "models.json"
    manifest.write_text(entry % '{"seconds": 2.5, "states": 36}')
    (model,) = load_manifest(manifest).models
    assert model.runtime is not None and (model.runtime.seconds, model.runtime.states) == (2.5, 36)
    manifest.write_text(entry % '{"seconds": 2.5}')
    with pytest.raises(ManifestError, match="runtime"):
        load_manifest(manifest)
