"""The TLA+ value parser and printer: every form TLC 2.15 prints, round trips, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.tla_text import TlaTextError, format_value, parse_value, parse_value_at
from conformance.values import FnValue, ModelValue, TlaValue

# ------------------------------------------------- every form TLC 2.15 prints
# The left column is text copied from TLC 2.15 output (Print, traces, dumps).

TLC_FORMS: list[tuple[str, TlaValue]] = [
    ("0", 0),
    ("42", 42),
    ("-3", -3),
    ("123456789012345678901234567890", 123456789012345678901234567890),
    ('"swap"', "swap"),
    ('""', ""),
    ('"a\\"b"', 'a"b'),
    ('"c\\\\d"', "c\\d"),
    ('"e\\nf"', "e\nf"),
    ('"t\\tx"', "t\tx"),
    ("TRUE", True),
    ("FALSE", False),
    ("t1", ModelValue("t1")),
    ("NoEntry", ModelValue("NoEntry")),
    ("1a", ModelValue("1a")),
    ("{}", frozenset()),
    ("{1, 2, 3}", frozenset({1, 2, 3})),
    ("{FALSE, TRUE}", frozenset({False, True})),
    ('{"a", "b", "B"}', frozenset({"a", "b", "B"})),
    ("{m1, m2}", frozenset({ModelValue("m1"), ModelValue("m2")})),
    ("1..3", frozenset({1, 2, 3})),
    ("-1..1", frozenset({-1, 0, 1})),
    ("2..1", frozenset()),
    ("<<>>", ()),
    ("<< >>", ()),
    ("<<1, 2>>", (1, 2)),
    ("<<<<1>>, <<>>>>", ((1,), ())),
    ("[a |-> 1, b |-> {2, 3}]", FnValue({"a": 1, "b": frozenset({2, 3})})),
    ("(2 :> 3 @@ 5 :> 4)", FnValue({2: 3, 5: 4})),
    ('("a b" :> 1)', FnValue({"a b": 1})),
    ("(m1 :> m1 @@ m2 :> m2)", FnValue({ModelValue("m1"): ModelValue("m1"), ModelValue("m2"): ModelValue("m2")})),
    ("(<<1>> :> 0 @@ <<2>> :> 0)", FnValue({(1,): 0, (2,): 0})),
    ("{{}, {1}}", frozenset({frozenset(), frozenset({1})})),
    (
        "[count |-> 1, has_cache |-> FALSE]",
        FnValue({"count": 1, "has_cache": False}),
    ),
    (
        '<<[fn |-> "do_swap_page", slot |-> s1, page |-> v1, pc |-> "lookup", lru_removed |-> FALSE]>>',
        (FnValue(fn="do_swap_page", slot=ModelValue("s1"), page=ModelValue("v1"), pc="lookup", lru_removed=False),),
    ),
    # TLC wraps long values over several lines with indentation.
    (
        "( s1 :> [count |-> 1, has_cache |-> FALSE] @@\n  s2 :> [count |-> 0, has_cache |-> TRUE] )",
        FnValue(
            {
                ModelValue("s1"): FnValue(count=1, has_cache=False),
                ModelValue("s2"): FnValue(count=0, has_cache=True),
            }
        ),
    ),
]


@pytest.mark.parametrize(("text", "expected"), TLC_FORMS, ids=[t for t, _ in TLC_FORMS])
def test_parses_every_form_tlc_prints(text: str, expected: TlaValue) -> None:
    value = parse_value(text)
    assert value == expected
    assert format_value(value) == format_value(expected)


@pytest.mark.parametrize(("text", "expected"), TLC_FORMS, ids=[t for t, _ in TLC_FORMS])
def test_printed_form_reads_back(text: str, expected: TlaValue) -> None:
    assert parse_value(format_value(expected)) == expected


def test_types_are_kept_apart_where_python_equality_would_hide_them() -> None:
    assert type(parse_value("TRUE")) is bool
    assert type(parse_value("1")) is int
    assert type(parse_value("<<1>>")) is tuple
    assert type(parse_value("(1 :> 1)")) is FnValue
    assert type(parse_value("[a |-> 1]")) is FnValue


def test_printer_output_is_deterministic_and_sorted() -> None:
    value = frozenset({ModelValue("t2"), ModelValue("t1")})
    assert format_value(value) == "{t1, t2}"
    assert format_value(frozenset({10, -1, 2})) == "{-1, 2, 10}"
    assert format_value(FnValue(b=1, a=2)) == "[a |-> 2, b |-> 1]"
    assert format_value(FnValue({3: "x", 1: "y"})) == '(1 :> "y" @@ 3 :> "x")'


def test_printer_uses_function_form_for_keys_that_are_not_field_names() -> None:
    assert format_value(FnValue({"a b": 1})) == '("a b" :> 1)'
    assert format_value(FnValue({"TRUE": 1})) == '("TRUE" :> 1)'
    assert format_value(FnValue({"a": 1, 2: 3})) == '(2 :> 3 @@ "a" :> 1)'


def test_empty_function_is_the_empty_sequence() -> None:
    assert format_value(FnValue()) == "<<>>"
    assert parse_value(format_value(FnValue())) == ()


def test_parse_value_at_reads_an_embedded_value() -> None:
    text = "/\\ swap_map = (s1 :> 0) /\\ stack = <<>>"
    value, end = parse_value_at(text, len("/\\ swap_map ="))
    assert value == FnValue({ModelValue("s1"): 0})
    assert text[end:] == " /\\ stack = <<>>"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{1, 2",
        "<<1,>>",
        "[a |-> ]",
        "[a = 1]",
        "(1 :> 2 @@)",
        "(1 2)",
        '"unterminated',
        '"bad \\q escape"',
        "1 2",
        "-",
        "1..",
        "<1>",
        "Nat",
        "{TRUE, 1}",
        "(FALSE :> 1 @@ 0 :> 2)",
        "<<" * 5000,
    ],
    ids=lambda text: "empty" if not text else text if len(text) <= 40 else f"{text[:2]}*{len(text) // 2}",
)
def test_malformed_text_is_a_typed_error(text: str) -> None:
    with pytest.raises(TlaTextError):
        parse_value(text)


def test_error_message_points_at_the_offset() -> None:
    with pytest.raises(TlaTextError) as caught:
        parse_value("<<1, 2 3>>")
    assert caught.value.position == 7
    assert "expected ','" in str(caught.value)


def test_printer_rejects_python_values_that_are_not_tla() -> None:
    with pytest.raises(TypeError, match="float is not a TLA\\+ value"):
        format_value(1.5)  # type: ignore[arg-type]  # the wrong type is the point of the test
    with pytest.raises(ValueError, match="not a TLA\\+ identifier"):
        format_value(ModelValue("two words"))


# ------------------------------------------------------- property-based tests

_names = st.from_regex(r"[a-z][A-Za-z0-9_]{0,6}", fullmatch=True)
_scalars = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.text(max_size=8),
    _names.map(ModelValue),
)


def _compound(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.frozensets(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        # Non-empty: the empty function is the empty sequence, read back as ().
        st.dictionaries(_names, children, min_size=1, max_size=4).map(FnValue),
        st.dictionaries(children, children, min_size=1, max_size=4).map(FnValue),
    )


# Self-referencing deferred() rather than recursive(): recursive()'s own repr
# grows past 50 kB and Hypothesis warns about it, an error under
# filterwarnings=error.  Scalars are drawn three times as often as compound
# values, so values stay small (a compound has about three children).
tla_values: st.SearchStrategy[TlaValue] = st.deferred(
    lambda: st.one_of(_scalars, _scalars, _scalars, _compound(tla_values))
)


@settings(max_examples=400)
@given(tla_values)
def test_print_then_parse_gives_the_same_value(value: TlaValue) -> None:
    text = format_value(value)
    again = parse_value(text)
    assert again == value
    # == conflates True with 1 and FnValue with nothing else; the text does not.
    assert format_value(again) == text


@given(tla_values, st.data())
def test_truncated_or_mangled_text_never_crashes_untyped(value: TlaValue, data: st.DataObject) -> None:
    text = format_value(value)
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    mangled = text[:cut] + data.draw(st.sampled_from(["", ",", ")", "]", ">", ":", "@", "\\", '"', "|"]))
    try:
        parse_value(mangled)
    except TlaTextError:
        pass


@given(st.text(max_size=40))
def test_arbitrary_text_is_a_value_or_a_typed_error(text: str) -> None:
    try:
        parse_value(text)
    except TlaTextError:
        pass


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"}", "a"}', frozenset({"}", "a"})),
        ('[a |-> "]", b |-> 1]', FnValue(a="]", b=1)),
        ('("a)" :> 1 @@ "b" :> 2)', FnValue({"a)": 1, "b": 2})),
        ('<<">>", 1>>', (">>", 1)),
        ("<<<<1>>, <<1>>>>", ((1,), (1,))),
        ("[a |-> [b |-> 1], c |-> 2]", FnValue(a=FnValue(b=1), c=2)),
        ("{[a |-> 1], [a |-> 2]}", frozenset({FnValue(a=1), FnValue(a=2)})),
    ],
    ids=lambda value: value if isinstance(value, str) else "value",
)
def test_remembered_flat_values_never_cut_at_a_closer_inside_a_string(text: str, expected: TlaValue) -> None:
    # Parsed twice: the second time the flat pieces come from the memo.
    assert parse_value(text) == expected
    assert parse_value(text) == expected
    assert parse_value(f"<<{text}, {text}>>") == (expected, expected)


def test_remembered_values_keep_their_types() -> None:
    function = parse_value("(1 :> TRUE)")
    assert isinstance(function, FnValue) and type(function[1]) is bool
    assert parse_value("{1}") == frozenset({1})
    ones, truths = parse_value("{1}"), parse_value("{TRUE}")
    assert isinstance(ones, frozenset) and type(next(iter(ones))) is int
    assert isinstance(truths, frozenset) and type(next(iter(truths))) is bool
