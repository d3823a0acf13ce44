"""The step vocabulary: one table shared by the spec, the implementation, the generators and the tests.

Spec action name = implementation step name = word in a generated test
(spec/README.md, "Steps").  To add a step (or a protocol variant's steps),
add a row to STEPS: every other list of steps is derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from conformance import tla_text
from conformance.values import ModelValue, TlaValue

# Who takes a step: a faulting task, a background shrinker, either (a reclaim
# walk runs in both), or the environment (no actor).
ActorKind = Literal["task", "shrinker", "actor", "environment"]


@dataclass(frozen=True)
class StepKind:
    name: str
    actor: ActorKind
    args: tuple[str, ...]  # the contract's argument names, in order (``s``, ``v``)
    kernel: str  # the kernel function whose point it models
    words: str  # what it does, for the walks' docstrings ({a} actor, {s} slot, {v} version)


STEPS: dict[str, StepKind] = {
    kind.name: kind
    for kind in (
        StepKind("StartFault", "task", ("s",), "do_swap_page", "{a} faults on {s}"),
        StepKind("PteChanged", "task", (), "do_swap_page", "{a} finds the PTE changed and backs out"),
        StepKind("RetryFault", "task", (), "do_swap_page", "{a} retries the fault"),
        StepKind("SwapCacheHit", "task", (), "__read_swap_cache_async", "{a} finds the folio in the swap cache"),
        StepKind("SwapcachePrepare", "task", (), "swapcache_prepare", "{a} pins the slot"),
        StepKind("ChargeOk", "task", (), "mem_cgroup_swapin_charge_folio", "{a}'s charge succeeds"),
        StepKind("ChargeReclaim", "task", (), "mem_cgroup_swapin_charge_folio", "{a}'s charge enters reclaim"),
        StepKind("ChargeFail", "task", (), "mem_cgroup_swapin_charge_folio", "{a}'s charge fails"),
        StepKind("AddToSwapCache", "task", (), "add_to_swap_cache", "{a} adds its folio to the swap cache"),
        StepKind("SwapReadFolio", "task", (), "swap_read_folio", "{a} reads the page in"),
        StepKind("MapFolio", "task", (), "do_swap_page", "{a} maps the page"),
        StepKind(
            "MapFolioKeepCache", "task", (), "do_swap_page", "{a} maps the page and leaves its folio in the swap cache"
        ),
        StepKind("ShrinkWorker", "shrinker", (), "shrink_worker", "{a} starts a shrink walk"),
        StepKind("LruIsolate", "actor", (), "shrink_memcg_cb", "{a} isolates the LRU head"),
        StepKind("ShrinkDone", "actor", (), "shrink_memcg", "{a} ends its walk"),
        StepKind("WbFolioExists", "actor", (), "zswap_writeback_entry", "{a}'s writeback finds a folio (-EEXIST)"),
        StepKind("WbSlotFreed", "actor", (), "zswap_writeback_entry", "{a}'s writeback finds the slot freed"),
        StepKind("WbAllocFail", "actor", (), "__read_swap_cache_async", "{a}'s writeback fails to allocate a folio"),
        StepKind("WbSkipBusy", "actor", (), "zswap_writeback_entry", "{a}'s writeback skips the pinned slot"),
        StepKind("WbAllocFolio", "actor", (), "zswap_writeback_entry", "{a}'s writeback allocates a folio"),
        StepKind("WbEntryGone", "actor", (), "zswap_writeback_entry", "{a}'s writeback finds the entry gone"),
        StepKind("WbWrite", "actor", (), "zswap_writeback_entry", "{a} writes the entry back"),
        StepKind("WbPutback", "actor", (), "shrink_memcg_cb", "{a} puts the entry back on the LRU"),
        StepKind("SwapOut", "environment", ("s", "v"), "zswap_store", "{v} is swapped out to {s}"),
        StepKind("FreeSlot", "environment", ("s",), "swap_free", "{s} is freed"),
        StepKind("DropCleanFolio", "environment", ("s",), "delete_from_swap_cache", "{s}'s clean folio is dropped"),
    )
}

ACTOR_STEPS = frozenset(name for name, kind in STEPS.items() if kind.actor != "environment")
ENV_STEPS = frozenset(name for name, kind in STEPS.items() if kind.actor == "environment")
STEP_ARGS: dict[str, tuple[str, ...]] = {name: kind.args for name, kind in STEPS.items() if kind.args}
STEP_WORDS: dict[str, str] = {name: kind.words for name, kind in STEPS.items()}
# Steps only 6.12's code has (variant rotate).
ROTATE_ONLY_STEPS = frozenset({"MapFolioKeepCache"})

# One edge for two of the contract's steps of one actor, in the models that
# fold them (deep_skip_if_exists, reduced_*; spec/MCZswap.tla): TLC labels
# the edge with the overriding operator's name.  Readable in a trace, but
# not a step the implementation takes: nothing generates tests from them.
FOLDED_STEPS: dict[str, tuple[str, ...]] = {
    "ChargeOkAddToSwapCache": ("ChargeOk", "AddToSwapCache"),
}


class StepLabel(NamedTuple):
    """A step as the implementation names it: ``System.step(name, actor, **dict(args))``.

    Same shape as ``conformance.system.Step`` (a tuple of name, actor, sorted
    ``(arg, value)`` pairs), so the two compare equal.
    """

    name: str
    actor: ModelValue | None
    args: tuple[tuple[str, TlaValue], ...] = ()

    def __str__(self) -> str:
        who = [self.actor.name] if self.actor is not None else []
        return f"{self.name}({', '.join(who + [f'{k}={tla_text.format_value(v)}' for k, v in self.args])})"
