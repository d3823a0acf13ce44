"""The dot reader on a recorded TLC 2.15 dump, on broken dumps, and against TLC itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.values import FnValue, ModelValue, TlaValue
from gen.generators.dot import DotError, Edge, StateGraph, parse_dot_lines, read_dot

DATA = Path(__file__).parent / "data" / "generator"
QUOTED = 'q"b\\n'  # the TLA+ string "q\"b\\n": a quote, a backslash, a letter n


def test_recorded_dump_reads_states_edges_and_initial_state() -> None:
    graph = read_dot(DATA / "escapes.dot")
    assert graph.variables == ("r", "s", "x")
    assert len(graph.states) == 10
    init = graph.state(graph.initial[0])
    assert graph.initial == (0,)
    assert init == {
        "r": FnValue({ModelValue("a1"): ModelValue("NoX"), ModelValue("a2"): ModelValue("NoX")}),
        "s": (),
        "x": 0,
    }
    # TLC writes Reset twice per state (once per `\E a`); the reader keeps it once.
    raw_edges = sum(" -> " in line for line in (DATA / "escapes.dot").read_text().splitlines())
    assert raw_edges == 20
    assert len(graph.edges) == 15
    assert {edge.action for edge in graph.edges} == {"Inc", "Reset"}


def test_strings_with_quotes_and_backslashes_survive_dot_escaping() -> None:
    graph = read_dot(DATA / "escapes.dot")
    sequences = {state[1] for state in graph.states}
    assert sequences == {(), (QUOTED,), (QUOTED, QUOTED)}


def test_states_share_equal_values() -> None:
    graph = read_dot(DATA / "escapes.dot")
    empties = [state[1] for state in graph.states if state[1] == ()]
    assert all(value is empties[0] for value in empties)


def lines(*body: str) -> list[str]:
    return [
        "strict digraph DiskGraph {",
        "nodesep=0.35;",
        "subgraph cluster_graph {",
        'color="white";',
        *body,
        "}",
        "}",
    ]


def test_an_edge_without_action_label_says_how_to_dump() -> None:
    with pytest.raises(DotError, match="dot,actionlabels"):
        parse_dot_lines(lines('1 [label="/\\\\ x = 1",style = filled]', "1 -> 2;"))


def test_a_cut_short_dump_is_an_error() -> None:
    with pytest.raises(DotError, match="stopped before it finished"):
        parse_dot_lines(lines('1 [label="/\\\\ x = 1",style = filled]')[:-1])


def test_an_unlabelled_target_is_an_error() -> None:
    body = ('1 [label="/\\\\ x = 1",style = filled]', '1 -> 2 [label="A",color="black",fontcolor="black"];')
    with pytest.raises(DotError, match="never labelled"):
        parse_dot_lines(lines(*body))


def test_a_bad_value_names_the_line() -> None:
    with pytest.raises(DotError, match=r"<dot>:5: state 1"):
        parse_dot_lines(lines('1 [label="/\\\\ x = <<1,",style = filled]'))


def test_no_initial_state_is_an_error() -> None:
    with pytest.raises(DotError, match="no initial state"):
        parse_dot_lines(lines('1 [label="/\\\\ x = 1"]'))


def test_missing_file_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(DotError, match="-dump dot,actionlabels"):
        read_dot(tmp_path / "nope.dot")


@pytest.mark.tlc
def test_the_recorded_dump_is_what_tlc_writes(tmp_path: Path) -> None:
    from gen.bridge.tlc import RunOptions, run_tlc

    dump = tmp_path / "escapes.dot"
    run = run_tlc(
        RunOptions(
            spec=DATA / "Escapes.tla",
            config=DATA / "Escapes.cfg",
            check_deadlock=False,
            workers=1,
            dump_dot=dump.resolve(),
        ),
        scratch_root=tmp_path / "scratch",
    )
    assert dump.exists(), run.raw_output[-2000:]
    fresh, recorded = read_dot(dump), read_dot(DATA / "escapes.dot")
    assert set(fresh.states) == set(recorded.states)

    def labelled(graph: StateGraph) -> set[tuple[tuple[TlaValue, ...], tuple[TlaValue, ...], str]]:
        return {(graph.states[e.source], graph.states[e.target], e.action) for e in graph.edges}

    assert labelled(fresh) == labelled(recorded)
    assert Edge(0, 1, "Inc") in fresh.edges
