"""``python -m gen run``: run TLC once (a manifest model, or a spec and config)
and print the outcome, the counts and the first error trace.

The trace is shown as the report and the simulator show it: one row per
step with its actor, the step and what it changed (``--raw`` prints TLC's
states instead; a spec outside this project's contract gets them anyway),
then who waits on whom in its last state, in the report's words
(``at the end: t1 waits on the pin it holds (s1)``).  A run that gives no verdict (a spec or config error, a time limit) prints
what TLC said, then exits non-zero with the typed error and what to do.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from conformance.tla_text import format_value
from gen.bridge.checking import run_options
from gen.bridge.errors import BadOption, BridgeError, UnknownModel
from gen.bridge.manifest import DEFAULT_MANIFEST, load_manifest
from gen.bridge.no_verdict import error_for_run
from gen.bridge.outcomes import ErrorTrace, counts_are_partial
from gen.bridge.progress import Progress
from gen.bridge.switches import check_workers, library_path_option
from gen.bridge.tlc import RunOptions, TlcRun, dry_run_command, format_command, run_tlc
from gen.review.trace_view import (
    StateStep,
    TraceViewError,
    describe_waits,
    view_steps,
    waits_in,
    writeback_skips_pinned_in,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--model", metavar="NAME", help="a model of the manifest")
    target.add_argument("--spec", type=Path, help="a .tla file (with --config)")
    parser.add_argument("--config", type=Path, help="the .cfg for --spec")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--no-deadlock", action="store_true", help="do not check for deadlock (TLC -deadlock)")
    parser.add_argument("--simulate", metavar="DEPTH,TRACES,SEED", help="simulate instead of exhaustive search")
    parser.add_argument("--timeout", type=float, help="seconds before TLC is stopped (default: the manifest's)")
    parser.add_argument(
        "--workers",
        type=int,
        help='TLC workers, 1 or more (default: one per core; the model\'s "workers", else 1, for --model)',
    )
    parser.add_argument(
        "--library-path",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a folder of modules the spec EXTENDS (community modules, ...); repeatable; TLC's -DTLA-Library",
    )
    parser.add_argument("--keep-metadir", action="store_true")
    parser.add_argument("--dry-run", action="store_true", help="print the exact java command, run nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--raw", action="store_true", help="print the trace as TLC's TLA+ states, not the step view")


def options_from(args: argparse.Namespace) -> RunOptions:
    workers = check_workers(args.workers)
    if args.timeout is not None and not (0 < args.timeout < float("inf")):
        raise BadOption(f"--timeout {args.timeout:g} is not a number of seconds", "pass --timeout S with S > 0")
    library = library_path_option(args.library_path)
    if args.model is not None:
        manifest = load_manifest(args.manifest)
        by_name = {m.name: m for m in manifest.models}
        if args.model not in by_name:
            raise UnknownModel(args.model, list(by_name))
        options = run_options(by_name[args.model], workers=workers, keep_metadir=args.keep_metadir)
        # The command line wins over the manifest entry.
        if args.timeout is not None:
            options = replace(options, timeout_seconds=args.timeout)
        if args.no_deadlock:
            options = replace(options, check_deadlock=False)
        return replace(options, jvm_options=options.jvm_options + library)
    if args.config is None:
        raise BridgeError("--spec needs --config", "pass the model's .cfg file with --config")
    simulate: tuple[int, int, int] | None = None
    if args.simulate:
        try:
            depth, traces, seed = (int(x) for x in args.simulate.split(","))
        except ValueError:
            raise BadOption(
                f"--simulate {args.simulate!r} is not DEPTH,TRACES,SEED", "e.g. --simulate 100,1000,1"
            ) from None
        simulate = (depth, traces, seed)
    base = RunOptions(spec=args.spec, config=args.config)
    options = replace(
        base,
        check_deadlock=not args.no_deadlock,
        timeout_seconds=args.timeout,
        workers=workers,
        keep_metadir=args.keep_metadir,
        jvm_options=base.jvm_options + library,
    )
    if simulate is None:
        return options
    depth, traces, seed = simulate
    return replace(options, mode="simulate", simulate_depth=depth, simulate_traces=traces, seed=seed)


def describe(run: TlcRun, *, raw: bool = False, skip_if_exists: bool = False) -> str:
    """The run as ``gen run`` prints it; ``skip_if_exists``: the model's writeback gives up on a held
    pin instead of waiting (:func:`gen.review.trace_view.writeback_skips_pinned_in`), for the final waits."""
    out = run.output
    # A run without a verdict is explained by the typed error printed after this, not by the outcome's fields.
    detail = "no verdict: the error below says why" if error_for_run(run) is not None else str(run.outcome)
    lines = [f"outcome: {run.outcome.verdict}  ({detail})"]
    s = out.stats
    tlc_time = f"TLC {s.duration_seconds:.1f} s, " if s.duration_seconds is not None else ""
    partial = " (partial: TLC was stopped before its final count)" if counts_are_partial(run.outcome) else ""
    lines.append(
        f"states:  {s.generated} generated, {s.distinct} distinct, {s.left_on_queue} left on queue; "
        f"depth {s.depth}; {tlc_time}wall {run.wall_seconds:.1f} s{partial}"
    )
    if run.metadir_kept:
        lines.append(f"metadir: {run.metadir}")
    if out.traces:
        trace = out.traces[0]
        lines += _raw_trace(trace) if raw else _step_view(trace)
        if trace.lasso is not None:
            back = f" to state {trace.lasso.back_to} by {trace.lasso.action}" if trace.lasso.back_to else ""
            lines.append(f"  loop: {trace.lasso.kind.value}{back}")
        lines += final_waits(trace, skip_if_exists=skip_if_exists)
    return "\n".join(lines)


def _step_view(trace: ErrorTrace) -> list[str]:
    """The report's and the simulator's view: per step, the actor, the step and what it changed."""
    if not {"stack", "swap_map"} <= set(trace.states[0].variables):
        return _raw_trace(trace)  # another spec than this project's: TLC's own states
    steps = [StateStep("Init" if n == 0 else s.action, s.variables) for n, s in enumerate(trace.states)]
    try:
        views = view_steps(steps)
    except TraceViewError as error:
        # This project's variables, but not the contract's shape (an older spec).
        return [f"(no step view: {error})", *_raw_trace(trace)]
    lines = [f"trace ({len(views)} steps from the initial state; --raw prints TLC's states):"]
    width = max([len(_step_name(v.action, v.slot)) for v in views] + [4])
    for view in views:
        changes = [str(change) for change in view.changes] or ["(nothing visible)"]
        lines.append(
            f"  {view.number:3}  {view.actor or 'env':3}  {_step_name(view.action, view.slot):<{width}}  {changes[0]}"
        )
        lines += [f"  {'':3}  {'':3}  {'':<{width}}  {change}" for change in changes[1:]]
    return lines


def final_waits(trace: ErrorTrace, *, skip_if_exists: bool = False) -> list[str]:
    """Who waits on whom in the trace's last state, in the report's words (``t1 waits on the pin it
    holds (s1)``); nothing when no actor waits or the states are not the contract's."""
    try:
        sentences = describe_waits(waits_in(trace.states[-1].variables, skip_if_exists=skip_if_exists))
    except (TraceViewError, KeyError, TypeError):
        return []  # another spec than this project's, or an older shape: the trace above is all there is
    return [f"  at the end: {sentence}" for sentence in sentences]


def _step_name(action: str, slot: str | None) -> str:
    return action + (f" {slot}" if slot else "")


def _raw_trace(trace: ErrorTrace) -> list[str]:
    lines = [f"trace ({len(trace.states)} states):"]
    for state in trace.states:
        where = f"  [{state.location}]" if state.location else ""
        lines.append(f"  {state.number}: {state.action}{where}")
        for name, value in state.variables.items():
            lines.append(f"       {name} = {format_value(value)}")
    return lines


def as_json(run: TlcRun) -> dict[str, object]:
    """The run for a program: verdict, counts (marked partial after a time limit), the typed error if any."""
    stats = run.output.stats
    error = error_for_run(run)
    return {
        "verdict": run.outcome.verdict,
        "distinct_states": stats.distinct,
        "generated": stats.generated,
        "depth": stats.depth,
        # True when TLC was stopped before its final statistics: the counts are its last progress line's.
        "counts_partial": counts_are_partial(run.outcome),
        "seconds": round(run.wall_seconds, 2),
        "command": list(run.command),
        "error": None if error is None else {"what": error.what, "todo": error.todo},
    }


def main(args: argparse.Namespace, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    options = options_from(args)
    if args.dry_run:
        print(format_command(dry_run_command(options)), file=stdout)
        return 0
    progress = Progress(options.label or options.config.stem, stderr)
    try:
        run = run_tlc(options, on_message=progress.on_message)
    finally:
        progress.close()
    if args.json:
        json.dump(as_json(run), stdout, indent=2)
        stdout.write("\n")
    else:
        skips = options.config.is_file() and writeback_skips_pinned_in(options.config)
        print(describe(run, raw=args.raw, skip_if_exists=skips), file=stdout)
    # What TLC said is printed; a run without a verdict is still a failed command.
    run.raise_for_error()
    return 0
