"""Every diagram the report draws renders with the real mermaid-cli and Chromium.

Marked ``browser``: needs Debian's chromium and gen/mermaid-cli/node_modules
(`bash gen/mermaid-cli/install.sh`).  Where they are missing the tests are
skipped with that instruction as the reason.
"""

from __future__ import annotations

import re
from html import unescape as html_unescape
from pathlib import Path

import pytest
from report_traces import abba_deadlock, seed_deadlock, writeback_and_free

from gen.mermaid import MermaidRenderError, render, renderer_missing, sequence_diagram
from gen.trace_view import StepView, describe_waits, view_steps, waits_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(renderer_missing() is not None, reason=str(renderer_missing())),
]


def svg_texts(svg: Path) -> list[str]:
    """The text nodes of a rendered diagram, as a reader would see them."""
    return [html_unescape(t).strip() for t in re.findall(r">([^<>]+)</", svg.read_text())]


@pytest.mark.parametrize("trace", [seed_deadlock, abba_deadlock, writeback_and_free])
def test_hand_made_counterexamples_render(trace, tmp_path: Path) -> None:
    states = trace()
    steps = view_steps(states)
    actors = sorted(a.name for a in states[0].state["stack"])
    diagram = sequence_diagram(actors, steps, describe_waits(waits_in(states[-1].state)))
    render(diagram, tmp_path / "diagram.svg")
    texts = svg_texts(tmp_path / "diagram.svg")
    for step in steps:
        label = f"{step.action} {step.slot}" if step.slot else step.action
        assert label in texts


def test_hostile_labels_render_as_written(tmp_path: Path) -> None:
    hostile = 'a;b #c %% d <br> e: f "g" {h} |i| end'
    step = StepView(1, hostile, "t1;end", None, (), True, ("s#1",), ())
    render(sequence_diagram(["t1;end"], [step], [hostile + " (final)"]), tmp_path / "hostile.svg")
    texts = svg_texts(tmp_path / "hostile.svg")
    assert hostile in texts
    assert "t1;end" in texts
    assert "pins s#1" in texts
    assert hostile + " (final)" in texts


def test_a_broken_diagram_is_reported_with_mermaids_message(tmp_path: Path) -> None:
    with pytest.raises(MermaidRenderError, match="Parse error"):
        render("sequenceDiagram\n    t1->>: nothing\n    foo bar\n", tmp_path / "broken.svg")
    assert not (tmp_path / "broken.svg").exists()
