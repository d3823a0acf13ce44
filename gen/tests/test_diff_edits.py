"""The behaviour diff on real edits of the spec, made on temporary copies.

Each test copies spec/Zswap.tla and spec/MCZswap.tla into two folders, edits
one copy the way a patch would (a guard weakened, a step removed, a variant
added), checks a one-task, one-slot model of each with TLC and compares.
The real spec is never touched.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
from pathlib import Path

import pytest

from gen.bridge.tlc import REPO_ROOT
from gen.review import diff
from gen.review.diff import (
    DiffError,
    ModelDiff,
    diff_specs,
    load_graph,
    render_markdown,
    render_text,
    snapshot_revision,
)

SPEC = REPO_ROOT / "spec"
# TLC scratch and result cache of these tests: private (a cached run would hide what a test measures).
pytestmark = pytest.mark.usefixtures("private_scratch")

TINY_CONFIG = """\
CONSTANTS
    Tasks = {{t1}}
    Shrinkers = {{}}
    Slots = {{s1}}
    Versions = {{v1, v2}}
    VARIANT = "{variant}"
    PUTBACK = "tail"
    SCAN_BUDGET = 1
    BUGS = {{}}
    FAIRNESS = "weak"
    WORKER_CHARGE_RECLAIM = FALSE
    NoEntry = NoEntry
    NoFolio = NoFolio
    NoData = NoData
    t1 = t1
    s1 = s1
    v1 = v1
    v2 = v2
INIT Init
NEXT Next
SYMMETRY Symmetry
INVARIANTS TypeOK NoSelfWait
"""


def make_version(root: Path, models: dict[str, tuple[str, str]]) -> Path:
    """A folder with spec/ (the real Zswap.tla, MCZswap.tla) and tiny models {name: (variant, result)}."""
    spec = root / "spec"
    (spec / "models").mkdir(parents=True)
    for name in ("Zswap.tla", "MCZswap.tla"):
        (spec / name).write_text((SPEC / name).read_text())
    entries = []
    for name, (variant, result) in models.items():
        (spec / "models" / f"{name}.cfg").write_text(TINY_CONFIG.format(variant=variant))
        entries.append(
            {
                "name": name,
                "summary": f"one task, one slot, {variant}",
                "spec": "MCZswap.tla",
                "config": f"models/{name}.cfg",
                "tier": "fast",
                "mode": "exhaustive",
                # The diff never compares expectations; the manifest wants counts for a success.
                "expected": {"result": result} | ({"distinct_states": 1, "depth": 1} if result == "success" else {}),
            }
        )
    (spec / "models.json").write_text(json.dumps({"models": entries}))
    return root


def edit(root: Path, old: str, new: str) -> None:
    path = root / "spec" / "Zswap.tla"
    text = path.read_text()
    assert text.count(old) == 1, f"the edit no longer applies to spec/Zswap.tla: {old!r}"
    path.write_text(text.replace(old, new))


def run_diff(base: Path, head: Path) -> ModelDiff:
    (model,) = diff_specs(base, head, stderr=io.StringIO())
    return model


def diff_of_one_edit(tmp_path: Path, old: str, new: str) -> ModelDiff:
    """The seed's tiny model before and after replacing ``old`` by ``new`` in the spec; both sides ran."""
    base = make_version(tmp_path / "base", {"tiny_none": ("none", "invariant:NoSelfWait")})
    head = make_version(tmp_path / "head", {"tiny_none": ("none", "invariant:NoSelfWait")})
    edit(head, old, new)
    model = run_diff(base, head)
    assert model.base is not None and model.head is not None
    return model


def words(model: ModelDiff, which: str) -> list[list[str]]:
    return [list(w) for w in (model.added_words if which == "added" else model.removed_words)]


SEED = ["env SwapOut s1", "t1 StartFault s1", "t1 SwapcachePrepare s1", "t1 ChargeReclaim s1", "t1 LruIsolate s1"]


def test_unchanged_models_are_not_run(tmp_path: Path) -> None:
    base = make_version(tmp_path / "base", {"tiny_none": ("none", "invariant:NoSelfWait")})
    head = make_version(tmp_path / "head", {"tiny_none": ("none", "invariant:NoSelfWait")})
    (model,) = diff_specs(base, head, stderr=io.StringIO())
    assert model.unchanged and model.base is None and model.head is None
    assert "Unchanged (same spec, config and manifest entry; not run): tiny_none." in render_markdown(
        [model], "base", 100
    )
    assert render_text([model], "base", 100).endswith("unchanged, not run (1):\n  tiny_none\n")


@pytest.mark.tlc
@pytest.mark.slow
def test_guard_weakened_shows_the_new_interleaving(tmp_path: Path) -> None:
    # Patch: writeback skips a pinned entry in every variant (the SkipIfExists guard dropped).
    model = diff_of_one_edit(tmp_path, "    /\\ SkipIfExists\n", "")
    assert model.base is not None and model.head is not None
    assert model.head.actions - model.base.actions == {"WbSkipBusy", "WbPutback", "ShrinkDone"}
    assert model.base.actions - model.head.actions == set()
    assert words(model, "added") == [SEED + ["t1 WbSkipBusy s1"]]
    # The base deadlocks where the writer waits on its own pin; the head never stops there.
    assert words(model, "removed") == [SEED + ["no step enabled"]]
    markdown = render_markdown([model], "base", 100)
    assert "| tiny_none | invariant:NoSelfWait |" in markdown
    assert "+ShrinkDone +WbPutback +WbSkipBusy" in markdown


@pytest.mark.tlc
@pytest.mark.slow
def test_step_removed_loses_its_behaviours_and_the_violation(tmp_path: Path) -> None:
    # Patch: the charge never enters reclaim.
    model = diff_of_one_edit(
        tmp_path, "\\/ ChargeOk(t) \\/ ChargeReclaim(t) \\/ ChargeFail(t)", "\\/ ChargeOk(t) \\/ ChargeFail(t)"
    )
    assert model.base is not None and model.head is not None
    assert (model.base.verdict, model.head.verdict) == ("invariant:NoSelfWait", "success")
    assert "ChargeReclaim" in model.base.actions - model.head.actions
    assert words(model, "removed")[0] == SEED[:3] + ["t1 ChargeReclaim s1"]
    assert model.added is not None and model.added.differences == ()
    assert model.head.distinct_states < model.base.distinct_states


@pytest.mark.tlc
@pytest.mark.slow
def test_variant_added_is_a_new_model_and_changes_nothing_else(tmp_path: Path) -> None:
    # Patch: a new variant that skips busy entries like skip_if_exists, and a model for it.
    base = make_version(tmp_path / "base", {"tiny_none": ("none", "invariant:NoSelfWait")})
    head = make_version(
        tmp_path / "head",
        {"tiny_none": ("none", "invariant:NoSelfWait"), "tiny_skip_always": ("skip_always", "success")},
    )
    edit(head, '"skip_if_exists", "swap_table", "rotate"}', '"skip_if_exists", "swap_table", "rotate", "skip_always"}')
    edit(
        head,
        'SkipIfExists  == VARIANT \\in {"skip_if_exists", "rotate"}',
        'SkipIfExists  == VARIANT \\in {"skip_if_exists", "rotate", "skip_always"}',
    )
    diffs = {m.name: m for m in diff_specs(base, head, stderr=io.StringIO())}
    new = diffs["tiny_skip_always"]
    assert new.base is None and new.head is not None and new.head.verdict == "success"
    same = diffs["tiny_none"]
    assert same.added is not None and same.removed is not None
    assert same.added.differences == () == same.removed.differences and same.added.complete
    markdown = render_markdown(list(diffs.values()), "base", 100)
    assert "| tiny_skip_always | new model: success |" in markdown
    assert "Same behaviours (up to 100 steps): tiny_none." in markdown


def test_snapshot_of_a_revision_is_what_git_has(tmp_path: Path) -> None:
    commit = snapshot_revision("HEAD", tmp_path / "base")
    expected = subprocess.run(
        ["git", "show", f"{commit}:spec/README.md"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert (tmp_path / "base" / "spec" / "README.md").read_text() == expected


def test_unknown_revision_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DiffError, match="fetch-depth"):
        snapshot_revision("no-such-branch-xyz", tmp_path / "base")


@pytest.mark.tlc
def test_a_spec_that_does_not_parse_is_reported_with_what_to_do(tmp_path: Path) -> None:
    base = make_version(tmp_path / "base", {"tiny_none": ("none", "invariant:NoSelfWait")})
    head = make_version(tmp_path / "head", {"tiny_none": ("none", "invariant:NoSelfWait")})
    edit(head, "\\/ ChargeOk(t) \\/ ChargeReclaim(t)", "\\/ ChargeOk(t) \\/ ChargeReclaimTypo(t)")
    with pytest.raises(DiffError, match="TLC failed while exploring") as raised:
        diff_specs(base, head, stderr=io.StringIO())
    assert "python -m gen run --spec" in str(raised.value)


def without_deadlock_checking(root: Path) -> Path:
    """Every fast model of the project has "check_deadlock": false; the diff then needs one TLC run per version."""
    path = root / "spec" / "models.json"
    manifest = json.loads(path.read_text())
    for entry in manifest["models"]:
        entry["check_deadlock"] = False
    path.write_text(json.dumps(manifest))
    return root


@pytest.mark.tlc
def test_a_comment_edit_gives_the_same_graph_no_search_and_then_the_cache(tmp_path: Path) -> None:
    base = without_deadlock_checking(make_version(tmp_path / "base", {"tiny_none": ("none", "invariant:NoSelfWait")}))
    head = without_deadlock_checking(make_version(tmp_path / "head", {"tiny_none": ("none", "invariant:NoSelfWait")}))
    spec = head / "spec" / "Zswap.tla"
    spec.write_text("A reviewer's note: text before the module header is no part of it.\n" + spec.read_text())
    model = run_diff(base, head)
    assert model.same_graph and model.added is not None and model.added.pairs == 0
    assert model.base is not None and model.head is not None
    assert (
        model.base.verdict == model.head.verdict == "invariant:NoSelfWait"
    )  # the violation, and -continue explored on
    assert model.head.distinct_states > 5
    assert not model.base.cached and not model.head.cached
    again = run_diff(base, head)
    assert again.base is not None and again.base.cached and again.head is not None and again.head.cached
    assert (again.base.distinct_states, again.base.edges) == (model.base.distinct_states, model.base.edges)
    text = render_markdown([again], "base", 100)
    assert "base cache, head cache, same graph, no search" in text


def test_an_unreadable_dump_is_a_typed_error_with_what_to_do(tmp_path: Path) -> None:
    dot = tmp_path / "cut.dot"
    dot.write_text('strict digraph DiskGraph {\n1 [label="x = 1"]\n1 -> 2\n')
    with pytest.raises(DiffError, match="unreadable") as raised:
        load_graph(dot)
    assert "--fresh" in raised.value.todo


def test_each_diff_runs_in_its_own_folder_and_clears_those_of_killed_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(diff, "DIFF_ROOT", tmp_path / "diff")
    killed = tmp_path / "diff" / "run-killed"
    killed.mkdir(parents=True)
    (killed / ".owner").write_text("999999999 1\n")  # no such pid
    seen: list[Path] = []
    real = diff.diff_specs

    def spy(base_root: Path, head_root: Path, **kwargs: object) -> list[ModelDiff]:
        seen.append(base_root.parent)
        assert (base_root.parent / ".owner").exists() and (head_root / "spec" / "models.json").exists()
        return real(base_root, head_root, **kwargs)  # type: ignore[arg-type]  # diff_specs' keywords, passed through

    monkeypatch.setattr(diff, "diff_specs", spy)
    parser = argparse.ArgumentParser()
    diff.add_arguments(parser)
    # HEAD against the working tree: in a clean checkout every model is unchanged, and nothing runs TLC.
    args = parser.parse_args(["HEAD", "--only", "none", "--output", str(tmp_path / "review.md")])
    assert diff.main(args, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    (folder,) = seen
    assert folder.parent == tmp_path / "diff" and folder.name.startswith("run-")
    assert list((tmp_path / "diff").iterdir()) == []  # its own removed at the end, the killed run's at the start
