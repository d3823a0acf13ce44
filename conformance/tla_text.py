"""TLA+ value text as TLC 2.15 prints it <-> :mod:`conformance.values` Python values.

``parse_value`` reads every form TLC prints in traces, ``Print`` output and
state-graph labels::

    -3   "a\\"b"   TRUE   t1   {1, 2}   1..3   <<1, 2>>   << >>
    [slot |-> s1, data |-> v1]   (s1 :> 0 @@ s2 :> 1)

``format_value`` prints a Python value back as TLA+ text that
``parse_value`` reads as the same value.  Output is deterministic: set
elements and function keys are sorted (integers numerically, then booleans,
strings, model values, then compound values by their text), so the same
value always gives the same bytes.  TLC orders strings by an internal token
order, so our order can differ from TLC's; the value is the same.

Speed matters: the state-graph reader parses every state label of graphs
with hundreds of thousands of states.  The parser is a hand-written
scanner over one string with an index and an explicit stack; a regex is
used at most once per *token* (numbers, names), never per character.  It
remembers flat compound values by their text (they repeat from state to
state), which makes it about six times faster on state graphs.

Known representation limits (documented, checked where cheap):

* Python's ``True == 1`` and ``hash(True) == hash(1)``, so a ``frozenset``
  or ``FnValue`` cannot hold both ``TRUE`` and ``1``.  TLC cannot build such
  a set either (it refuses to compare a boolean with an integer when it
  normalises a set), so no TLC output contains one; the parser still
  detects the collapse and raises :class:`TlaTextError` rather than
  silently losing an element.
* The empty function and the empty sequence are one TLA+ value; TLC prints
  both as ``<< >>`` and the parser reads ``()``.  Likewise a function whose
  domain is ``1..n`` is a sequence in TLA+; TLC prints it as ``<<...>>``
  and the parser reads a ``tuple``.  ``format_value(FnValue({1: x}))``
  prints ``(1 :> x)`` so that it reads back as the same Python value.
* Infinite sets (``Nat``, ``Int``) and unevaluated set constructors have no
  Python value; the parser raises :class:`TlaTextError` naming them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from conformance.values import FnValue, ModelValue, TlaValue

__all__ = ["TlaTextError", "forget_remembered_values", "format_value", "parse_value", "parse_value_at"]


class TlaTextError(ValueError):
    """TLA+ value text that is not one of the forms TLC prints.

    ``position`` is the 0-based offset in ``text`` where reading failed.
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        self.text = text
        self.position = position
        start = max(0, position - 30)
        excerpt = text[start : position + 30].replace("\n", " ")
        pointer = " " * (position - start) + "^"
        super().__init__(
            f"{message} at offset {position}:\n  {excerpt}\n  {pointer}\n"
            "This is not a value TLC prints; if TLC really printed it, "
            "report it with the text above."
        )


# One regex match per number / identifier token.  An identifier may start
# with a digit in TLA+ (``1a`` is legal), so the two are tried in this order.
_IDENT = re.compile(r"[A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"-?[0-9]+")
# The common case, a name that starts with a letter: no backtracking.
_NAME_FROM_LETTER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_WHITESPACE = " \t\r\n"
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "f": "\f"}
_INFINITE_SETS = frozenset({"Nat", "Int", "Real", "STRING", "BOOLEAN"})
# Words that would read back as something other than a name.
_RESERVED = frozenset({"TRUE", "FALSE"}) | _INFINITE_SETS


def parse_value(text: str) -> TlaValue:
    """Parse one TLA+ value printed by TLC; the whole text must be that value."""
    value, end = parse_value_at(text, 0)
    n = len(text)
    while end < n and text[end] in _WHITESPACE:
        end += 1
    if end != n:
        raise TlaTextError("unexpected text after the value", text, end)
    return value


def parse_value_at(text: str, pos: int) -> tuple[TlaValue, int]:
    """Parse the value starting at ``pos`` (leading whitespace allowed).

    Returns the value and the offset just past it, so a caller can read a
    value embedded in larger text (``/\\ swap_map = ...`` lines).
    """
    try:
        return _parse(text, pos)
    except IndexError:
        raise TlaTextError("text ends inside a value", text, len(text)) from None


# Frame kinds of the parser's explicit stack (no recursion: no depth limit,
# and no Python call per nested value).
_SET, _SEQ, _REC, _FN = range(4)
_CLOSER = {_SET: "}", _SEQ: ">>"}
_OPENER = {_SET: "{", _SEQ: "<<", _REC: "[", _FN: "("}
_CLOSER_OF = {"{": "}", "<": ">>", "[": "]", "(": ")"}

# Model values repeat in every state; one instance per name saves building
# a dataclass per occurrence.  TRUE/FALSE are looked up the same way.
_NAMED: dict[str, TlaValue] = {"TRUE": True, "FALSE": False}
# Text of a flat compound value -> the value (bounded; values are immutable,
# so sharing them is safe).
_FLAT_VALUES: dict[str, TlaValue] = {}
_FLAT_VALUES_MAX = 100_000
# Record field names already checked to be identifiers.
_FIELDS: set[str] = set()
_EMPTY_SET: frozenset[TlaValue] = frozenset()


def _parse(text: str, pos: int) -> tuple[TlaValue, int]:
    """The scanner: one loop over the text with an explicit stack of frames.

    A frame is ``[kind, items, key, start, keys]``: items is a list (set,
    sequence) or a dict (record, function); key is the pending record field
    or function key (``_FN_NEEDS_KEY`` while a function expects a key);
    start is the offset of the opener; keys lists a function's keys in order.

    Flat compound values (no nested value of their own kind) repeat from
    state to state: ``[count |-> 0, has_cache |-> FALSE]``, ``(s1 :> NoData
    @@ s2 :> NoData)``.  Each is remembered by its text, and at an opener the
    text up to the first matching closer is looked up first.  That lookup is
    exact: if a closer inside a string cut it short, the text has an open
    string and cannot be a remembered (complete) value.
    """
    ws = _WHITESPACE
    flat = _FLAT_VALUES
    stack: list[list[Any]] = []
    value: TlaValue
    while True:
        # ---- read one value, or open a compound one
        c = text[pos]
        while c in ws:
            pos += 1
            c = text[pos]
        closer = _CLOSER_OF.get(c)
        if closer is not None:
            close = text.find(closer, pos)
            cached = flat.get(text[pos : close + len(closer)]) if close > 0 else None
            if cached is not None:
                value = cached
                pos = close + len(closer)
            elif c == "{":
                start = pos
                pos += 1
                while text[pos] in ws:
                    pos += 1
                if text[pos] == "}":
                    value = _EMPTY_SET
                    pos += 1
                else:
                    stack.append([_SET, [], None, start, None])
                    continue
            elif c == "<":
                if text[pos + 1] != "<":
                    raise TlaTextError("expected '<<'", text, pos)
                start = pos
                pos += 2
                while text[pos] in ws:
                    pos += 1
                if text.startswith(">>", pos):
                    value = ()
                    pos += 2
                else:
                    stack.append([_SEQ, [], None, start, None])
                    continue
            elif c == "[":
                field, after = _field_name(text, pos + 1)
                stack.append([_REC, {}, field, pos, None])
                pos = after
                continue
            else:
                stack.append([_FN, {}, _FN_NEEDS_KEY, pos, []])
                pos += 1
                continue
        elif c == '"':
            value, pos = _string(text, pos)
        elif "0" <= c <= "9" or c == "-":
            value, pos = _number(text, pos, c)
        else:
            m = _NAME_FROM_LETTER.match(text, pos)
            if m is None:
                raise TlaTextError("expected a value", text, pos)
            name = m.group()
            named = _NAMED.get(name)
            value = _named(text, pos, name) if named is None else named
            pos = m.end()

        # ---- hand the value to the enclosing frames, closing those that end
        while True:
            if not stack:
                return value, pos
            frame = stack[-1]
            kind = frame[0]
            c = text[pos]
            while c in ws:
                pos += 1
                c = text[pos]
            if kind is _FN:
                if frame[2] is _FN_NEEDS_KEY:
                    if not text.startswith(":>", pos):
                        raise TlaTextError("expected ':>'", text, pos)
                    frame[2] = value
                    pos += 2
                    break
                frame[1][frame[2]] = value
                frame[4].append(frame[2])
                if c == "@" and text[pos + 1] == "@":
                    frame[2] = _FN_NEEDS_KEY
                    pos += 2
                    break
                if c != ")":
                    raise TlaTextError("expected '@@' or ')'", text, pos)
                mapping = frame[1]
                if len(mapping) != len(frame[4]):
                    _check_no_bool_int_collision(frame[4], text, pos)
                value = _fn(mapping)
                pos += 1
            elif kind is _REC:
                frame[1][frame[2]] = value
                if c == ",":
                    frame[2], pos = _field_name(text, pos + 1)
                    break
                if c != "]":
                    raise TlaTextError("expected ',' or ']'", text, pos)
                value = _fn(frame[1])
                pos += 1
            else:
                items = frame[1]
                items.append(value)
                if c == ",":
                    pos += 1
                    break
                closer = _CLOSER[kind]
                if not text.startswith(closer, pos):
                    raise TlaTextError(f"expected ',' or {closer!r}", text, pos)
                pos += len(closer)
                if kind is _SET:
                    value = frozenset(items)
                    if len(value) != len(items):
                        _check_no_bool_int_collision(items, text, pos)
                else:
                    value = tuple(items)
            stack.pop()
            start = frame[3]
            opener = _OPENER[kind]
            if text.find(opener, start + 1, pos) < 0:
                if len(flat) >= _FLAT_VALUES_MAX:
                    flat.clear()
                flat[text[start:pos]] = value


def forget_remembered_values() -> None:
    """Empty the memo of flat values (for cold-start measurements; never needed for correctness)."""
    _FLAT_VALUES.clear()


class _NeedsKey:
    """Marks a function frame that expects a key next (keys may be None-like values)."""


_FN_NEEDS_KEY = _NeedsKey()


def _fn(mapping: dict[Any, Any]) -> FnValue:
    # FnValue(mapping) would copy the dict we just built and own.
    fn = FnValue.__new__(FnValue)
    fn._items = mapping  # same package; the invariants of FnValue.__init__
    fn._hash = None
    return fn


def _field_name(text: str, pos: int) -> tuple[str, int]:
    """Read ``name |->`` starting at ``pos``; return the name and the offset after ``|->``."""
    arrow = text.find("|->", pos)
    if arrow < 0:
        raise TlaTextError("expected a record field 'name |->'", text, pos)
    name = text[pos:arrow].strip()
    if name not in _FIELDS:
        if _IDENT.fullmatch(name) is None:
            raise TlaTextError("expected a record field name", text, pos)
        _FIELDS.add(name)
    return name, arrow + 3


def _number(text: str, pos: int, c: str) -> tuple[TlaValue, int]:
    m = _INT.match(text, pos)
    if m is None:
        raise TlaTextError("expected a number after '-'", text, pos)
    end = m.end()
    if end < len(text):
        after = text[end]
        if after in _IDENT_START and c != "-":
            # ``1a`` is an identifier in TLA+, hence a model value name.
            ident = _IDENT.match(text, pos)
            assert ident is not None
            name = ident.group()
            return _named(text, pos, name), ident.end()
        if after == "." and text.startswith("..", end):
            hi = _INT.match(text, end + 2)
            if hi is None:
                raise TlaTextError("expected the upper bound of an interval", text, end + 2)
            return frozenset(range(int(m.group()), int(hi.group()) + 1)), hi.end()
    return int(m.group()), end


def _named(text: str, pos: int, name: str) -> TlaValue:
    """The value of a bare name: a model value (interned), or an error."""
    if name in _INFINITE_SETS:
        raise TlaTextError(f"the set {name} has no finite Python value", text, pos)
    value = _NAMED.get(name)
    if value is None:
        value = _NAMED[name] = ModelValue(name)
    return value


def _string(text: str, pos: int) -> tuple[str, int]:
    start = pos + 1
    close = text.find('"', start)
    if close < 0:
        raise TlaTextError("unterminated string", text, pos)
    if text.find("\\", start, close) < 0:
        return text[start:close], close + 1  # the common case: no escapes
    parts: list[str] = []
    i = start
    while True:
        close = text.find('"', i)
        backslash = text.find("\\", i)
        if close < 0:
            raise TlaTextError("unterminated string", text, pos)
        if backslash < 0 or close < backslash:
            parts.append(text[i:close])
            return "".join(parts), close + 1
        parts.append(text[i:backslash])
        escaped = _ESCAPES.get(text[backslash + 1 : backslash + 2])
        if escaped is None:
            raise TlaTextError("unknown string escape", text, backslash)
        parts.append(escaped)
        i = backslash + 2


def _check_no_bool_int_collision(items: list[Any], text: str, pos: int) -> None:
    # Duplicates are legal TLA+ text ({1, 1}); a boolean beside 0 or 1 is
    # the one case where Python would merge two different TLA+ values.
    has_bool = any(type(v) is bool for v in items)
    has_int = any(type(v) is int and v in (0, 1) for v in items)
    if has_bool and has_int:
        raise TlaTextError(
            "a set or function domain mixes booleans with 0/1, which Python cannot keep apart",
            text,
            pos,
        )


# ----------------------------------------------------------------- printing

_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f"})


def format_value(value: TlaValue) -> str:
    """Print ``value`` as TLA+ text (TLC's forms, deterministic order)."""
    return _format(value)


def _format(value: TlaValue) -> str:
    kind = type(value)
    formatter = _FORMATTERS.get(kind)
    if formatter is None:
        raise TypeError(
            f"{kind.__name__} is not a TLA+ value; use int, str, bool, ModelValue, frozenset, tuple or FnValue"
        )
    return formatter(value)


def _format_int(value: int) -> str:
    return str(value)


def _format_bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _format_str(value: str) -> str:
    return '"' + value.translate(_STRING_ESCAPES) + '"'


def _format_model_value(value: ModelValue) -> str:
    name = value.name
    if name not in _PRINTABLE_NAMES:
        if _IDENT.fullmatch(name) is None or name in _RESERVED:
            raise ValueError(f"model value name {name!r} is not a TLA+ identifier")
        _PRINTABLE_NAMES.add(name)
    return name


def _is_field_name(key: str) -> bool:
    if key in _PRINTABLE_NAMES:
        return True
    if _IDENT.fullmatch(key) is None or key in _RESERVED:
        return False
    _PRINTABLE_NAMES.add(key)
    return True


# Names already checked to print as bare identifiers (model values, fields).
_PRINTABLE_NAMES: set[str] = set()


def _format_tuple(value: tuple[Any, ...]) -> str:
    return "<<" + ", ".join(map(_format, value)) + ">>"


def _sort_key(value: Any, text: str) -> tuple[Any, ...]:
    kind = type(value)
    if kind is int:
        return (0, value, "")
    if kind is bool:
        return (1, int(value), "")
    if kind is str:
        return (2, 0, value)
    if kind is ModelValue:
        return (3, 0, value.name)
    return (4, 0, text)


def _sorted_texts(values: Iterable[TlaValue]) -> list[str]:
    pairs = [(v, _format(v)) for v in values]
    pairs.sort(key=lambda p: _sort_key(p[0], p[1]))
    return [t for _, t in pairs]


def _format_set(value: frozenset[Any]) -> str:
    return "{" + ", ".join(_sorted_texts(value)) + "}"


def _format_fn(value: FnValue) -> str:
    if len(value) == 0:
        return "<<>>"
    items = list(value.items())
    if all(type(k) is str and _is_field_name(k) for k, _ in items):
        items.sort(key=_first)
        return "[" + ", ".join(f"{k} |-> {_format(v)}" for k, v in items) + "]"
    triples = [(_sort_key(k, text), text, v) for k, v in items for text in (_format(k),)]
    triples.sort(key=_first)
    return "(" + " @@ ".join(f"{t} :> {_format(v)}" for _, t, v in triples) + ")"


def _first(pair: tuple[Any, ...]) -> Any:
    return pair[0]


_FORMATTERS: dict[type, Callable[[Any], str]] = {
    int: _format_int,
    bool: _format_bool,
    str: _format_str,
    ModelValue: _format_model_value,
    tuple: _format_tuple,
    frozenset: _format_set,
    FnValue: _format_fn,
}
