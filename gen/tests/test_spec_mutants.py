"""The spec-guard mutants: which conjuncts count as guards, and the mutated text."""

from __future__ import annotations

from gen.tools.spec_mutants import guards, mutated, summary

SPEC = """---- MODULE M ----
Invalidate(s) ==
    /\\ tree' = [tree EXCEPT ![s] = 0]
Take(t) ==
    /\\ TopIs(t, "f")
    /\\ count[t] = 1  \\* a guard, with a comment
    /\\ \\/ pc[t] = "a"
       \\/ pc[t] = "b"
    /\\ Invalidate(t)
    /\\ count' = [count EXCEPT ![t] = 0]
    /\\ UNCHANGED <<pc>>
Other == TRUE
====
""".splitlines()


def test_guards_are_the_conjuncts_without_effects_or_frame_tests() -> None:
    found = list(guards(SPEC, ["Take"]))
    assert [g.text for g in found] == ["count[t] = 1", '\\/ pc[t] = "a" \\/ pc[t] = "b"']
    assert [(g.start, g.end) for g in found] == [(5, 6), (6, 8)]


def test_a_deleted_guard_becomes_true_and_keeps_the_line_count() -> None:
    disjunction = list(guards(SPEC, ["Take"]))[1]
    text = mutated(SPEC, disjunction).splitlines()
    assert len(text) == len(SPEC)
    assert text[6] == "    /\\ TRUE" and text[7] == ""
    assert text[5] == SPEC[5] and text[8] == SPEC[8]


def test_summary_names_properties_before_counts() -> None:
    assert summary({"a": "as expected", "b": "NoSelfWait", "c": "counts"}) == "NoSelfWait"
    assert summary({"a": "as expected", "b": "counts"}) == "counts"
    assert summary({"a": "as expected"}) == "same"
    assert summary({"a": "error: error:eval", "b": "counts"}) == "error: error:eval"
