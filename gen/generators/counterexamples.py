"""Counterexamples of the expected-violation models, as regression tests in both directions.

For each model in :data:`COUNTEREXAMPLES`, TLC finds the shortest violating
trace (breadth-first, one worker, SYMMETRY removed so the trace's states are
real states, not representatives).  The steps behind the trace are recovered
like the graph's edges (gen.generators.edges).  The rendered tests then:

* **buggy direction**: replay the trace against the model's own config (the
  variant ``none`` or the bug switch): every state must equal TLC's, and the
  last state must be the bad one (a task blocked on its own pin, a wait
  cycle, stale data about to be mapped, a walk cursor off the LRU);
* **fixed direction**: replay the same steps against each fixed config (the
  three fixes for ``none``; the bug switched off for a bug model).  The fix
  must bite: some step is refused, or leads to a state TLC's buggy trace does
  not have, and the bad state is never reached.  Where that happens (step
  number and how) is recorded at generation time from the implementation and
  pinned by the test, so a change in where a fix bites shows up in review.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance.bad_states import starves_in_loop, where_fix_bites
from conformance.config import Config
from conformance.steps import Step
from conformance.values import TlaValue
from gen.bridge import paths
from gen.bridge.checking import LIVENESS_AT_END
from gen.bridge.errors import BridgeError
from gen.generators.describe import describe_walk
from gen.generators.edges import recover_step
from gen.generators.render import render

SPEC = paths.MC_SPEC
MODELS = paths.MODELS_DIR
GENERATED = paths.GENERATED
SCRATCH = paths.GEN_SCRATCH


@dataclass(frozen=True)
class Counterexample:
    """An expected-violation model and what its bad state is."""

    model: str
    badness: str  # "self_wait", "wait_cycle", "stale_data", "cursor_freed", "lru_stop", "orphaned_wait"
    fixes: tuple[tuple[str, dict[str, Any]], ...]  # (name, Config fields to replace)


_VARIANT_FIXES = tuple((v, {"variant": v}) for v in ("lru_remove", "skip_if_exists", "swap_table"))
COUNTEREXAMPLES = (
    Counterexample("none", "self_wait", _VARIANT_FIXES),
    Counterexample("none_abba", "wait_cycle", _VARIANT_FIXES),
    Counterexample("bug_a65b0e7607cc", "self_wait", (("a65b0e7607cc_fixed", {"bugs": []}),)),
    Counterexample("bug_04fc7816089c", "stale_data", (("04fc7816089c_fixed", {"bugs": []}),)),
    Counterexample("bug_27d3969b47cc", "cursor_freed", (("27d3969b47cc_fixed", {"bugs": []}),)),
    # The same two bugs on 6.12's code (variant rotate).
    Counterexample("bug_a65b0e7607cc_rotate", "self_wait", (("6.12", {"bugs": []}),)),
    Counterexample("bug_04fc7816089c_rotate", "stale_data", (("6.12", {"bugs": []}),)),
    # 25cd241408a2: the bypass's exclusive load, on v6.8's order and on 6.12's.
    Counterexample("bug_25cd241408a2", "data_loss", (("25cd241408a2_fixed", {"bugs": []}),)),
    Counterexample("bug_25cd241408a2_rotate", "data_loss", (("6.12", {"bugs": []}),)),
    # e3b63e966cac: the re-check's failure path strands its folio locked, on v6.8's code and on 6.12's.
    Counterexample("bug_e3b63e966cac", "orphaned_wait", (("e3b63e966cac_fixed", {"bugs": []}),)),
    Counterexample("bug_e3b63e966cac_rotate", "orphaned_wait", (("6.12", {"bugs": []}),)),
    # 13ddaf26be32: the bypass without its pin; two threads bypass at once, one maps stale data.
    Counterexample("bug_13ddaf26be32", "stale_data", (("13ddaf26be32_fixed", {"bugs": []}),)),
    Counterexample("bug_13ddaf26be32_rotate", "stale_data", (("6.12", {"bugs": []}),)),
    # lru_remove on the SWP_SYNCHRONOUS_IO bypass (v6.8's order): its LRU removal is not on that path.
    Counterexample("sync_io_lru_remove", "self_wait", (("skip_if_exists", {"variant": "skip_if_exists"}),)),
    # Not a bug: a witness trace through LRU_STOP, which no conformance graph reaches.
    Counterexample("witness_rotate_lru_stop", "lru_stop", ()),
    # Liveness counterexamples are lassos.  none_liveness: TLC's "stuttering" kind, no actor can
    # move again.  skip_if_exists_starvation: "back to state k", a loop in which a faulting task
    # never takes a step (weak fairness allows it; there is no fixed config to compare with, the
    # fix is strong fairness, a property of the scheduler).
    Counterexample("none_liveness", "fault_never_completes", _VARIANT_FIXES),
    Counterexample("skip_if_exists_starvation", "starvation", ()),
)

BADNESS_WORDS = {
    "self_wait": "an actor waits on a pin it holds itself (NoSelfWait)",
    "wait_cycle": "two actors wait on each other's pins (NoCrossWaitCycle)",
    "stale_data": "MapFolio maps data other than the page's (NoStaleData)",
    "data_loss": "a slot in use has its page's data in zswap, on the device and in the swap cache nowhere (NoDataLoss)",
    "orphaned_wait": "an actor sleeps on a folio lock nobody holds: the folio left the swap cache locked "
    "(NoOrphanedWait)",
    "cursor_freed": "WbPutback continues the walk from a cursor no longer on the LRU (WalkCursorLive)",
    "lru_stop": "a task's walk with budget left meets a swap-cache folio and stops (LRU_STOP; NoEarlyLruStop)",
    "fault_never_completes": "no actor can move while a task is still faulting (FaultCompletes: the lasso stutters)",
    "starvation": "the trace is back where its loop started, and a task faulted all through the loop "
    "without taking a step (FaultCompletes: the loop can repeat forever)",
}


LIVENESS = frozenset({"fault_never_completes", "starvation"})


class CounterexampleError(BridgeError):
    """A counterexample model did not give the trace expected of it."""


def counterexample_config_text(cfg_text: str) -> str:
    """The model's config without SYMMETRY (a trace under symmetry mixes permuted states)."""
    return "\n".join(line for line in cfg_text.splitlines() if not line.strip().startswith("SYMMETRY")) + "\n"


def find_trace(
    example: Counterexample, *, fresh: bool = False
) -> tuple[tuple[str, ...], list[dict[str, TlaValue]], list[Step], str]:
    """Run TLC; return variables, states, recovered steps and the violation's verdict.

    A lasso that goes back to state k gets its loop step appended, so the
    last state is state k again (the verdict says so: "back to state k").
    """
    from gen.bridge.cache import cached_run  # like explore(): an unchanged model is not run again
    from gen.bridge.tlc import RunOptions

    cfg = MODELS / f"{example.model}.cfg"
    if not cfg.exists():
        raise CounterexampleError(
            f"counterexample model {example.model}: {cfg} does not exist",
            "add it to spec/models or drop it from gen/generators/counterexamples.py",
        )
    SCRATCH.mkdir(parents=True, exist_ok=True)
    derived = SCRATCH / f"{example.model}.cex.cfg"
    derived.write_text(counterexample_config_text(cfg.read_text()))
    # The manifest says how the model is run (deadlock checking is off for liveness models).
    from gen.bridge.manifest import load_manifest

    entries = {model.name: model for model in load_manifest().models}
    check_deadlock = entries[example.model].check_deadlock if example.model in entries else True
    # Liveness checked at the end: TLC 2.15 otherwise checks it on a timer while it explores, so which
    # lasso it reports depends on how far it got by then, and regeneration would not give the same bytes.
    run = cached_run(
        RunOptions(
            spec=SPEC,
            config=derived,
            workers=1,
            check_deadlock=check_deadlock,
            extra_args=LIVENESS_AT_END,
            label=f"cex-{example.model}",
        ),
        scratch_root=SCRATCH / "tlc",
        fresh=fresh,
    )
    trace = run.output.trace
    if trace is None:
        raise CounterexampleError(
            f"model {example.model}: TLC found no counterexample ({run.outcome.verdict})",
            f"run `python -m gen run {cfg}`: the model is expected to fail",
        )
    states = [dict(state.variables) for state in trace.states]
    variables = tuple(sorted(states[0]))
    steps = [
        recover_step(
            after.action,
            before.variables,
            after.variables,
            f"model {example.model}, trace step {after.number} ({after.action})",
        )
        for before, after in zip(trace.states, trace.states[1:])
    ]
    verdict = run.outcome.verdict
    if trace.lasso is not None:
        from gen.bridge.outcomes import LassoKind

        if trace.lasso.kind is LassoKind.STUTTERING:
            verdict += " (lasso: stutters in the last state)"
        else:
            # Close the loop: the step back to state `back_to` becomes the trace's last step.
            back = trace.lasso.back_to
            if back is None or trace.lasso.action is None:
                raise CounterexampleError(
                    f"model {example.model}: a lasso without its loop step",
                    "report this: TLC's lasso format was not understood",
                )
            target = dict(trace.states[back - 1].variables)
            steps.append(
                recover_step(
                    trace.lasso.action,
                    states[-1],
                    target,
                    f"model {example.model}, the lasso's step back to state {back}",
                )
            )
            states.append(target)
            verdict += f" (lasso: back to state {back})"
    return variables, states, steps, verdict


@dataclass(frozen=True)
class FoundTrace:
    """What TLC found for one counterexample model, with the steps recovered and the model's config."""

    example: Counterexample
    config: Config
    variables: tuple[str, ...]
    states: list[dict[str, TlaValue]]
    steps: list[Step]
    verdict: str


def generate(*, fresh: bool = False) -> dict[Path, str]:
    """Run TLC on every counterexample model (``fresh``: past the cache) and render
    conformance/generated/test_counterexamples.py."""
    found = []
    for example in COUNTEREXAMPLES:
        variables, states, steps, verdict = find_trace(example, fresh=fresh)
        config = Config.from_cfg(MODELS / f"{example.model}.cfg")
        found.append(FoundTrace(example, config, variables, states, steps, verdict))
    return {GENERATED / "test_counterexamples.py": render_counterexamples(found)}


def render_counterexamples(found: Sequence[FoundTrace]) -> str:
    """The test module for these traces."""
    from gen.generators.render import py_identifier

    cases = []
    names: set[str] = set()
    for trace in found:
        example, config, variables, states, steps, verdict = (
            trace.example,
            trace.config,
            trace.variables,
            trace.states,
            trace.steps,
            trace.verdict,
        )
        fixes = []
        for fix_name, fields in example.fixes:
            changed: dict[str, Any] = {k: (frozenset(v) if k == "bugs" else v) for k, v in fields.items()}
            fixed = replace(config, **changed)
            try:
                bites = where_fix_bites(fixed, steps, states, example.badness)
            except AssertionError as failure:
                raise CounterexampleError(
                    f"model {example.model} under fix {fix_name}: {failure}",
                    "the fix does not fix it: check the implementation and the spec",
                ) from None
            fixes.append({"name": fix_name, "fields": fields, "bites": {"step": bites[0], "how": bites[1]}})
        for state in states:
            _collect_names(state.values(), names)
        back = re.search(r"back to state (\d+)", verdict)
        loop_start = int(back.group(1)) - 1 if back else None
        if example.badness == "starvation" and (loop_start is None or not starves_in_loop(states, steps, loop_start)):
            raise CounterexampleError(
                f"model {example.model}: TLC's lasso is not a loop in which a task starves",
                "check the model's expectation in spec/models.json",
            )
        cases.append(
            {
                "model": example.model,
                "badness": example.badness,
                "verdict": verdict,
                "config": config,
                "variables": variables,
                "states": states,
                "steps": [{"label": s, "then": i} for i, s in enumerate(steps, 1)],
                "summary": describe_walk(steps, ends_stuck=False),
                "bad_sentence": textwrap.fill(
                    (
                        "Its last step is the bad one: "
                        if verdict.startswith("property:") and example.badness not in LIVENESS
                        else "At the end "
                    )
                    + BADNESS_WORDS[example.badness]
                    + ".",
                    width=92,
                    subsequent_indent="    ",
                    break_on_hyphens=False,
                ),
                "fixes": fixes,
                "action_property": verdict.startswith("property:") and example.badness not in LIVENESS,
                "loop_start": loop_start,
            }
        )
    model_values = sorted(n for n in names if py_identifier(n))
    return render("counterexamples_module.py.j2", cases=cases, model_values=model_values)


def _collect_names(values: Any, names: set[str]) -> None:
    from conformance.values import ModelValue

    for value in values:
        if isinstance(value, ModelValue):
            names.add(value.name)
        elif isinstance(value, (tuple, frozenset)):
            _collect_names(value, names)
        elif hasattr(value, "items"):
            _collect_names(value.keys(), names)
            _collect_names(value.values(), names)
