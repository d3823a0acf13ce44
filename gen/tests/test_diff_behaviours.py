"""Shortest distinguishing step sequences between two small hand-made graphs."""

from __future__ import annotations

from conformance.values import FnValue, ModelValue
from gen.generators.dot import Edge, StateGraph
from gen.review.behaviours import STOPS, concrete_path, first_differences, permutations_of


def graph(edges: list[tuple[int, str, int]], initial: tuple[int, ...] = (0,)) -> StateGraph:
    count = 1 + max([0, *initial, *(s for s, _, _ in edges), *(t for _, _, t in edges)])
    return StateGraph(
        variables=("x",),
        states=tuple((n,) for n in range(count)),
        fingerprints=tuple(range(count)),
        initial=initial,
        edges=tuple(Edge(s, t, name) for s, name, t in edges),
    )


def test_same_graph_has_no_difference() -> None:
    g = graph([(0, "A", 1), (1, "B", 0)])
    result = first_differences(g, g, bound=10)
    assert result.differences == () and result.complete


def test_new_step_after_a_common_prefix() -> None:
    base = graph([(0, "A", 1), (1, "B", 2)])
    head = graph([(0, "A", 1), (1, "B", 2), (1, "C", 3)])
    (difference,) = first_differences(head, base, bound=10).differences
    assert difference.steps == ("A", "C")
    assert difference.path == (0, 1, 3)
    # The other way round, base only loses nothing but the end: it stops after B, head too.
    assert first_differences(base, head, bound=10).differences == ()


def test_names_not_states_decide() -> None:
    # Head reaches the same names through different states: no behavioural difference.
    base = graph([(0, "A", 1), (1, "B", 2)])
    head = graph([(0, "A", 5), (5, "B", 7)])
    assert first_differences(head, base, bound=10).differences == ()


def test_nondeterminism_is_handled_by_sets_of_states() -> None:
    # After A the base may be in 1 or 2; B is possible from 2 only: A·B is no difference.
    base = graph([(0, "A", 1), (0, "A", 2), (2, "B", 3)])
    head = graph([(0, "A", 1), (1, "B", 2)])
    assert first_differences(head, base, bound=10).differences == ()
    # ...but the base can stop after A (state 1), and head never stops there.
    (difference,) = first_differences(base, head, bound=10).differences
    assert difference.steps == ("A", STOPS)


def test_shortest_witness_and_count_of_others() -> None:
    base = graph([(0, "A", 1), (1, "A", 2), (2, "A", 0)])
    head = graph([(0, "A", 1), (1, "A", 2), (2, "A", 0), (1, "X", 1), (2, "X", 2)])
    (difference,) = first_differences(head, base, bound=10).differences
    assert difference.steps == ("A", "X")
    assert difference.others == 0


def test_bound_limits_the_search() -> None:
    chain = [(n, "A", n + 1) for n in range(6)]
    base = graph(chain)
    head = graph([*chain, (6, "Z", 7)])
    # A^6·Z has 7 steps: beyond a bound of 6, within 7.
    assert first_differences(head, base, bound=6).differences == ()
    (difference,) = first_differences(head, base, bound=7).differences
    assert difference.steps == ("A",) * 6 + ("Z",)


def test_search_reports_when_it_gave_up() -> None:
    chain = [(n, "A", n + 1) for n in range(50)]
    result = first_differences(graph(chain), graph(chain), bound=100, max_pairs=10)
    assert not result.complete


def test_permutations_cover_every_renaming_within_groups() -> None:
    renamings = permutations_of([("t1", "t2"), ("s1", "s2", "s3")])
    assert len(renamings) == 2 * 6
    assert {r[ModelValue("t1")] for r in renamings} == {ModelValue("t1"), ModelValue("t2")}
    assert permutations_of([]) == [{}]


def test_concrete_path_undoes_symmetry() -> None:
    # A quotient graph may show "t2 moved" as "t1 moved" after canonicalisation.
    idle = FnValue({ModelValue("t1"): (), ModelValue("t2"): ()})
    t1_busy = FnValue({ModelValue("t1"): ("f",), ModelValue("t2"): ()})
    both_busy_rep = FnValue({ModelValue("t1"): ("f",), ModelValue("t2"): ("g",)})
    # Suppose the canonical form of "t1 did f, then t2 did g" is stored as "t1 did g, t2 did f":
    swapped = FnValue({ModelValue("t1"): ("g",), ModelValue("t2"): ("f",)})
    g = StateGraph(("stack",), ((idle,), (t1_busy,), (swapped,)), (0, 1, 2), (0,), ())
    states = concrete_path(g, (0, 1, 2), permutations_of([("t1", "t2")]))
    assert states[2]["stack"] == both_busy_rep  # t1 kept f: only t2 changed


def test_graph_config_keeps_what_shapes_the_graph_and_drops_the_checks() -> None:
    from gen.review.diff import graph_config

    config = (
        "\\* header comment: INVARIANTS here are only words\n"
        'CONSTANTS\n    Tasks = {t1}\n    VARIANT = "none"\n'
        "SPECIFICATION Spec\nSYMMETRY Symmetry\n"
        "INVARIANTS TypeOK\n    NoSelfWait\n"
        "PROPERTIES FaultCompletes\n"
        "CONSTRAINT Small\n"
    )
    assert graph_config(config) == (
        'CONSTANTS\n    Tasks = {t1}\n    VARIANT = "none"\nSPECIFICATION Spec\nSYMMETRY Symmetry\nCONSTRAINT Small\n'
    )
