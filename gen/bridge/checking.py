"""The check's library: a manifest entry's TLC run, its comparison with the manifest, the results table.

``gen.check`` (the command) and ``gen.review.report`` (which prints the same
table) both use it.  Exhaustive runs use one TLC worker unless the entry's
``workers`` or ``--workers`` say otherwise: with several workers TLC 2.15's
reported depth varies from run to run (measured: 5 or 7 for
gen/tests/data/specs passing), and with a VIEW the distinct-state count too,
so such an entry gives those counts as ranges (gen.bridge.manifest).  A run
with N workers counts as N of the check's cores.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gen.bridge import paths
from gen.bridge.cache import cached_run
from gen.bridge.errors import UnknownModel
from gen.bridge.manifest import Manifest, Model, count_matches, format_count, in_tier
from gen.bridge.no_verdict import error_for_run
from gen.bridge.outcomes import Success, TemporalPropertyViolated, counts_are_partial
from gen.bridge.progress import colour
from gen.bridge.tlc import (
    DEFAULT_JVM_OPTIONS,
    QUICK_RUN_JVM_OPTIONS,
    QUICK_RUN_STATES,
    RunOptions,
    TlcRun,
    config_properties,
    heap_options,
    stop_every_tlc,
    stopping_tlc_on_termination,
)
from gen.bridge.tool_output import Message

CHECK_JSON = paths.CHECK_JSON
TABLE_WIDTH = 80


@dataclass(frozen=True)
class CheckResult:
    model: str
    expected: str
    actual: str
    matches: bool
    distinct_states: int | None
    depth: int | None
    seconds: float
    tier: str
    why: str  # empty when it matches; else what differs and what to look at
    cached: bool = False  # served from gen.bridge.cache; seconds are the original run's
    # Decided by this model's run (the manifest's checked_by, gen.bridge.shared_runs): no TLC of its own.
    checked_by: str | None = None
    # The run stopped before TLC's final count (time limit, signal, cut stream): the
    # counts are its last progress line's, lower bounds (gen.bridge.outcomes.counts_are_partial).
    counts_partial: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "expected": self.expected,
            "actual": self.actual,
            "matches": self.matches,
            "distinct_states": self.distinct_states,
            "depth": self.depth,
            "seconds": round(self.seconds, 2),
            "tier": self.tier,
            "why": self.why,
            "cached": self.cached,
            "counts_partial": self.counts_partial,
            "checked_by": self.checked_by,
        }


def run_options(
    model: Model, *, workers: int | None = None, keep_metadir: bool = False, jobs: int | None = None
) -> RunOptions:
    """The TLC run a manifest entry asks for (``workers``: instead of the entry's); ``jobs``: how many JVMs
    run at once (sets each one's heap)."""
    sim = model.simulate
    return RunOptions(
        spec=model.spec,
        config=model.config,
        mode=model.mode,
        simulate_depth=sim.depth if sim else None,
        simulate_traces=sim.traces if sim else None,
        seed=sim.seed if sim else None,
        check_deadlock=model.check_deadlock,
        timeout_seconds=model.timeout_seconds,
        extra_args=model.extra_args + liveness_switches(model),
        workers=workers or model.workers,
        keep_metadir=keep_metadir,
        label=model.name,
        jvm_options=DEFAULT_JVM_OPTIONS + jit_options(model) + (heap_options(jobs) if jobs is not None else ()),
    )


def jit_options(model: Model) -> tuple[str, ...]:
    """The first JIT tier only for a model whose graph is small (``QUICK_RUN_STATES``, by the manifest's
    runtime); none else.  The choice changes how fast TLC runs, never what it finds, so it is not part of
    the result cache's key."""
    runtime = model.runtime
    if runtime is not None and runtime.states is not None and runtime.states < QUICK_RUN_STATES:
        return QUICK_RUN_JVM_OPTIONS
    return ()


# TLC checks liveness once, after the whole graph (see liveness_switches for why).
LIVENESS_AT_END = ("-lncheck", "final")


def liveness_switches(model: Model) -> tuple[str, ...]:
    """``-lncheck final`` for a model with properties: one liveness check after the whole graph.

    TLC's default checks liveness on the graph found so far, at times set by
    the clock, and stops at the first violation: none_liveness then gave
    23,838, 1,482 and 1,051 distinct states in three runs, and
    skip_if_exists_starvation three different lassos.  Checked once at the
    end, the counts and the lasso are the same on every run.
    """
    if model.mode != "exhaustive" or "-lncheck" in model.extra_args or not config_properties(model.config):
        return ()
    return LIVENESS_AT_END


def default_jobs() -> int:
    """The core budget of a check: one per core."""
    return os.cpu_count() or 1


def run_models(
    models: Sequence[Model],
    *,
    jobs: int,
    workers: int | None = None,
    fresh: bool = False,
    keep_metadir: bool = False,
    on_done: Callable[[CheckResult, int], None] | None = None,
    on_message: Callable[[Model], Callable[[Message], None] | None] | None = None,
) -> list[CheckResult]:
    """Check ``models``, as many side by side as ``jobs`` cores allow; in their order.

    Each TLC takes ``workers`` cores, else its entry's ``workers`` (at most
    ``jobs``; its heap is its share of memory by cores).  The longest first
    (by the manifest's measured runtime), so the last to finish is a short
    one.  A model whose ``checked_by`` is among ``models`` runs no TLC when
    that model succeeds: its result is read off that run
    (:func:`shared_result`); otherwise it runs after the others.
    ``on_done(result, finished)`` is called as each ends.  Any
    exception (Ctrl-C included) stops every TLC still running; SIGTERM and
    SIGHUP do too (:func:`gen.bridge.tlc.stopping_tlc_on_termination`).
    """
    cores = _Cores(jobs)

    def measured(index: int) -> float:
        runtime = models[index].runtime
        return runtime.seconds if runtime is not None else 0.0

    present = {model.name: index for index, model in enumerate(models)}
    bases = {index: present[m.checked_by] for index, m in enumerate(models) if m.checked_by in present}
    order = sorted((i for i in range(len(models)) if i not in bases), key=lambda index: -measured(index))
    results: dict[int, CheckResult] = {}

    def check_one(index: int) -> CheckResult:
        model = models[index]
        taken = min(jobs, workers or model.workers)
        with cores.taking(taken):
            options = run_options(model, workers=workers, keep_metadir=keep_metadir, jobs=max(1, jobs // taken))
            run = cached_run(options, fresh=fresh, on_message=on_message(model) if on_message else None)
        return compare(model, run)

    def finished(index: int, result: CheckResult) -> None:
        results[index] = result
        if on_done is not None:
            on_done(result, len(results))

    with stopping_tlc_on_termination(), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pending = order
        while pending:
            futures = {pool.submit(check_one, index): index for index in pending}
            try:
                for future in as_completed(futures):
                    finished(futures[future], future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                cores.close()
                stop_every_tlc()
                raise
            # The shared runs are in: read the models they decide off them, run the others.
            pending = []
            for index, base in bases.items():
                if index in results or base not in results:
                    continue
                shared = shared_result(models[index], results[base])
                if shared is None:
                    pending.append(index)
                else:
                    finished(index, shared)
    return [results[i] for i in range(len(models))]


def shared_result(model: Model, base: CheckResult) -> CheckResult | None:
    """``model``'s result read off the run of its ``checked_by`` model, or None if that run decides nothing.

    A success of that run decides it: the manifest checked that the two
    explore one graph and that ``model`` checks a subset of what it checks
    (gen.bridge.shared_runs), so its counts are the run's too.
    """
    if base.actual != "success" or base.counts_partial:
        return None
    expected = model.expected
    problems = [
        f"{what} {_n(actual)}, expected {format_count(want)} (the {base.model} run's)"
        for what, actual, want in (
            ("distinct states", base.distinct_states, expected.distinct_states),
            ("depth", base.depth, expected.depth),
        )
        if not count_matches(actual, want)
    ]
    return CheckResult(
        model=model.name,
        expected=expected.result,
        actual="success",
        matches=not problems and expected.result == "success",
        distinct_states=base.distinct_states,
        depth=base.depth,
        seconds=0.0,
        tier=model.tier,
        why="; ".join(problems),
        cached=base.cached,
        checked_by=base.model,
    )


class _Cores:
    """The check's core budget: a TLC run holds as many cores as it has workers."""

    def __init__(self, total: int) -> None:
        self._free = max(1, total)
        self._closed = False
        self._changed = threading.Condition()

    @contextmanager
    def taking(self, count: int) -> Iterator[None]:
        """Hold ``count`` cores while the block runs; wait until they are free.  After :meth:`close`, raise."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._free >= count)
            if self._closed:
                raise RuntimeError("the check was stopped")
            self._free -= count
        try:
            yield
        finally:
            with self._changed:
                self._free += count
                self._changed.notify_all()

    def close(self) -> None:
        """The check is stopping: runs still waiting for cores give up instead of starting TLC."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


def compare(model: Model, run: TlcRun) -> CheckResult:
    """Compare one run with its manifest entry."""
    outcome = run.outcome
    stats = run.output.stats
    actual = outcome.verdict
    expected = model.expected
    problems: list[str] = []
    if actual != expected.result:
        problems.append(f"expected {expected.result}, TLC says {actual}")
        problems.extend(_explain(model, run))
    elif model.mode == "exhaustive" and isinstance(outcome, Success):
        if not count_matches(stats.distinct, expected.distinct_states):
            problems.append(f"distinct states {_n(stats.distinct)}, expected {format_count(expected.distinct_states)}")
        if not count_matches(stats.depth, expected.depth):
            problems.append(f"depth {_n(stats.depth)}, expected {format_count(expected.depth)}")
        if problems:
            problems.append("if the spec changed on purpose, update the manifest's expected counts")
    return CheckResult(
        model=model.name,
        expected=expected.result,
        actual=actual,
        matches=not problems,
        distinct_states=stats.distinct,
        depth=stats.depth,
        seconds=run.wall_seconds,
        tier=model.tier,
        why="; ".join(problems),
        cached=run.cached,
        counts_partial=counts_are_partial(outcome),
    )


def _explain(model: Model, run: TlcRun) -> list[str]:
    """What to look at next when the verdict differs."""
    outcome = run.outcome
    error = error_for_run(run)
    if error is not None:
        return [" ".join(error.what.split())[:300], f"what to do: {error.todo}"]
    if isinstance(outcome, TemporalPropertyViolated) and outcome.name is None:
        return ["TLC 2.15 does not name the violated temporal property; give this model one PROPERTY"]
    if run.output.traces:
        steps = len(run.output.traces[0].states)
        return [f"`python -m gen run --model {model.name}` prints the {steps}-state trace"]
    return []


def _n(value: int | None) -> str:
    return "none" if value is None else f"{value:,}"


def select(manifest: Manifest, tier: str, only: str | None) -> list[Model]:
    if only is not None:
        for model in manifest.models:
            if model.name == only:
                return [model]
        raise UnknownModel(only, manifest.names())
    return [m for m in manifest.models if in_tier(m, tier)]


# ------------------------------------------------------------------ output


def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"


_HEADERS = ("model", "expected", "actual", "states", "depth", "s")
_RIGHT = {"states", "depth", "s"}
_SHRINKABLE = (0, 1, 2)  # model, expected, actual give way when the table is too wide
_STATUS_WIDTH = len("MISMATCH")


PARTIAL_MARK = ">="
# Under the table when a row has partial counts; 80 columns like the table.
PARTIAL_NOTE = f"{PARTIAL_MARK}: TLC stopped before its final count: its last progress line, a lower bound"


def _row_cells(r: CheckResult) -> tuple[str, ...]:
    mark = PARTIAL_MARK if r.counts_partial else ""
    return (
        r.model,
        r.expected,
        # Verdicts are long ("property:WritebackGivesUpOnlyOnOwnPin"); saying
        # "same" keeps 80 columns readable and the differing ones stand out.
        "same" if r.actual == r.expected else r.actual,
        "-" if r.distinct_states is None else f"{mark}{r.distinct_states:,}",
        "-" if r.depth is None else f"{mark}{r.depth}",
        _took(r),
    )


def _took(r: CheckResult) -> str:
    """The seconds column: whose run decided the model, the cache, or the seconds."""
    if r.checked_by:
        return f"in {r.checked_by}"
    if r.cached:
        return "cache"
    return f"{r.seconds:.0f}" if r.seconds >= 10 else f"{r.seconds:.1f}"


def terminal_width(stream: TextIO) -> int | None:
    """80 columns on a terminal; None (no cutting) when the output goes to a CI log or a file."""
    return TABLE_WIDTH if stream.isatty() else None


def format_table(results: Sequence[CheckResult], *, colour_on: bool = False, width: int | None = TABLE_WIDTH) -> str:
    """The result table, at most ``width`` columns wide, then one line per mismatch.

    ``actual`` says ``same`` when it equals ``expected``.  Columns are as wide
    as their contents; if that is wider than ``width``, the widest of
    model/expected/actual is cut (marked ``~``): the mismatch lines below the
    table give the full text, and build/check.json has every value.
    ``width=None`` cuts nothing (for logs and files, where nobody reads it
    in an 80-column terminal).  Counts of a run stopped before TLC's final
    count are marked ``>=`` (:data:`PARTIAL_MARK`) and explained under the table.
    """
    rows = [_row_cells(r) for r in results]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(_HEADERS)]
    budget = (width or 0) - _STATUS_WIDTH - len(_HEADERS)
    while width is not None and sum(widths) > budget:
        widest = max(_SHRINKABLE, key=lambda i: widths[i])
        widths[widest] -= 1

    def line(cells: Sequence[str]) -> str:
        return " ".join(
            f"{_cell(c, w):>{w}}" if h in _RIGHT else f"{_cell(c, w):<{w}}"
            for c, w, h in zip(cells, widths, _HEADERS, strict=True)
        )

    lines = [line(_HEADERS) + " result", "-" * (sum(widths) + len(_HEADERS) + _STATUS_WIDTH)]
    for r, cells in zip(results, rows, strict=True):
        status = colour("OK", "32", colour_on) if r.matches else colour("MISMATCH", "1;31", colour_on)
        lines.append(f"{line(cells)} {status}")
    if any(r.counts_partial for r in results):
        lines.append(PARTIAL_NOTE)
    mismatches = [r for r in results if not r.matches]
    if mismatches:
        lines.append("")
        for r in mismatches:
            lines.append(f"{r.model}: {r.why}")
    ok = len(results) - len(mismatches)
    summary = f"{ok} of {len(results)} models as expected"
    summary += f", {len(mismatches)} MISMATCH" if mismatches else ""
    cached = sum(r.cached for r in results)
    if cached:
        summary += f" ({cached} from the cache of unchanged inputs, s = cache; --fresh runs TLC again)"
    lines.append(summary)
    return "\n".join(lines)


def merged_rows(path: Path, rows: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """The rows already in ``path`` with those of the same model replaced by ``rows`` (new models appended).

    A file that is missing or not a JSON list of rows counts as empty: it is rewritten, nothing is lost
    that a reader could have used.
    """
    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        existing = []
    if not isinstance(existing, list) or not all(isinstance(row, dict) and "model" in row for row in existing):
        existing = []
    fresh = {row["model"]: row for row in rows}
    merged = [fresh.pop(row["model"], row) for row in existing]
    return merged + list(fresh.values())
