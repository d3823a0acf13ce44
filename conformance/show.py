"""Short, readable text for this model's values and call-stack frames.

One printer for the simulator's step lines (:mod:`conformance.simulate`) and
the review's trace tables and diagrams (:mod:`gen.review.trace_view`), so
the two cannot drift apart again.  A frame reads the way a kernel reader
names it: ``do_swap_page(s1, v2) @charge``, ``shrink_memcg_cb(budget 1)``,
``zswap_writeback_entry(s1:v1) @prepare, cursor s2:v2``; the fields are the
spec's (spec/Zswap.tla: SwapinFrame, WalkFrame, WbFrame).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.values import FnValue, ModelValue

__all__ = ["show_frame", "show_value"]

NO_ENTRY = ModelValue("NoEntry")


def _name(value: object) -> str:
    return value.name if isinstance(value, ModelValue) else str(value)


def show_value(value: object) -> str:
    """A TLA+ value of this model as short text: ``s1:v1`` for an entry, ``folio(locked v1)``, ``⟨...⟩``."""
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, ModelValue):
        return value.name
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, tuple):
        return "⟨" + ", ".join(show_value(v) for v in value) + "⟩"
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(show_value(v) for v in value)) + "}"
    if isinstance(value, FnValue):
        keys = set(value)
        if keys == {"slot", "data"}:  # a zswap entry: its identity is its data version
            return f"{_name(value['slot'])}:{_name(value['data'])}"
        if keys == {"locked", "uptodate", "data"}:  # a folio
            flags = ("locked " if value["locked"] else "") + ("uptodate " if value["uptodate"] else "")
            return f"folio({flags}{_name(value['data'])})"
        if keys == {"count", "has_cache"}:  # a swap_map entry
            return f"count={value['count']}" + (" HAS_CACHE" if value["has_cache"] else "")
        if "fn" in keys:
            return show_frame(value)
        return "[" + ", ".join(f"{_name(k)} ↦ {show_value(v)}" for k, v in value.items()) + "]"
    return repr(value)


def show_frame(frame: Mapping[Any, Any]) -> str:
    """A call-stack frame (an element of the spec's ``stack[a]``) the way a kernel reader names it."""
    fn = frame["fn"]
    if fn == "do_swap_page":
        # .get: traces recorded before the spec had lru_removed / cursor (gen/tests' hand-made
        # ones) still print; a field the spec no longer has is never read.
        removed = ", lru_removed" if frame.get("lru_removed") else ""
        return f"do_swap_page({_name(frame['slot'])}, {_name(frame['page'])}) @{frame['pc']}{removed}"
    if fn == "shrink_memcg_cb":
        return f"shrink_memcg_cb(budget {frame['budget']})"
    if fn == "zswap_writeback_entry":
        cursor = frame.get("cursor", NO_ENTRY)
        after = "" if cursor == NO_ENTRY else f", cursor {show_value(cursor)}"
        return f"zswap_writeback_entry({show_value(frame['entry'])}) @{frame['pc']}{after}"
    # A frame kind this printer does not know yet: show every field.
    fields = sorted(((_name(k), v) for k, v in frame.items() if k != "fn"), key=lambda field: field[0])
    return f"{_name(fn)}(" + ", ".join(f"{k} {show_value(v)}" for k, v in fields) + ")"
