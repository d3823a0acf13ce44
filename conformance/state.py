"""The kernel data the protocol touches, held as immutable TLA+ values.

Every field of :class:`MM` is one variable of the spec (spec/README.md), in the
exact value shape ``observe()`` must return: ``swap_map``, ``swapped_page``,
``swap_cache``, ``zswap_tree``, ``zswap_lru``, ``swap_device`` and ``stack``.
Updates replace a value instead of mutating it, which is what makes
``observe()`` free (it hands out the values themselves) and ``copy()`` cheap
(a copy shares every value with the original).

The kernel functions (swap_state.py, zswap.py, memory.py, ...) change this
data only through the small helpers below, each named after what it stands
for in the kernel (``si->swap_map[offset]``, the swap address space, the
zswap tree, ``pool->list_lru``).
"""

from __future__ import annotations

from typing import Any

from gen.values import FnValue, ModelValue, TlaValue

from .config import Config

NO_ENTRY = ModelValue("NoEntry")
NO_FOLIO = ModelValue("NoFolio")
NO_DATA = ModelValue("NoData")

# The spec's variables, in the order its VARIABLES line lists them.
VARIABLES = ("swap_map", "swapped_page", "swap_cache", "zswap_tree", "zswap_lru", "swap_device", "stack")

# Frame functions (the `fn` field of a frame).
SWAPIN = "do_swap_page"
WALK = "shrink_memcg_cb"
WRITEBACK = "zswap_writeback_entry"


def record(**fields: Any) -> FnValue:
    """A TLA+ record ``[field |-> value, ...]``."""
    return FnValue(fields)


def folio(locked: bool, uptodate: bool, data: ModelValue) -> FnValue:
    """A swap-cache folio: ``[locked, uptodate, data]``."""
    return FnValue({"locked": locked, "uptodate": uptodate, "data": data})


def zswap_entry(slot: ModelValue, data: ModelValue) -> FnValue:
    """A zswap entry.  ``data`` is a fresh version, so it is also the entry's identity."""
    return FnValue({"slot": slot, "data": data})


def swapin_frame(slot: ModelValue, page: ModelValue, pc: str = "lookup", lru_removed: bool = False) -> FnValue:
    return FnValue({"fn": SWAPIN, "slot": slot, "page": page, "pc": pc, "lru_removed": lru_removed})


def walk_frame(budget: int, last: TlaValue = NO_ENTRY) -> FnValue:
    return FnValue({"fn": WALK, "budget": budget, "last": last})


def writeback_frame(entry: FnValue, pc: str = "prepare") -> FnValue:
    return FnValue({"fn": WRITEBACK, "entry": entry, "pc": pc})


class MM:
    """One swap device, its swap cache, one zswap pool, and every actor's call stack."""

    __slots__ = VARIABLES + ("cfg", "slots")

    swap_map: FnValue
    swapped_page: FnValue
    swap_cache: FnValue
    zswap_tree: FnValue
    zswap_lru: tuple[FnValue, ...]
    swap_device: FnValue
    stack: FnValue

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg  # the kernel "build": variant, put-back end, scan budget, reintroduced bugs
        self.slots = cfg.slot_values
        actors = cfg.task_values + cfg.shrinker_values
        unused = FnValue({"count": 0, "has_cache": False})
        self.swap_map = FnValue({s: unused for s in self.slots})
        self.swapped_page = FnValue({s: NO_DATA for s in self.slots})
        self.swap_cache = FnValue({s: NO_FOLIO for s in self.slots})
        self.zswap_tree = FnValue({s: NO_ENTRY for s in self.slots})
        self.zswap_lru = ()
        self.swap_device = FnValue({s: NO_DATA for s in self.slots})
        self.stack = FnValue({a: () for a in actors})

    def copy(self) -> "MM":
        other = MM.__new__(MM)
        for name in MM.__slots__:
            setattr(other, name, getattr(self, name))
        return other

    def observe(self) -> dict[str, TlaValue]:
        return {name: getattr(self, name) for name in VARIABLES}

    # si->swap_map[offset]: the use count and SWAP_HAS_CACHE
    def set_swap_map(self, slot: ModelValue, *, count: int | None = None, has_cache: bool | None = None) -> None:
        old = self.swap_map[slot]
        new = FnValue({
            "count": old["count"] if count is None else count,
            "has_cache": old["has_cache"] if has_cache is None else has_cache,
        })
        self.swap_map = self.swap_map.set(slot, new)

    def set_swapped_page(self, slot: ModelValue, data: ModelValue) -> None:
        self.swapped_page = self.swapped_page.set(slot, data)

    # the swap address space (swap cache): at most one folio per slot
    def set_folio(self, slot: ModelValue, value: TlaValue) -> None:
        self.swap_cache = self.swap_cache.set(slot, value)

    def update_folio(self, slot: ModelValue, **fields: Any) -> None:
        old = self.swap_cache[slot]
        self.set_folio(slot, folio(fields.get("locked", old["locked"]), fields.get("uptodate", old["uptodate"]),
                                   fields.get("data", old["data"])))

    def set_tree(self, slot: ModelValue, value: TlaValue) -> None:
        self.zswap_tree = self.zswap_tree.set(slot, value)

    def set_device(self, slot: ModelValue, data: ModelValue) -> None:
        self.swap_device = self.swap_device.set(slot, data)

    # each actor's call stack, bottom first
    def frames(self, actor: ModelValue) -> tuple[FnValue, ...]:
        return self.stack[actor]

    def frame(self, actor: ModelValue, depth: int) -> FnValue:
        return self.stack[actor][depth]

    def push_frame(self, actor: ModelValue, frame: FnValue) -> None:
        self.stack = self.stack.set(actor, self.stack[actor] + (frame,))

    def pop_frame(self, actor: ModelValue) -> FnValue:
        frames = self.stack[actor]
        self.stack = self.stack.set(actor, frames[:-1])
        return frames[-1]

    def update_frame(self, actor: ModelValue, depth: int, **fields: Any) -> None:
        frames = self.stack[actor]
        new = dict(frames[depth])
        new.update(fields)
        self.stack = self.stack.set(actor, frames[:depth] + (FnValue(new),) + frames[depth + 1:])

    def referenced_versions(self) -> set[ModelValue]:
        """Every version some variable mentions: SwapOut may only take another one."""
        seen = set(self.swapped_page.values()) | set(self.swap_device.values())
        seen.update(f["data"] for f in self.swap_cache.values() if f is not NO_FOLIO)
        seen.update(e["data"] for e in self.zswap_tree.values() if e is not NO_ENTRY)
        seen.update(e["data"] for e in self.zswap_lru)
        for frames in self.stack.values():
            for f in frames:
                fn = f["fn"]
                if fn == SWAPIN:
                    seen.add(f["page"])
                elif fn == WRITEBACK:
                    seen.add(f["entry"]["data"])
                elif f["last"] is not NO_ENTRY:
                    seen.add(f["last"]["data"])
        return seen
