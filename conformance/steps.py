"""The step vocabulary: one table shared by the spec, the implementation, the generators and the tests.

Spec action name = implementation step name = word in a generated test
(spec/README.md, "Steps").  To add a step (or a protocol variant's steps),
add a row to STEPS: every other list of steps is derived from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from conformance import tla_text
from conformance.values import ModelValue, TlaValue

# Who takes a step: a faulting task, a background shrinker, either (a reclaim
# walk runs in both), swapoff(2) (its try_to_unuse() also takes the task's
# swap-in steps, SwapCacheHit .. MapFolio), or the environment (no actor).
ActorKind = Literal["task", "shrinker", "actor", "swapoff", "environment"]


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
        StepKind(
            "ZswapLruRemove", "task", (), "zswap_remove_swpentry_from_lru", "{a} takes its entry off the zswap LRU"
        ),
        StepKind("ChargeOk", "task", (), "mem_cgroup_swapin_charge_folio", "{a}'s charge succeeds"),
        StepKind("ChargeReclaim", "task", (), "mem_cgroup_swapin_charge_folio", "{a}'s charge enters reclaim"),
        StepKind("ChargeFail", "task", (), "mem_cgroup_swapin_charge_folio", "{a}'s charge fails"),
        StepKind("AddToSwapCache", "task", (), "add_to_swap_cache", "{a} adds its folio to the swap cache"),
        StepKind("SwapReadFolio", "task", (), "swap_read_folio", "{a} reads the page in"),
        StepKind("MapFolio", "task", (), "do_swap_page", "{a} maps the page"),
        # The SWP_SYNCHRONOUS_IO swap-cache bypass of do_swap_page() (spec: SyncIO).
        StepKind("SkipSwapcache", "task", (), "do_swap_page", "{a} skips the swap cache (SWP_SYNCHRONOUS_IO)"),
        StepKind("SyncSwapcachePrepare", "task", (), "swapcache_prepare", "{a} pins the slot for its private folio"),
        StepKind("SwapcacheBusy", "task", (), "do_swap_page", "{a} finds the slot pinned and backs out"),
        StepKind("SyncMapFolio", "task", (), "do_swap_page", "{a} reads into its private folio, maps it, unpins"),
        StepKind(
            "SyncPteChanged", "task", (), "do_swap_page", "{a} reads, finds the PTE changed, drops its folio, unpins"
        ),
        # bug 13ddaf26be32: the bypass without its pin reads in a step of its own, then maps (SyncMapFolio)
        StepKind("SyncReadFolio", "task", (), "swap_read_folio", "{a} reads into its private folio (no pin)"),
        StepKind(
            "MapFolioKeepCache", "task", (), "do_swap_page", "{a} maps the page and leaves its folio in the swap cache"
        ),
        # swapoff(2) (spec: Swapoffs)
        StepKind("SwapoffStart", "swapoff", (), "swapoff", "{a} starts swapoff (SWP_WRITEOK cleared)"),
        StepKind("UnuseSlot", "swapoff", ("s",), "unuse_pte_range", "{a}'s try_to_unuse() swaps {s} in"),
        StepKind("UnusePoison", "swapoff", (), "unuse_pte", "{a}'s unuse_pte() poisons the PTE (folio not uptodate)"),
        StepKind(
            "UnuseFolioGone", "swapoff", (), "unuse_pte", "{a}'s unuse_pte() leaves the PTE: the folio left the cache"
        ),
        StepKind("ZswapSwapoff", "swapoff", (), "zswap_swapoff", "{a} frees the zswap tree (zswap_swapoff)"),
        StepKind("ShrinkWorker", "shrinker", (), "shrink_worker", "{a} starts a shrink walk"),
        StepKind("SwapDuplicate", "environment", ("s",), "copy_nonpresent_pte", "fork shares {s}: use count 2"),
        StepKind("LruIsolate", "actor", (), "shrink_memcg_cb", "{a} isolates the LRU head"),
        StepKind("ShrinkDone", "actor", (), "shrink_memcg", "{a} ends its walk"),
        StepKind("WbFolioExists", "actor", (), "zswap_writeback_entry", "{a}'s writeback finds a folio (-EEXIST)"),
        StepKind("WbSlotFreed", "actor", (), "zswap_writeback_entry", "{a}'s writeback finds the slot freed"),
        StepKind("WbAllocFail", "actor", (), "__read_swap_cache_async", "{a}'s writeback fails to allocate a folio"),
        StepKind("WbSkipBusy", "actor", (), "zswap_writeback_entry", "{a}'s writeback skips the pinned slot"),
        StepKind("WbAllocFolio", "actor", (), "zswap_writeback_entry", "{a}'s writeback allocates a folio"),
        StepKind("WbChargeOk", "shrinker", (), "mem_cgroup_swapin_charge_folio", "{a}'s writeback charge succeeds"),
        StepKind(
            "WbChargeReclaim",
            "shrinker",
            (),
            "mem_cgroup_swapin_charge_folio",
            "{a}'s writeback charge enters reclaim",
        ),
        StepKind("WbChargeFail", "shrinker", (), "mem_cgroup_swapin_charge_folio", "{a}'s writeback charge fails"),
        StepKind("WbEntryGone", "actor", (), "zswap_writeback_entry", "{a}'s writeback finds the entry gone"),
        StepKind("WbWrite", "actor", (), "zswap_writeback_entry", "{a} writes the entry back"),
        StepKind("WbPutback", "actor", (), "shrink_memcg_cb", "{a} puts the entry back on the LRU"),
        StepKind("SwapOut", "environment", ("s", "v"), "zswap_store", "{v} is swapped out to {s}"),
        StepKind("FreeSlot", "environment", ("s",), "swap_free", "{s} is freed"),
        StepKind("DropCleanFolio", "environment", ("s",), "delete_from_swap_cache", "{s}'s clean folio is dropped"),
        # The duplicate store (spec: Redirty): a page kept in the swap cache is written to and stored again.
        StepKind("SwapOutAgain", "environment", ("s", "v"), "zswap_store", "{s}'s kept page is stored again as {v}"),
        StepKind(
            "SwapOutAgainRejected",
            "environment",
            ("s", "v"),
            "zswap_store",
            "{s}'s kept page, now {v}, is not stored and goes to the device",
        ),
        # 6.12's way to a duplicate store (spec: KeepSwapOutFolio): the swap-out folio stays in the swap cache.
        StepKind(
            "SwapOutKeepCache",
            "environment",
            ("s", "v"),
            "zswap_store",
            "{v} is swapped out to {s}, its folio still in the swap cache",
        ),
        # A clean kept folio reclaimed with no store (spec: CleanReclaim).
        StepKind(
            "UnmapCleanFolio", "environment", ("s",), "try_to_unmap", "{s}'s clean kept folio is unmapped, not stored"
        ),
    )
}

ACTOR_STEPS = frozenset(name for name, kind in STEPS.items() if kind.actor != "environment")
ENV_STEPS = frozenset(name for name, kind in STEPS.items() if kind.actor == "environment")
STEP_ARGS: dict[str, tuple[str, ...]] = {name: kind.args for name, kind in STEPS.items() if kind.args}
STEP_WORDS: dict[str, str] = {name: kind.words for name, kind in STEPS.items()}
# Steps only 6.12's code has (variant rotate).  (MapFolioKeepCache was one
# until the v6.8 variants got should_try_to_free_swap() too.)
ROTATE_ONLY_STEPS: frozenset[str] = frozenset()
# Steps only a model with Redirty has (`Redirty <- RedirtyOn`): the duplicate store.
REDIRTY_STEPS = frozenset({"SwapOutAgain", "SwapOutAgainRejected"})
# Steps only a model with WORKER_CHARGE_RECLAIM has: the worker's writeback charging.
WORKER_CHARGE_STEPS = frozenset({"WbChargeOk", "WbChargeReclaim", "WbChargeFail"})
# Steps only a model with a swapoff actor has (spec: Swapoffs).
SWAPOFF_STEPS = frozenset({"SwapoffStart", "UnuseSlot", "UnusePoison", "UnuseFolioGone", "ZswapSwapoff"})

# One edge for two of the contract's steps of one actor, in the models that
# fold them (deep_skip_if_exists, reduced_*; spec/MCZswap.tla): TLC labels
# the edge with the overriding operator's name.  Readable in a trace, but
# not a step the implementation takes: nothing generates tests from them.
FOLDED_STEPS: dict[str, tuple[str, ...]] = {
    "ChargeOkAddToSwapCache": ("ChargeOk", "AddToSwapCache"),
    # deep_rotate's folded walk start (the walk's first step is LruIsolate or ShrinkDone).
    "ChargeReclaimWalking": ("ChargeReclaim", "LruIsolate"),
    "ShrinkWorkerWalking": ("ShrinkWorker", "LruIsolate"),
}


class Step(NamedTuple):
    """One step of the contract: ``System.step(name, actor, **dict(args))``, a TLC edge, a test line.

    ``actor`` is None for the environment's steps (SwapOut, FreeSlot,
    DropCleanFolio); ``args`` is a sorted tuple of ``(name, value)`` pairs with
    the contract's argument names (``s``, ``v``) and TLA+ values.  The
    implementation's enabled(), the C harness's, replay, the edge recovery
    and the generated modules all use this one type.  (Inside the
    implementation a kernel function yields ``conformance.points.Offer``: the
    step's name and its arguments as internal values, a slot's offset, with
    no actor, since a kernel function does not know which actor runs it;
    System turns an Offer into a Step.)
    """

    name: str
    actor: ModelValue | None
    args: tuple[tuple[str, TlaValue], ...] = ()

    def __str__(self) -> str:
        return format_step(self.name, self.actor, self.args)


# ---- A step as text -----------------------------------------------------------
# ``StartFault(t1, s=s1)``, ``SwapOut(s=s1, v=v2)``, ``ChargeOk(t1)``: the actor
# first and bare (its kind is the step's, STEPS[name].actor), then the
# contract's arguments by name, values in TLA+ syntax.  It reads like the
# generated tests' ``run.step("StartFault", t1, s=s1, then=3)`` and like
# ``System.step``'s signature, and it is the form the ITF traces record.
# Schedules (``python -m conformance.simulate --script``), replay's messages,
# refusals and the ITF traces' enabled sets all use this one printer and parser.


class StepSyntaxError(ValueError):
    """A step's text does not parse; the message shows how to write it."""


def format_step(name: str, actor: ModelValue | str | None, args: Iterable[tuple[str, TlaValue]]) -> str:
    """The text of a step: ``Name(actor, k=v, ...)``, arguments in the order given (callers sort them)."""
    who = [actor.name if isinstance(actor, ModelValue) else str(actor)] if actor is not None else []
    return f"{name}({', '.join(who + [f'{k}={_value_text(v)}' for k, v in args])})"


def _value_text(value: TlaValue) -> str:
    try:
        return tla_text.format_value(value)
    except Exception:  # a malformed request's argument (refusal messages): show it as Python sees it
        return repr(value)


def example_text(name: str) -> str:
    """How to write step ``name``, e.g. ``SwapOut(s=s1, v=v1)``."""
    kind = STEPS[name]
    actor = None if kind.actor == "environment" else {"shrinker": "k1", "swapoff": "o1"}.get(kind.actor, "t1")
    return format_step(name, actor, [(key, ModelValue(f"{key}1")) for key in kind.args])


_STEP_TEXT = re.compile(r"\s*([A-Za-z]+)\s*\(([^()]*)\)\s*")


def parse_step(text: str) -> Step:
    """The step ``text`` names (the inverse of ``str(Step)``); StepSyntaxError says what is wrong."""
    match = _STEP_TEXT.fullmatch(text)
    if not match:
        raise StepSyntaxError(
            f"cannot read {text!r} as a step: write e.g. 'StartFault(t1, s=s1)' or 'SwapOut(s=s1, v=v1)'"
        )
    name, inner = match.group(1), match.group(2)
    kind = STEPS.get(name)
    if kind is None:
        raise StepSyntaxError(f"{text!r}: no step is called {name!r}; steps: {', '.join(sorted(STEPS))}")
    words = [word.strip() for word in inner.split(",")] if inner.strip() else []
    if "" in words:
        raise StepSyntaxError(f"{text!r}: an empty argument; write e.g. {example_text(name)}")
    actor = None
    if kind.actor != "environment":
        if not words or "=" in words[0]:
            raise StepSyntaxError(
                f"{text!r}: {name} is an actor's step; name the actor first, e.g. {example_text(name)}"
            )
        actor, words = ModelValue(words[0]), words[1:]
    args: dict[str, TlaValue] = {}
    for word in words:
        key, equals, value = (part.strip() for part in word.partition("="))
        if not equals:
            raise StepSyntaxError(f"{text!r}: name each argument, e.g. {example_text(name)}")
        if key in args or key not in kind.args:
            raise StepSyntaxError(
                f"{text!r}: {name} takes ({', '.join(kind.args)}) once each, e.g. {example_text(name)}"
            )
        try:
            args[key] = tla_text.parse_value(value)
        except tla_text.TlaTextError as err:
            raise StepSyntaxError(f"{text!r}: {key}={value} is no TLA+ value ({err})") from None
    if len(args) != len(kind.args):
        raise StepSyntaxError(f"{text!r}: {name} takes ({', '.join(kind.args)}), e.g. {example_text(name)}")
    return Step(name, actor, tuple(sorted(args.items())))


_SEPARATOR = re.compile(r"[\s;]*")
_ONE_STEP = re.compile(r"[A-Za-z]+\s*\([^()]*\)")


def parse_steps(text: str) -> list[Step]:
    """A schedule: steps separated by whitespace or ';', e.g. ``"SwapOut(s=s1, v=v1) StartFault(t1, s=s1)"``."""
    steps, position = [], _skip_separators(text, 0)
    while position < len(text):
        match = _ONE_STEP.match(text, position)
        if match is None:
            raise StepSyntaxError(
                f"cannot read a step at {text[position : position + 30]!r}: write e.g. 'StartFault(t1, s=s1)'"
            )
        steps.append(parse_step(match.group(0)))
        position = _skip_separators(text, match.end())
    return steps


def _skip_separators(text: str, position: int) -> int:
    separators = _SEPARATOR.match(text, position)
    return separators.end() if separators else position
