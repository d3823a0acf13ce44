"""conformance.show: the one short printer of frames and values (simulator and review)."""

from __future__ import annotations

from conformance.config import Config
from conformance.show import show_frame, show_value
from conformance.system import System
from conformance.values import FnValue, ModelValue

s1, s2, v1, v2 = (ModelValue(n) for n in ("s1", "s2", "v1", "v2"))


def test_every_frame_field_of_the_spec_is_shown() -> None:
    entry, later = FnValue({"slot": s1, "data": v1}), FnValue({"slot": s2, "data": v2})
    writeback = FnValue({"fn": "zswap_writeback_entry", "entry": entry, "pc": "prepare", "cursor": later})
    assert show_frame(writeback) == "zswap_writeback_entry(s1:v1) @prepare, cursor s2:v2"
    fault = FnValue({"fn": "do_swap_page", "slot": s1, "page": v2, "pc": "charge", "lru_removed": True})
    assert show_frame(fault) == "do_swap_page(s1, v2) @charge, lru_removed"
    assert show_frame(FnValue({"fn": "shrink_memcg_cb", "budget": 1})) == "shrink_memcg_cb(budget 1)"


def test_the_implementations_state_prints() -> None:
    system = System(Config())
    system.step("SwapOut", s="s1", v="v1")
    system.step("StartFault", "t1", s="s1")
    state = system.observe()
    assert show_value(state["stack"]) == "[t1 ↦ ⟨do_swap_page(s1, v1) @lookup⟩, t2 ↦ ⟨⟩, k1 ↦ ⟨⟩]"
    assert show_value(state["swap_map"]) == "[s1 ↦ count=1, s2 ↦ count=0]"
