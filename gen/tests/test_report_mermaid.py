"""Mermaid text for counterexamples: structure of the diagram and escaping."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.values import function_of
from gen.review.mermaid import SHARED_LIFELINE, escape, sequence_diagram, unescape
from gen.review.trace_view import StateStep, StepView, describe_waits, view_steps, waits_in
from gen.tests.report_traces import abba_deadlock, seed_deadlock, writeback_and_free

ENTITY_OR_PLAIN = re.compile(r"(?:#\d+;|[A-Za-z0-9 _.,()\[\]=+*/@!?'-])*")


@given(st.text())
def test_escape_leaves_only_plain_characters_and_entity_codes(text: str) -> None:
    assert ENTITY_OR_PLAIN.fullmatch(escape(text))


@given(st.text())
def test_escape_is_inverted_by_unescape(text: str) -> None:
    assert unescape(escape(text)) == text


@pytest.mark.parametrize("dangerous", [";", "#", "%%", ":", "<br>", "\n", "-->>", "end", '"', "{", "}", "|"])
def test_escape_neutralises_mermaid_syntax(dangerous: str) -> None:
    label = escape(f"a{dangerous}b")
    for forbidden in ';#%:<>\n"{}|':
        # Every forbidden character survives only inside an entity code '#NN;'.
        assert forbidden not in re.sub(r"#\d+;", "", label)


def _diagram(trace_steps: list[StateStep], final: list[str] | None = None) -> tuple[str, list[StepView]]:
    steps = view_steps(trace_steps)
    actors = sorted(a.name for a in function_of(trace_steps[0].state, "stack"))
    return sequence_diagram(
        actors, steps, final if final is not None else describe_waits(waits_in(trace_steps[-1].state))
    ), steps


def test_seed_deadlock_diagram() -> None:
    text, steps = _diagram(seed_deadlock())
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram" and "autonumber" not in text
    assert "    participant a_t1 as t1" in lines
    assert "a_t2" not in text and "a_k1" not in text  # idle actors get no lifeline
    assert f"    participant shared as {escape(SHARED_LIFELINE)}" in lines
    # Arrows for steps that change shared state, notes beside the actor for the others,
    # each labelled with its number in the step table.
    labelled = [line.strip() for line in lines if "->>" in line or line.strip().startswith("Note right of")]
    assert labelled == [
        f"env->>shared: {escape('1 · SwapOut s1')}",
        f"Note right of a_t1: {escape('2 · StartFault s1')}",
        f"a_t1->>shared: {escape('3 · SwapcachePrepare s1')}",
        f"Note right of a_t1: {escape('4 · ChargeReclaim s1')}",
        f"a_t1->>shared: {escape('5 · LruIsolate s1')}",
    ]
    assert len(labelled) == len(steps)
    assert "    Note over a_t1: pins s1" in lines
    assert lines[-1] == "    Note over a_t1,shared: t1 waits on the pin it holds (s1)"


def test_abba_diagram_calls_out_the_cycle() -> None:
    text, _ = _diagram(abba_deadlock())
    assert "env" not in text  # no environment step, no environment lifeline
    assert text.splitlines()[-1] == (
        "    Note over a_t1,shared: " + escape("t1 waits on t2 (s2); t2 waits on t1 (s1): a cycle of 2")
    )


def test_environment_steps_come_from_the_environment_lifeline() -> None:
    text, _ = _diagram(writeback_and_free(), final=[])
    assert any(line.startswith("    env->>shared: ") and "DropCleanFolio s1" in line for line in text.splitlines())
    assert "    Note over env: unpins s1" in text
    assert "    Note over a_k1: pins s1" in text
    # Acting tasks and shrinkers keep the order given (t1 takes no step: no lifeline);
    # every lifeline is declared once.
    assert [line.split()[1] for line in text.splitlines() if line.strip().startswith("participant")] == [
        "a_k1",
        "env",
        "shared",
    ]


def test_actor_without_lifeline_is_an_error() -> None:
    steps = view_steps(seed_deadlock())
    with pytest.raises(ValueError, match="no lifeline: t1"):
        sequence_diagram(["t2"], steps)


def test_hostile_names_cannot_inject_mermaid_statements() -> None:
    step = StepView(
        number=1,
        action="Evil;\nparticipant x",
        actor="t1;end",
        slot="s1%%",
        changes=(),
        touches_shared=True,
        pins_taken=("s#1",),
        pins_released=(),
    )
    text = sequence_diagram(["t1;end"], [step], ["done: %% {x}"])
    # Still exactly the statements we wrote: header, 2 lifelines, arrow, pin note, final note.
    assert len(text.splitlines()) == 6
    assert sum(line.strip().startswith("participant") for line in text.splitlines()) == 2


def test_the_repeating_part_of_a_lasso_is_a_loop_box() -> None:
    steps = view_steps(abba_deadlock())
    text = sequence_diagram(["t1", "t2"], steps, ["FaultCompletes violated"], loop_from=7)
    lines = text.splitlines()
    start = lines.index("    loop repeats forever")
    assert lines[start + 1] == f"        a_t2->>shared: {escape('7 · LruIsolate s1')}"
    assert lines[start + 2] == f"        a_t1->>shared: {escape('8 · LruIsolate s2')}"
    assert lines[start + 3] == "    end"
    assert lines[-1] == "    Note over a_t1,shared: FaultCompletes violated"
