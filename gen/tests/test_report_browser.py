"""Every diagram the report draws renders with the real mermaid-cli and Chromium.

Marked ``browser``: needs Debian's chromium and gen/mermaid-cli/node_modules
(`bash gen/mermaid-cli/install.sh`).  Where they are missing the tests are
skipped with that instruction as the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape as html_unescape
from pathlib import Path

import pytest

from conformance.values import function_of
from gen.bridge.manifest import load_manifest
from gen.review.mermaid import MermaidRenderError, render, renderer_missing, sequence_diagram
from gen.review.report import VIOLATION, Counterexample, diagram, rerun_counterexample
from gen.review.trace_view import StateStep, StepView, describe_waits, view_steps, waits_in
from gen.tests.report_traces import abba_deadlock, seed_deadlock, writeback_and_free

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(renderer_missing() is not None, reason=str(renderer_missing())),
]


def step_label(step: StepView) -> str:
    """A step's label as the picture shows it: its number in the step table, action and slot."""
    return f"{step.number} · {step.action}" + (f" {step.slot}" if step.slot else "")


def svg_texts(svg: Path) -> list[str]:
    """The text nodes of a rendered diagram, as a reader would see them."""
    return [html_unescape(t).strip() for t in re.findall(r">([^<>]+)</", svg.read_text())]


@pytest.mark.parametrize("trace", [seed_deadlock, abba_deadlock, writeback_and_free])
def test_hand_made_counterexamples_render(trace: Callable[[], list[StateStep]], tmp_path: Path) -> None:
    states = trace()
    steps = view_steps(states)
    actors = sorted(a.name for a in function_of(states[0].state, "stack"))
    diagram = sequence_diagram(actors, steps, describe_waits(waits_in(states[-1].state)))
    render(diagram, tmp_path / "diagram.svg")
    texts = svg_texts(tmp_path / "diagram.svg")
    for step in steps:
        assert step_label(step) in texts


def test_a_lasso_renders_with_its_loop_box(tmp_path: Path) -> None:
    steps = view_steps(abba_deadlock())
    render(sequence_diagram(["t1", "t2"], steps, ["FaultCompletes violated"], loop_from=4), tmp_path / "lasso.svg")
    assert "[repeats forever]" in svg_texts(tmp_path / "lasso.svg")  # mermaid brackets a loop label


def test_hostile_labels_render_as_written(tmp_path: Path) -> None:
    hostile = 'a;b #c %% d <br> e: f "g" {h} |i| end'
    step = StepView(1, hostile, "t1;end", None, (), True, ("s#1",), ())
    render(sequence_diagram(["t1;end"], [step], [hostile + " (final)"]), tmp_path / "hostile.svg")
    texts = svg_texts(tmp_path / "hostile.svg")
    assert f"1 · {hostile}" in texts
    assert "t1;end" in texts
    assert "pins s#1" in texts
    assert hostile + " (final)" in texts


def test_a_broken_diagram_is_reported_with_mermaids_message(tmp_path: Path) -> None:
    with pytest.raises(MermaidRenderError, match="Parse error"):
        render("sequenceDiagram\n    t1->>: nothing\n    foo bar\n", tmp_path / "broken.svg")
    assert not (tmp_path / "broken.svg").exists()


@pytest.mark.tlc
@pytest.mark.slow
def test_every_counterexample_in_the_manifest_renders(tmp_path: Path) -> None:
    """What `make report` draws for each fast model expected to fail, rendered for real."""
    models = [m for m in load_manifest().models if m.tier == "fast" and VIOLATION.match(m.expected.result)]
    assert models, "spec/models.json has no fast model expected to fail: nothing to draw"
    for model in models:
        example = rerun_counterexample(model, tmp_path / "traces")
        assert isinstance(example, Counterexample), f"{model.name}: TLC found no counterexample ({example})"
        text, views, notes = diagram(example)
        render(text, tmp_path / f"{model.name}.svg")
        texts = svg_texts(tmp_path / f"{model.name}.svg")
        for note in notes:
            assert note in texts, f"{model.name}: the note {note!r} is not in the picture"
        for view in views:
            label = step_label(view)
            assert label in texts, f"{model.name}: the step {label!r} is not in the picture"
