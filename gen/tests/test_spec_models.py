"""The spec's counterexamples are the scenarios the thread and the commits describe.

``make check`` already compares every model's verdict with spec/models.json;
these tests look inside two counterexamples and check that TLC found the
story a kernel reviewer expects, not merely *a* violation of the property.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from conformance.steps import Step
from conformance.values import ModelValue, function_of, sequence_of
from gen.bridge.checking import run_options
from gen.bridge.manifest import load_manifest
from gen.bridge.outcomes import ActionPropertyViolated, InvariantViolated, TraceState
from gen.bridge.tlc import run_tlc
from gen.generators.edges import recover_step

pytestmark = pytest.mark.tlc


def _counterexample(model_name: str) -> tuple[Any, Sequence[TraceState]]:
    """Run a manifest model with TLC; its outcome and the states of its trace."""
    (model,) = [m for m in load_manifest().models if m.name == model_name]
    run = run_tlc(run_options(model))
    trace = run.output.trace
    assert trace is not None, f"{model_name}: TLC gave no trace ({run.outcome.verdict})"
    return run.outcome, trace.states


def _steps(states: Sequence[TraceState]) -> list[Step]:
    """The steps between consecutive trace states, with actor and arguments."""
    return [
        recover_step(after.action, before.variables, after.variables, f"step {after.number}")
        for before, after in zip(states, states[1:])
    ]


def _stack(state: TraceState, actor: ModelValue | None) -> Sequence[Mapping[str, Any]]:
    assert actor is not None, "an actor's step without its actor"
    frames: Sequence[Mapping[str, Any]] = function_of(state.variables, "stack")[actor]
    return frames


def test_none_counterexample_is_the_threads_deadlock() -> None:
    """Domenico's scenario: pin, charge enters reclaim, writeback isolates the same slot, waits on its own pin."""
    outcome, states = _counterexample("none")
    assert outcome == InvariantViolated("NoSelfWait")

    steps = _steps(states)
    assert [step.name for step in steps] == [
        "SwapOut",
        "StartFault",
        "SwapcachePrepare",
        "ChargeReclaim",
        "LruIsolate",
    ]
    swap_out, *task_steps = steps
    task = task_steps[0].actor
    assert task is not None and all(step.actor == task for step in task_steps), steps
    slot = dict(swap_out.args)["s"]
    assert dict(task_steps[0].args)["s"] == slot  # the fault is on the page just swapped out

    final = states[-1].variables
    swapin, walk, writeback = _stack(states[-1], task)
    # The task holds the pin on the slot (swapcache_prepare succeeded, no folio yet) ...
    assert swapin["fn"] == "do_swap_page" and swapin["slot"] == slot and swapin["pc"] == "charge"
    assert function_of(final, "swap_map")[slot]["has_cache"] and function_of(final, "swap_cache")[slot] == ModelValue(
        "NoFolio"
    )
    # ... and its own reclaim is about to wait for that pin on the same slot's entry.
    assert walk["fn"] == "shrink_memcg_cb"
    assert writeback["fn"] == "zswap_writeback_entry" and writeback["pc"] == "prepare"
    assert writeback["entry"]["slot"] == slot


def test_bug_04fc7816089c_reuses_the_slot_between_isolation_and_write() -> None:
    """Without the re-check, writeback writes the isolated entry into a slot that was freed and reused."""
    outcome, states = _counterexample("bug_04fc7816089c")
    assert outcome == ActionPropertyViolated("NoStaleData")

    steps = _steps(states)
    names = [step.name for step in steps]
    isolate = names.index("LruIsolate")
    write = names.index("WbWrite")
    writer = steps[isolate].actor
    assert steps[write].actor == writer
    isolated = _stack(states[isolate + 1], writer)[-1]["entry"]
    slot = isolated["slot"]

    between = steps[isolate + 1 : write]
    freed = [i for i, step in enumerate(between) if step.name == "FreeSlot" and dict(step.args)["s"] == slot]
    reused = [i for i, step in enumerate(between) if step.name == "SwapOut" and dict(step.args)["s"] == slot]
    assert freed and reused and freed[0] < reused[0], f"slot {slot} not freed then reused in {between}"
    new_page = dict(between[reused[0]].args)["v"]
    assert new_page != isolated["data"]

    # The write put the old entry's data into the swap cache of the reused slot ...
    written = states[write + 1].variables
    assert function_of(written, "zswap_tree")[slot]["data"] == new_page
    assert function_of(written, "swap_cache")[slot]["data"] == isolated["data"]
    # ... and the last step maps it into the new page.
    assert names[-1] == "MapFolio"
    mapping_task = steps[-1].actor
    fault = _stack(states[-2], mapping_task)[0]
    assert fault["slot"] == slot and fault["page"] == new_page
    assert function_of(states[-2].variables, "swap_cache")[slot]["data"] == isolated["data"]


def test_lru_remove_fails_through_a_put_back() -> None:
    """Domenico's lru_remove leaves a window: the entry is isolated by another walk when the fault pins.

    zswap_remove_swpentry_from_lru() finds nothing to take off the LRU (the
    entry is isolated, list_empty()), that walk's writeback fails (TLC's
    shortest trace: its folio allocation, -ENOMEM; without allocation
    failures, -EEXIST on a third walk's transient folio), list_lru_putback()
    puts the entry back while the fault still holds the pin, and the fault's
    own reclaim isolates it.
    """
    outcome, states = _counterexample("lru_remove")
    assert outcome == InvariantViolated("NoSelfWait")

    steps = _steps(states)
    names = [step.name for step in steps]
    # The last step: the faulting task's own reclaim isolates the entry of the slot it pinned.
    assert names[-1] == "LruIsolate"
    task = steps[-1].actor
    swapin, _walk, writeback = _stack(states[-1], task)
    slot = swapin["slot"]
    entry = writeback["entry"]
    assert entry["slot"] == slot and swapin["pc"] == "charge"
    assert swapin["lru_removed"] is False  # the fault's removal found nothing to remove

    # When the task pinned the slot, another walk had the entry isolated.
    pin = max(i for i, step in enumerate(steps) if step.name == "SwapcachePrepare" and step.actor == task)
    at_pin = states[pin].variables
    assert entry not in sequence_of(at_pin, "zswap_lru")
    holders = [
        a
        for a, stack in function_of(at_pin, "stack").items()
        if a != task and stack and stack[-1].get("entry") == entry
    ]
    assert len(holders) == 1, f"no other walk held {entry} isolated at the pin: {at_pin['stack']}"
    (other,) = holders

    # That walk's writeback failed ...
    failed = [
        i for i, step in enumerate(steps) if step.name in ("WbFolioExists", "WbAllocFail") and step.actor == other
    ]
    assert failed, f"{other}'s writeback never failed: {names}"
    # ... and it put the entry back while the task still held the pin, before the task's own walk took it.
    put_back = [i for i, step in enumerate(steps) if step.name == "WbPutback" and step.actor == other]
    assert put_back and pin < put_back[-1] < len(steps) - 1
    assert entry in sequence_of(states[put_back[-1] + 1].variables, "zswap_lru")


def test_sync_io_lru_remove_is_the_threads_deadlock_on_the_bypass() -> None:
    """lru_remove's removal lives in __read_swap_cache_async(); the SWP_SYNCHRONOUS_IO bypass never calls it.

    v6.8's bypass pins with swapcache_prepare() before it charges its private
    folio (13ddaf26be32), so the thread's deadlock comes back unchanged: the
    task skips the swap cache, pins, its charge enters reclaim, and its own
    writeback isolates the entry that was never taken off the LRU.
    """
    outcome, states = _counterexample("sync_io_lru_remove")
    assert outcome == InvariantViolated("NoSelfWait")

    steps = _steps(states)
    assert [step.name for step in steps] == [
        "SwapOut",
        "StartFault",
        "SkipSwapcache",
        "SyncSwapcachePrepare",
        "ChargeReclaim",
        "LruIsolate",
    ]
    assert "ZswapLruRemove" not in [step.name for step in steps]
    swap_out, *task_steps = steps
    task = task_steps[0].actor
    assert task is not None and all(step.actor == task for step in task_steps), steps
    slot = dict(swap_out.args)["s"]

    final = states[-1].variables
    swapin, walk, writeback = _stack(states[-1], task)
    # The bypass holds the pin while it charges; no folio is in the swap cache ...
    assert swapin["pc"] == "sync_charge" and swapin["slot"] == slot and swapin["lru_removed"] is False
    assert function_of(final, "swap_map")[slot]["has_cache"]
    assert function_of(final, "swap_cache")[slot] == ModelValue("NoFolio")
    # ... and the entry was on the LRU for its own reclaim to take.
    assert slot in {e["slot"] for e in sequence_of(states[-2].variables, "zswap_lru")}
    assert walk["fn"] == "shrink_memcg_cb"
    assert writeback["fn"] == "zswap_writeback_entry" and writeback["pc"] == "prepare"
    assert writeback["entry"]["slot"] == slot
