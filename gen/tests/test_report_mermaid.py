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
    assert lines[:2] == ["sequenceDiagram", "    autonumber"]
    assert "    participant a_t1 as t1" in lines
    assert f"    participant shared as {escape(SHARED_LIFELINE)}" in lines
    arrows = [line.strip() for line in lines if "->>" in line]
    assert arrows == [
        "env->>shared: SwapOut s1",
        "a_t1->>a_t1: StartFault s1",
        "a_t1->>shared: SwapcachePrepare s1",
        "a_t1->>a_t1: ChargeReclaim s1",
        "a_t1->>shared: LruIsolate s1",
    ]
    assert len(arrows) == len(steps)
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
    assert "    env->>shared: DropCleanFolio s1" in text
    assert "    Note over env: unpins s1" in text
    assert "    Note over a_k1: pins s1" in text
    # Tasks and shrinkers keep the order given; every lifeline is declared once.
    assert [line.split()[1] for line in text.splitlines() if line.strip().startswith("participant")] == [
        "a_k1",
        "a_t1",
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
    # Still exactly the statements we wrote: header, autonumber, 2 lifelines, arrow, pin note, final note.
    assert len(text.splitlines()) == 7
    assert sum(line.strip().startswith("participant") for line in text.splitlines()) == 2


def test_the_repeating_part_of_a_lasso_is_a_loop_box() -> None:
    steps = view_steps(abba_deadlock())
    text = sequence_diagram(["t1", "t2"], steps, ["FaultCompletes violated"], loop_from=7)
    lines = text.splitlines()
    start = lines.index("    loop repeats forever")
    assert lines[start + 1] == "        a_t2->>shared: LruIsolate s1"
    assert lines[start + 2] == "        a_t1->>shared: LruIsolate s2"
    assert lines[start + 3] == "    end"
    assert lines[-1] == "    Note over a_t1,shared: FaultCompletes violated"
