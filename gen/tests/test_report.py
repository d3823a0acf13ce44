"""build/report.md from check results and traces (hand-made traces; no TLC)."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.tlc_config import config_constants
from gen.bridge.manifest import Model
from gen.bridge.outcomes import ErrorTrace, Lasso, LassoKind, TraceState
from gen.review.report import (
    Counterexample,
    ReportError,
    counterexample_section,
    lifelines,
    load_results,
    main,
    models_table,
    render_report,
    stale_mapping,
)
from gen.review.trace_view import StateStep
from gen.tests.report_traces import M, abba_deadlock, at, folio, seed_deadlock, swapin, writeback_and_free

CONFIG = """\
\\* a comment with = {x}
CONSTANTS
    Tasks = {t1, t2}
    Shrinkers = {k1}
    Slots = {s1, s2}
    VARIANT = "none"
    BUGS = {}
INIT Init
"""


ModelFactory = Callable[..., Model]


@pytest.fixture
def model(tmp_path: Path, manifest_entry: Callable[..., Model]) -> ModelFactory:
    """``model(name, config)``: a manifest entry whose config file (under tmp_path) holds ``config``."""

    def make(name: str = "none", config: str = CONFIG) -> Model:
        cfg = tmp_path / f"{name}.cfg"
        cfg.write_text(config)
        return manifest_entry(tmp_path / "MCZswap.tla", cfg, name)

    return make


def error_trace(steps: list[StateStep], lasso: Lasso | None = None) -> ErrorTrace:
    return ErrorTrace(
        tuple(
            TraceState(n + 1, "Initial predicate" if n == 0 else s.action, None, s.state) for n, s in enumerate(steps)
        ),
        lasso,
    )


def row(name: str, expected: str, actual: str, why: str = "") -> dict[str, object]:
    return {
        "model": name, "expected": expected, "actual": actual, "matches": expected == actual,
        "distinct_states": 1234, "depth": 6, "seconds": 2.4, "tier": "fast", "why": why,
    }  # fmt: skip


def test_config_constants_reads_sets_and_strings(model: ModelFactory) -> None:
    constants = config_constants(model().config)
    assert constants["Tasks"] == ("t1", "t2")
    assert constants["Shrinkers"] == ("k1",)
    assert constants["VARIANT"] == "none"
    assert constants["BUGS"] == ()


def test_lifelines_put_tasks_before_shrinkers(model: ModelFactory) -> None:
    state = writeback_and_free()[0].state  # stack has t1 and k1
    assert lifelines(model(), state) == ["t1", "k1"]


def test_seed_counterexample_section(model: ModelFactory) -> None:
    example = Counterexample(model(), "invariant:NoSelfWait", error_trace(seed_deadlock()))
    section = counterexample_section(example)
    assert section.startswith("### none: invariant:NoSelfWait\n\nBefore the fix: a task waits on its own pin.\n")
    diagram = section.split("```mermaid\n")[1].split("```")[0]
    assert diagram.count("->>") + diagram.count("Note right of") == 5  # one arrow or note per step
    assert "Note over a_t1,shared: t1 waits on the pin it holds (s1)" in diagram
    assert "**Final state:** NoSelfWait violated; t1 waits on the pin it holds (s1)." in section
    table = section.split("| # | actor | step | what changed |")[1].strip().splitlines()[1:]
    assert len(table) == 5
    assert (
        table[2]
        == "| 3 | t1 | SwapcachePrepare s1 | t1 do_swap_page(s1).pc: lookup → charge<br>swap_map[s1].has_cache: F → T |"
    )


def test_deadlock_and_lasso_are_called_out(model: ModelFactory) -> None:
    example = Counterexample(
        model(),
        "deadlock",
        error_trace(abba_deadlock(), Lasso(LassoKind.BACK_TO_STATE, back_to=3, action="LruIsolate")),
    )
    section = counterexample_section(example)
    assert "deadlock: no step is enabled" in section
    assert "t1 waits on t2 (s2); t2 waits on t1 (s1): a cycle of 2" in section
    # TLC's state 3 is the state after step 2; the trace has 8 steps.
    assert "then LruIsolate leads back to the state after step 2: steps 3–8 and that one repeat forever" in section


def test_action_property_names_the_step_that_breaks_it(model: ModelFactory) -> None:
    example = Counterexample(model(), "property:WalkMakesProgress", error_trace(writeback_and_free()[:3]))
    assert "**Final state:** WalkMakesProgress violated; broken by step 2, k1 LruIsolate s1." in counterexample_section(
        example
    )


def test_skip_if_exists_model_has_no_writeback_wait(model: ModelFactory) -> None:
    skipping = model("skip", CONFIG.replace('"none"', '"skip_if_exists"'))
    section = counterexample_section(Counterexample(skipping, "invariant:X", error_trace(seed_deadlock())))
    assert "waits on the pin" not in section
    assert "**Final state:** X violated." in section


def test_stale_mapping_names_the_wrong_page() -> None:
    steps = writeback_and_free()[:5]  # k1 wrote v1 back; s1's folio is uptodate with v1
    before = at(steps[-1].state, "swapped_page", "s1", M("v2"))
    before = at(before, "stack", "t1", (swapin("s1", "v2", "hit_wait"),))
    after = at(before, "stack", "t1", ())
    trace = [*steps[:-1], StateStep("WbWrite", before), StateStep("MapFolio", after)]
    assert stale_mapping(trace) == "t1 mapped v1, but its page is v2: stale data"
    same = at(before, "swap_cache", "s1", folio(locked=False, uptodate=True, data="v2"))
    assert stale_mapping([*steps[:-1], StateStep("WbWrite", same), StateStep("MapFolio", after)]) is None


def test_models_table_marks_mismatches_and_says_why(model: ModelFactory) -> None:
    models = {"none": model()}
    lines = models_table(
        models,
        [
            row("none", "invariant:NoSelfWait", "invariant:NoSelfWait"),
            row("lost", "success", "deadlock", why="expected success, TLC says deadlock | see trace"),
        ],
    )
    assert lines[2] == (
        "| none | Before the fix: a task waits on its own pin. | `invariant:NoSelfWait` | "
        "`invariant:NoSelfWait` | 1,234 | 6 | 2 | OK |"
    )
    assert lines[3].startswith("| lost | (not in the manifest) |") and lines[3].endswith("| **MISMATCH** |")
    assert lines[-1] == "- **lost**: expected success, TLC says deadlock \\| see trace"


def test_models_table_marks_partial_counts(model: ModelFactory) -> None:
    stopped = {**row("none", "invariant:NoSelfWait", "error:timeout"), "counts_partial": True}
    lines = models_table({"none": model()}, [row("none", "invariant:NoSelfWait", "invariant:NoSelfWait"), stopped])
    assert lines[2].endswith("| 1,234 | 6 | 2 | OK |")
    assert lines[3].endswith("| ≥ 1,234 | ≥ 6 | 2 | **MISMATCH** |")
    assert lines[4:6] == ["", "≥: TLC was stopped before its final count; the counts are its last progress line's."]
    assert not any("≥" in line for line in models_table({"none": model()}, [row("none", "success", "success")]))


def test_report_is_deterministic_and_marked_generated(model: ModelFactory) -> None:
    models = {"none": model()}
    results = [row("none", "invariant:NoSelfWait", "invariant:NoSelfWait")]
    example = Counterexample(models["none"], "invariant:NoSelfWait", error_trace(seed_deadlock()))
    first = render_report(models, results, [example])
    assert first == render_report(models, results, [example])
    assert first.splitlines()[0].startswith("<!-- generated by `python -m gen report`")
    assert "1 of 1 models as expected." in first
    assert first.count("```mermaid") == 1


def test_missing_results_say_run_make_check(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="run `make check` first"):
        load_results(tmp_path / "check.json")
    (tmp_path / "check.json").write_text("{not json")
    with pytest.raises(ReportError, match="run `make check` again"):
        load_results(tmp_path / "check.json")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"matches": None}, "row 1 (none) has no 'matches'"),
        ({"actual": None}, "row 1 (none) has no 'actual'"),
        ({"depth": True}, "row 1 (none) has 'depth' = True"),
        ({"seconds": "2"}, "row 1 (none) has 'seconds' = '2'"),
        ({"model": None}, "row 1 (#1) has no 'model'"),
    ],
)
def test_a_row_with_missing_or_wrong_fields_is_a_typed_error(
    tmp_path: Path, change: dict[str, object], says: str
) -> None:
    broken = {**row("none", "success", "success"), **change}
    broken = {key: value for key, value in broken.items() if value is not None}
    (tmp_path / "check.json").write_text(json.dumps([broken]))
    with pytest.raises(ReportError, match="run `make check` again") as caught:
        load_results(tmp_path / "check.json")
    assert says in str(caught.value)


def test_main_without_counterexamples_writes_the_table_only(tmp_path: Path, model: ModelFactory) -> None:
    results = tmp_path / "check.json"
    results.write_text(json.dumps([row("none", "success", "success")]))
    manifest = tmp_path / "models.json"
    model()  # writes none.cfg
    (tmp_path / "MCZswap.tla").write_text("---- MODULE MCZswap ----\n====\n")
    manifest.write_text(json.dumps({"models": [{
        "name": "none", "summary": "s", "spec": "MCZswap.tla", "config": "none.cfg", "tier": "fast",
        "mode": "exhaustive", "expected": {"result": "success", "distinct_states": 1, "depth": 1}}]}))  # fmt: skip
    output = tmp_path / "report.md"
    args = argparse.Namespace(results=results, manifest=manifest, output=output, traces=tmp_path / "traces", png=[])
    stdout = io.StringIO()
    assert main(args, stdout=stdout, stderr=io.StringIO()) == 0
    printed = stdout.getvalue().splitlines()
    assert printed[0].startswith("model") and printed[-1].startswith(f"{output}: 1 models, 0 counterexamples")
    assert all(len(line) <= 80 for line in printed[:-1]) and "\x1b[" not in stdout.getvalue()
    text = output.read_text()
    assert "| none | s | `success` | `success` |" in text and "mermaid" not in text
