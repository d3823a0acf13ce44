"""The bug models' TLC counterexamples (conformance/generated/test_counterexamples.py) against the C with the bug's patch.

Each 6.12 bug model's trace, as ``make gen`` recorded it (its steps and
TLC's states), is replayed against the harness patched to reintroduce that
bug (conformance/kernel/patches/), ``observe()`` equal to TLC's state after
every step; then the C must be in the bad state.  On 6.12 as released the
same trace must not get there: the patch, not the harness, makes the bug.

* bug_a65b0e7607cc_rotate (NoSelfWait): at the end the task's writeback, its
  allocation succeeding, loops in ``schedule_timeout_uninterruptible()`` on
  the pin the task holds.  (The C's first allocation may also fail, once:
  the spec leaves that out on purpose, Zswap.tla WbAllocFail.)
* bug_04fc7816089c_rotate (NoStaleData): the C follows the trace until
  ``WbWrite``, whose ``zswap_decompress()`` reads the entry that
  ``FreeSlot``'s ``zswap_invalidate()`` freed: ASan's heap-use-after-free,
  before the stale data can reach the fault (its quarantine keeps the freed
  memory from being reused).
* bug_e3b63e966cac_rotate (NoOrphanedWait): the C follows the trace to its
  end; the fault that found writeback's folio in the swap cache is then
  asleep in ``folio_lock_or_retry()``'s lock on a folio that has left the
  swap cache still locked, and nobody holds that lock: ``blocked()`` says
  the fault waits on no actor.  On 6.12 as released the same
  ``WbEntryGone`` unlocks the folio and the fault retries (pc hit_gone).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from conformance.replay import Replay, ReplayMismatch
from conformance.values import ModelValue, function_of

if TYPE_CHECKING:
    from conformance.kernel.system import KernelSystem

T1, K1, S1 = ModelValue("t1"), ModelValue("k1"), ModelValue("s1")

PATCHES = Path(__file__).resolve().parents[1] / "patches"
PATCH_FOR_BUG = {
    "a65b0e7607cc": PATCHES / "a65b0e7607cc-no-skip-if-exists.patch",
    "04fc7816089c": PATCHES / "04fc7816089c-no-recheck.patch",
    "e3b63e966cac": PATCHES / "e3b63e966cac-no-folio-cleanup.patch",
}


def _harness(patches: list[Path]) -> Path:
    from conformance.kernel.build import BuildError, build
    from conformance.kernel.extract import ExtractError

    try:
        return build(patches)
    except (BuildError, ExtractError) as err:
        pytest.skip(f"kernel harness not available: {err}")


def _generated() -> ModuleType:
    # by name: the generated module is not type-checked (it is data)
    return importlib.import_module("conformance.generated.test_counterexamples")


def _replay(exe: Path, bug: str, steps_left: int = 0) -> KernelSystem:
    """The C harness ``exe`` driven along bug model ``bug``_rotate's TLC trace, each state checked
    (but for the last ``steps_left`` steps, which are not taken)."""
    from conformance.kernel.system import KernelSystem

    name = f"BUG_{bug.upper()}_ROTATE"
    config, steps, states = (getattr(_generated(), f"{name}_{part}") for part in ("CONFIG", "STEPS", "STATES"))
    system = KernelSystem(config, exe)
    run = Replay(system, states.__getitem__, lambda _: None, 0)
    for then, step in enumerate(steps[: len(steps) - steps_left], start=1):
        if then < len(steps) or bug not in ACTION_PROPERTY_BUGS:  # an action property's bad step is not taken
            run.step(step.name, step.actor, then=then, **dict(step.args))
    return system


# NoStaleData is about the last step (MapFolio of stale data): the trace ends just before it.
ACTION_PROPERTY_BUGS = {"04fc7816089c"}


def test_the_self_deadlock_trace_on_the_c_without_skip_if_exists() -> None:
    system = _replay(_harness([PATCH_FOR_BUG["a65b0e7607cc"]]), "a65b0e7607cc")
    assert system.holders(S1) == {T1}
    assert system.describe(T1) == "in zswap_writeback_entry(s1) at pc prepare"
    assert '"WB_PREPARE","BLOCKED"' in system._harness.ask("trials")  # allocation ok: the -EEXIST loop on t1's own pin


def test_the_self_deadlock_trace_ends_elsewhere_on_612(kernel_harness: Path) -> None:
    system = _replay(kernel_harness, "a65b0e7607cc")
    assert '"BLOCKED"' not in system._harness.ask("trials")
    assert "WbSkipBusy" in [step.name for step in system.enabled()]  # skip_if_exists: give up


def test_the_stale_data_trace_on_the_c_without_the_recheck() -> None:
    with pytest.raises(ReplayMismatch) as caught:
        _replay(_harness([PATCH_FOR_BUG["04fc7816089c"]]), "04fc7816089c")
    report = str(caught.value)
    assert "heap-use-after-free" in report and "zswap_writeback_entry" in report
    assert "WbAllocFolio(k1)" in report  # the trace so far: the C followed TLC up to the write


def test_the_stale_data_trace_ends_elsewhere_on_612(kernel_harness: Path) -> None:
    with pytest.raises(ReplayMismatch, match="WbWrite"):  # the re-check finds the entry gone: WbEntryGone
        _replay(kernel_harness, "04fc7816089c")


def test_the_stranded_folio_trace_on_the_c_without_the_cleanup() -> None:
    system = _replay(_harness([PATCH_FOR_BUG["e3b63e966cac"]]), "e3b63e966cac")
    # the fault holds its reference to writeback's folio, which left the swap cache still locked
    assert system.describe(T1) == "in do_swap_page(s1) at pc hit_stranded"
    assert function_of(system.observe(), "swap_cache")[S1] == ModelValue("NoFolio")
    # it sleeps in kc_folio_lock() (folio_lock_or_retry()) and no actor holds that lock
    assert system.blocked() == {T1: frozenset()}
    assert '"HIT_WAIT","BLOCKED"' in system._harness.ask("trials")
    assert not [step for step in system.enabled() if step.actor == T1]


def test_the_stranded_folio_trace_ends_elsewhere_on_612(kernel_harness: Path) -> None:
    system = _replay(kernel_harness, "e3b63e966cac", steps_left=1)
    assert system.describe(T1) == "in do_swap_page(s1) at pc hit_wait"
    assert system.blocked() == {T1: frozenset({K1})}  # waits on writeback's locked folio
    system.step("WbEntryGone", K1)  # the trace's last step: 6.12's re-check fails, and it unlocks
    assert system.describe(T1) == "in do_swap_page(s1) at pc hit_gone"
    assert system.blocked() == {}
    assert "RetryFault" in [step.name for step in system.enabled() if step.actor == T1]


@pytest.mark.parametrize("bug", sorted(PATCH_FOR_BUG))
def test_every_6_12_bug_model_has_its_patch(bug: str) -> None:
    assert PATCH_FOR_BUG[bug].is_file()
    assert getattr(_generated(), f"BUG_{bug.upper()}_ROTATE_CONFIG").bugs == frozenset({bug})
