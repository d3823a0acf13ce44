"""TLA+ values as immutable, hashable Python values.

One representation is shared by the whole project: the bridge parses TLC's
output into it, the reference implementation's ``observe()`` returns it, and
the generators render it.  The mapping is:

=====================  ==========================================
TLA+                   Python
=====================  ==========================================
integer                ``int``
string                 ``str``
boolean                ``bool``
model value            :class:`ModelValue`
set                    ``frozenset``
sequence / tuple       ``tuple``
record / function      :class:`FnValue` (records are functions whose
                       domain is a set of strings)
=====================  ==========================================

TLA+ text <-> these values: ``conformance.tla_text.parse_value`` and
``conformance.tla_text.format_value`` (every form TLC 2.15 prints; round-trips).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True, order=True, slots=True)
class ModelValue:
    """A TLC model value such as ``t1`` or ``NoEntry``: equal only to itself."""

    name: str

    def __repr__(self) -> str:
        return f"ModelValue({self.name!r})"


class FnValue(Mapping[Any, Any]):
    """An immutable, hashable TLA+ function or record.

    Records are functions with string keys; TLC prints ``[a |-> 1]`` for them
    and ``(k1 :> v1 @@ k2 :> v2)`` for other functions, but they are the same
    kind of value, so Python keeps one type and compares by content.
    """

    __slots__ = ("_items", "_hash")

    def __init__(self, items: Mapping[Any, Any] | None = None, /, **fields: Any) -> None:
        merged: dict[Any, Any] = dict(items or {})
        merged.update(fields)
        self._items = merged
        self._hash: int | None = None

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._items.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FnValue):
            return self._items == other._items
        return NotImplemented

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {v!r}" for k, v in self._items.items())
        return f"FnValue({{{inner}}})"

    def set(self, key: Any, value: Any) -> FnValue:
        """A copy with ``key`` mapped to ``value`` (TLA+ ``[f EXCEPT ![key] = value]``)."""
        items = dict(self._items)
        items[key] = value
        return FnValue(items)


TlaValue = Union[int, str, bool, ModelValue, frozenset[Any], tuple[Any, ...], FnValue]


def function_of(state: Mapping[str, TlaValue], variable: str) -> FnValue:
    """The state's ``variable``, which the contract makes a function (``stack``, ``swap_map``, ...)."""
    value = state[variable]
    if not isinstance(value, FnValue):
        raise TypeError(f"{variable} = {value!r} is not a TLA+ function")
    return value


def sequence_of(state: Mapping[str, TlaValue], variable: str) -> tuple[Any, ...]:
    """The state's ``variable``, which the contract makes a sequence (``zswap_lru``)."""
    value = state[variable]
    if not isinstance(value, tuple):
        raise TypeError(f"{variable} = {value!r} is not a TLA+ sequence")
    return value
