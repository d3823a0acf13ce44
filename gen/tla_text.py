"""TLA+ value text as TLC 2.15 prints it <-> :mod:`gen.values` Python values.

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
recursive-descent scanner over one string with an index; a regex is used at
most once per *token* (numbers, identifiers), never per character.

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
from collections.abc import Callable

from gen.values import FnValue, ModelValue, TlaValue

__all__ = ["TlaTextError", "format_value", "parse_value", "parse_value_at"]


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
_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_WHITESPACE = " \t\r\n"
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "f": "\f"}
_INFINITE_SETS = frozenset({"Nat", "Int", "Real", "STRING", "BOOLEAN"})
# Words that would read back as something other than a name.
_RESERVED = frozenset({"TRUE", "FALSE"}) | _INFINITE_SETS


def parse_value(text: str) -> TlaValue:
    """Parse one TLA+ value printed by TLC; the whole text must be that value."""
    value, end = parse_value_at(text, 0)
    end = _skip_ws(text, end)
    if end != len(text):
        raise TlaTextError("unexpected text after the value", text, end)
    return value


def parse_value_at(text: str, pos: int) -> tuple[TlaValue, int]:
    """Parse the value starting at ``pos`` (leading whitespace allowed).

    Returns the value and the offset just past it, so a caller can read a
    value embedded in larger text (``/\\ swap_map = ...`` lines).
    """
    try:
        return _value(text, _skip_ws(text, pos))
    except IndexError:
        raise TlaTextError("text ends inside a value", text, len(text)) from None
    except RecursionError:
        raise TlaTextError("value nested too deeply", text, pos) from None


def _skip_ws(text: str, pos: int) -> int:
    # Whitespace runs are short (one space, or a newline plus indentation
    # when TLC wraps a long value), so a plain loop beats a regex call.
    n = len(text)
    while pos < n and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _expect(text: str, pos: int, token: str) -> int:
    pos = _skip_ws(text, pos)
    if not text.startswith(token, pos):
        raise TlaTextError(f"expected {token!r}", text, pos)
    return pos + len(token)


def _value(text: str, pos: int) -> tuple[TlaValue, int]:
    c = text[pos]
    if c == '"':
        return _string(text, pos)
    if c == "{":
        return _set(text, pos)
    if c == "<":
        return _sequence(text, pos)
    if c == "[":
        return _record(text, pos)
    if c == "(":
        return _function(text, pos)
    if c == "-" or "0" <= c <= "9":
        m = _INT.match(text, pos)
        if m is None:
            raise TlaTextError("expected a number after '-'", text, pos)
        end = m.end()
        if end < len(text) and text[end] in _IDENT_START and c != "-":
            # ``1a`` is an identifier in TLA+, hence a model value name.
            ident = _IDENT.match(text, pos)
            assert ident is not None
            return _identifier(text, pos, ident.group())
        low = int(m.group())
        if text.startswith("..", end):
            hi = _INT.match(text, end + 2)
            if hi is None:
                raise TlaTextError("expected the upper bound of an interval", text, end + 2)
            return frozenset(range(low, int(hi.group()) + 1)), hi.end()
        return low, end
    m = _IDENT.match(text, pos)
    if m is None:
        raise TlaTextError("expected a value", text, pos)
    return _identifier(text, pos, m.group())


def _identifier(text: str, pos: int, name: str) -> tuple[TlaValue, int]:
    end = pos + len(name)
    if name == "TRUE":
        return True, end
    if name == "FALSE":
        return False, end
    if name in _INFINITE_SETS:
        raise TlaTextError(f"the set {name} has no finite Python value", text, pos)
    return ModelValue(name), end


def _string(text: str, pos: int) -> tuple[str, int]:
    start = pos + 1
    close = text.find('"', start)
    backslash = text.find("\\", start, close if close >= 0 else len(text))
    if close >= 0 and backslash < 0:
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


def _elements(text: str, pos: int, close: str) -> tuple[list[TlaValue], int]:
    """Comma-separated values up to ``close``; ``pos`` is just past the opener."""
    pos = _skip_ws(text, pos)
    items: list[TlaValue] = []
    if text.startswith(close, pos):
        return items, pos + len(close)
    while True:
        value, pos = _value(text, _skip_ws(text, pos))
        items.append(value)
        pos = _skip_ws(text, pos)
        c = text[pos]
        if c == ",":
            pos += 1
        elif text.startswith(close, pos):
            return items, pos + len(close)
        else:
            raise TlaTextError(f"expected ',' or {close!r}", text, pos)


def _set(text: str, pos: int) -> tuple[frozenset, int]:
    items, end = _elements(text, pos + 1, "}")
    result = frozenset(items)
    if len(result) != len(items):
        _check_no_bool_int_collision(items, text, pos)
    return result, end


def _sequence(text: str, pos: int) -> tuple[tuple, int]:
    if not text.startswith("<<", pos):
        raise TlaTextError("expected '<<'", text, pos)
    items, end = _elements(text, pos + 2, ">>")
    return tuple(items), end


def _record(text: str, pos: int) -> tuple[FnValue, int]:
    fields: dict[str, TlaValue] = {}
    pos += 1
    while True:
        pos = _skip_ws(text, pos)
        m = _IDENT.match(text, pos)
        if m is None:
            raise TlaTextError("expected a record field name", text, pos)
        pos = _expect(text, m.end(), "|->")
        value, pos = _value(text, _skip_ws(text, pos))
        fields[m.group()] = value
        pos = _skip_ws(text, pos)
        c = text[pos]
        if c == ",":
            pos += 1
        elif c == "]":
            return FnValue(fields), pos + 1
        else:
            raise TlaTextError("expected ',' or ']'", text, pos)


def _function(text: str, pos: int) -> tuple[FnValue, int]:
    mapping: dict[TlaValue, TlaValue] = {}
    keys: list[TlaValue] = []
    pos += 1
    while True:
        key, pos = _value(text, _skip_ws(text, pos))
        pos = _expect(text, pos, ":>")
        value, pos = _value(text, _skip_ws(text, pos))
        mapping[key] = value
        keys.append(key)
        pos = _skip_ws(text, pos)
        if text.startswith("@@", pos):
            pos += 2
        elif text[pos] == ")":
            if len(mapping) != len(keys):
                _check_no_bool_int_collision(keys, text, pos)
            return FnValue(mapping), pos + 1
        else:
            raise TlaTextError("expected '@@' or ')'", text, pos)


def _check_no_bool_int_collision(items: list, text: str, pos: int) -> None:
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

_STRING_ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\f": "\\f"}
)


def format_value(value: TlaValue) -> str:
    """Print ``value`` as TLA+ text (TLC's forms, deterministic order)."""
    return _format(value)


def _format(value: TlaValue) -> str:
    kind = type(value)
    formatter = _FORMATTERS.get(kind)
    if formatter is None:
        raise TypeError(
            f"{kind.__name__} is not a TLA+ value; use int, str, bool, ModelValue, "
            "frozenset, tuple or FnValue"
        )
    return formatter(value)


def _format_int(value: int) -> str:
    return str(value)


def _format_bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _format_str(value: str) -> str:
    return '"' + value.translate(_STRING_ESCAPES) + '"'


def _format_model_value(value: ModelValue) -> str:
    if _IDENT.fullmatch(value.name) is None or value.name in _RESERVED:
        raise ValueError(f"model value name {value.name!r} is not a TLA+ identifier")
    return value.name


def _is_field_name(key: str) -> bool:
    return _IDENT.fullmatch(key) is not None and key not in _RESERVED


def _format_tuple(value: tuple) -> str:
    return "<<" + ", ".join(map(_format, value)) + ">>"


def _sort_key(value: TlaValue, text: str) -> tuple:
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


def _sorted_texts(values) -> list[str]:
    pairs = [(v, _format(v)) for v in values]
    pairs.sort(key=lambda p: _sort_key(p[0], p[1]))
    return [t for _, t in pairs]


def _format_set(value: frozenset) -> str:
    return "{" + ", ".join(_sorted_texts(value)) + "}"


def _format_fn(value: FnValue) -> str:
    if len(value) == 0:
        return "<<>>"
    keys = list(value)
    if all(type(k) is str and _is_field_name(k) for k in keys):
        keys.sort()
        return "[" + ", ".join(f"{k} |-> {_format(value[k])}" for k in keys) + "]"
    pairs = [(k, _format(k)) for k in keys]
    pairs.sort(key=lambda p: _sort_key(p[0], p[1]))
    return "(" + " @@ ".join(f"{t} :> {_format(value[k])}" for k, t in pairs) + ")"


_FORMATTERS: dict[type, Callable[[object], str]] = {
    int: _format_int,
    bool: _format_bool,
    str: _format_str,
    ModelValue: _format_model_value,
    tuple: _format_tuple,
    frozenset: _format_set,
    FnValue: _format_fn,
}
