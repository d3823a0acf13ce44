"""The implementation's state in the spec's variable names and TLA+ value shapes.

Conversions are memoized by the internal value (plain tuples, hashed in C),
so a variable that a step did not change costs one dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.values import FnValue, ModelValue, TlaValue

from .config import Config
from .state import MM, VARIABLES, Folio, Frame, Snapshot, SwapinFrame, SwapoffFrame, T, WalkFrame, ZswapEntry

NO_ENTRY = ModelValue("NoEntry")
NO_FOLIO = ModelValue("NoFolio")
NO_DATA = ModelValue("NoData")

_MEMO_LIMIT = 200_000  # entries per variable; a memo this full is dropped, not grown


class Observer:
    """Turns an :class:`MM` of one config into TLA+ values; shared by every system of the config."""

    def __init__(self, cfg: Config) -> None:
        self.slots = cfg.slot_values
        self.actors = cfg.task_values + cfg.shrinker_values + cfg.swapoff_values
        self._version = {v.name: v for v in cfg.version_values}
        self._memo: dict[str, dict[Any, TlaValue]] = {name: {} for name in VARIABLES}
        self._last_raws: Snapshot | None = None
        self._last_values: dict[str, TlaValue] = {}
        self._convert: dict[str, Callable[[Any], TlaValue]] = {
            "swap_map": lambda m: self._per_slot(m, lambda e: FnValue({"count": e.count, "has_cache": e.has_cache})),
            "swapped_page": lambda pages: self._per_slot(pages, self.data),
            "swap_cache": lambda cache: self._per_slot(cache, self.folio),
            "zswap_tree": lambda tree: self._per_slot(tree, self.entry),
            "zswap_lru": lambda lru: tuple(self.entry(e) for e in lru),
            "zswap_referenced": lambda bits: self._per_slot(bits, bool),
            "swap_device": lambda device: self._per_slot(device, self.data),
            "stack": lambda stack: FnValue(
                {a: tuple(self.frame(f) for f in frames) for a, frames in zip(self.actors, stack)}
            ),
        }

    def observe(self, mm: MM) -> dict[str, TlaValue]:
        raws = mm.snapshot()
        last = self._last_raws
        values = {}
        for i, name in enumerate(VARIABLES):
            raw = raws[i]
            if last is not None and raw is last[i]:  # most steps change one or two variables
                values[name] = self._last_values[name]
                continue
            memo = self._memo[name]
            value = memo.get(raw)
            if value is None:
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                value = memo[raw] = self._convert[name](raw)
            values[name] = value
        self._last_raws, self._last_values = raws, values
        return dict(values)

    def _per_slot(self, items: tuple[T, ...], convert: Callable[[T], TlaValue]) -> FnValue:
        return FnValue({slot: convert(item) for slot, item in zip(self.slots, items)})

    # single values, also used to print steps
    def data(self, version: str | None) -> ModelValue:
        return NO_DATA if version is None else self._version[version]

    def slot(self, offset: int) -> ModelValue:
        return self.slots[offset]

    def folio(self, folio: Folio | None) -> TlaValue:
        if folio is None:
            return NO_FOLIO
        return FnValue({"locked": folio.locked, "uptodate": folio.uptodate, "data": self.data(folio.data)})

    def entry(self, entry: ZswapEntry | None) -> TlaValue:
        if entry is None:
            return NO_ENTRY
        return FnValue({"slot": self.slots[entry.slot], "data": self._version[entry.data]})

    def frame(self, frame: Frame) -> FnValue:
        if type(frame) is SwapinFrame:
            return FnValue(
                {
                    "fn": frame.FN,
                    "slot": self.slots[frame.slot],
                    "page": self._version[frame.page],
                    "pc": frame.pc,
                    "lru_removed": frame.lru_removed,
                }
            )
        if type(frame) is WalkFrame:
            return FnValue({"fn": frame.FN, "budget": frame.budget})
        if type(frame) is SwapoffFrame:
            return FnValue({"fn": frame.FN, "pc": frame.pc})
        return FnValue(
            {"fn": frame.FN, "entry": self.entry(frame.entry), "pc": frame.pc, "cursor": self.entry(frame.cursor)}
        )
