"""checked_by: a model decided by another model's TLC run (same graph, a subset of its checks), and only then."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gen.bridge import checking
from gen.bridge.cache import cached_run
from gen.bridge.errors import ManifestError
from gen.bridge.manifest import load_manifest

SPECS = Path(__file__).parent / "data" / "specs"
GRAPH = "CONSTANTS Tasks = {t1, t2, t3}  CHECK_PIN = %s\nSPECIFICATION Spec\n"


def model(name: str, config: str, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "summary": name,
        "spec": "SlotPin.tla",
        "config": config,
        "tier": "fast",
        "mode": "exhaustive",
        "check_deadlock": False,
        "timeout_seconds": 120,
        "expected": {"result": "success", "distinct_states": 20, "depth": 5},
    }
    entry.update(changes)
    return entry


def write(tmp_path: Path, configs: dict[str, str], models: list[dict[str, Any]]) -> Path:
    (tmp_path / "SlotPin.tla").write_text((SPECS / "SlotPin.tla").read_text())
    for name, text in configs.items():
        (tmp_path / name).write_text(text)
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": models}))
    return path


# The base checks an invariant and a property; the claim one of them, on the same graph (a comment differs).
BASE = GRAPH % "TRUE" + "INVARIANT OnePinHolder\nPROPERTY PinTakenWhenFree\n"
CLAIM = "\\* the claim: only the property\n" + GRAPH % "TRUE" + "PROPERTIES PinTakenWhenFree\n"


def test_a_claim_on_the_same_graph_with_fewer_checks_may_name_its_base(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"base.cfg": BASE, "claim.cfg": CLAIM},
        [model("base", "base.cfg"), model("claim", "claim.cfg", checked_by="base")],
    )
    claim = load_manifest(path).models[1]
    assert claim.checked_by == "base"


@pytest.mark.parametrize(
    ("claim_config", "changes", "words"),
    [
        (GRAPH % "FALSE" + "PROPERTY PinTakenWhenFree\n", {}, "differ outside INVARIANT/PROPERTY (CONSTANT)"),
        (GRAPH % "TRUE" + "PROPERTY FaultCompletes\n", {}, "does not check PROPERTY FaultCompletes"),
        (CLAIM, {"expected": {"result": "invariant:OnePinHolder"}}, "only an expected success"),
        (CLAIM, {"check_deadlock": True}, "deadlock check"),
        (CLAIM, {"checked_by": "nobody"}, "nobody: no such model"),
    ],
)
def test_a_claim_its_base_does_not_decide_is_refused_with_the_reason(
    tmp_path: Path, claim_config: str, changes: dict[str, Any], words: str
) -> None:
    claim = model("claim", "claim.cfg", checked_by="base") | changes
    path = write(tmp_path, {"base.cfg": BASE, "claim.cfg": claim_config}, [model("base", "base.cfg"), claim])
    with pytest.raises(ManifestError, match="claim") as error:
        load_manifest(path)
    assert words in str(error.value)


def test_a_base_cannot_itself_be_decided_by_another(tmp_path: Path) -> None:
    models = [
        model("base", "base.cfg"),
        model("claim", "claim.cfg", checked_by="base"),
        model("third", "claim.cfg", checked_by="claim"),
    ]
    with pytest.raises(ManifestError, match="itself checked_by base"):
        load_manifest(write(tmp_path, {"base.cfg": BASE, "claim.cfg": CLAIM}, models))


def _counting_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []
    real = cached_run

    def counted(options: Any, **kwargs: Any) -> Any:
        runs.append(options.label)
        return real(options, **kwargs)

    monkeypatch.setattr(checking, "cached_run", counted)
    return runs


@pytest.mark.tlc
@pytest.mark.usefixtures("private_scratch")
def test_a_successful_base_run_decides_the_claim_without_tlc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        tmp_path,
        {"base.cfg": BASE, "claim.cfg": CLAIM},
        [model("claim", "claim.cfg", checked_by="base"), model("base", "base.cfg")],
    )
    runs = _counting_runs(monkeypatch)
    claim, base = checking.run_models(load_manifest(path).models, jobs=2, fresh=True)
    assert runs == ["base"]
    assert base.matches and base.checked_by is None
    assert claim.matches and claim.checked_by == "base" and claim.seconds == 0.0
    assert (claim.distinct_states, claim.depth) == (base.distinct_states, base.depth) == (20, 5)
    assert claim.as_json()["checked_by"] == "base"


@pytest.mark.tlc
@pytest.mark.usefixtures("private_scratch")
def test_a_failing_base_run_decides_nothing_and_the_claim_runs_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the pin test two tasks hold the pin: the base's invariant fails; the claim checks nothing that fails.
    base_config = GRAPH % "FALSE" + "INVARIANT OnePinHolder\n"
    claim_config = GRAPH % "FALSE"
    path = write(
        tmp_path,
        {"base.cfg": base_config, "claim.cfg": claim_config},
        [
            model("base", "base.cfg", expected={"result": "success", "distinct_states": 20, "depth": 5}),
            model(
                "claim",
                "claim.cfg",
                checked_by="base",
                expected={"result": "success", "distinct_states": 27, "depth": 7},
            ),
        ],
    )
    runs = _counting_runs(monkeypatch)
    base, claim = checking.run_models(load_manifest(path).models, jobs=2, fresh=True)
    assert runs == ["base", "claim"]
    assert base.actual == "invariant:OnePinHolder" and not base.matches
    assert claim.actual == "success" and claim.checked_by is None
