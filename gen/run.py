"""``python -m gen run``: run TLC once (a manifest model, or a spec and config)
and print the outcome, the counts and the first error trace."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from conformance.tla_text import format_value
from gen.bridge.checking import run_options
from gen.bridge.errors import BridgeError, UnknownModel
from gen.bridge.manifest import DEFAULT_MANIFEST, load_manifest
from gen.bridge.progress import Progress
from gen.bridge.tlc import RunOptions, TlcRun, dry_run_command, format_command, run_tlc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--model", metavar="NAME", help="a model of the manifest")
    target.add_argument("--spec", type=Path, help="a .tla file (with --config)")
    parser.add_argument("--config", type=Path, help="the .cfg for --spec")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--no-deadlock", action="store_true", help="do not check for deadlock (TLC -deadlock)")
    parser.add_argument("--simulate", metavar="DEPTH,TRACES,SEED", help="simulate instead of exhaustive search")
    parser.add_argument("--timeout", type=float, help="seconds before TLC is stopped")
    parser.add_argument("--workers", type=int, help="TLC workers (default: one per core)")
    parser.add_argument("--keep-metadir", action="store_true")
    parser.add_argument("--dry-run", action="store_true", help="print the exact java command, run nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def options_from(args: argparse.Namespace) -> RunOptions:
    if args.model is not None:
        manifest = load_manifest(args.manifest)
        by_name = {m.name: m for m in manifest.models}
        if args.model not in by_name:
            raise UnknownModel(args.model, list(by_name))
        return run_options(by_name[args.model], workers=args.workers, keep_metadir=args.keep_metadir)
    if args.config is None:
        raise BridgeError("--spec needs --config", "pass the model's .cfg file with --config")
    simulate: dict[str, object] = {}
    if args.simulate:
        try:
            depth, traces, seed = (int(x) for x in args.simulate.split(","))
        except ValueError:
            raise BridgeError(
                f"--simulate {args.simulate!r} is not DEPTH,TRACES,SEED", "e.g. --simulate 100,1000,1"
            ) from None
        simulate = {"mode": "simulate", "simulate_depth": depth, "simulate_traces": traces, "seed": seed}
    return RunOptions(
        spec=args.spec,
        config=args.config,
        check_deadlock=not args.no_deadlock,
        timeout_seconds=args.timeout,
        workers=args.workers,
        keep_metadir=args.keep_metadir,
        **simulate,  # type: ignore[arg-type]
    )


def describe(run: TlcRun) -> str:
    out = run.output
    lines = [f"outcome: {run.outcome.verdict}  ({run.outcome})"]
    s = out.stats
    tlc_time = f"TLC {s.duration_seconds:.1f} s, " if s.duration_seconds is not None else ""
    lines.append(
        f"states:  {s.generated} generated, {s.distinct} distinct, {s.left_on_queue} left on queue; "
        f"depth {s.depth}; {tlc_time}wall {run.wall_seconds:.1f} s"
    )
    if run.metadir_kept:
        lines.append(f"metadir: {run.metadir}")
    if out.traces:
        trace = out.traces[0]
        lines.append(f"trace ({len(trace.states)} states):")
        for state in trace.states:
            where = f"  [{state.location}]" if state.location else ""
            lines.append(f"  {state.number}: {state.action}{where}")
            for name, value in state.variables.items():
                lines.append(f"       {name} = {format_value(value)}")
        if trace.lasso is not None:
            back = f" to state {trace.lasso.back_to} by {trace.lasso.action}" if trace.lasso.back_to else ""
            lines.append(f"  loop: {trace.lasso.kind.value}{back}")
    return "\n".join(lines)


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
        stats = run.output.stats
        json.dump(
            {
                "verdict": run.outcome.verdict,
                "distinct_states": stats.distinct,
                "generated": stats.generated,
                "depth": stats.depth,
                "seconds": round(run.wall_seconds, 2),
                "command": list(run.command),
            },
            stdout,
            indent=2,
        )
        stdout.write("\n")
    else:
        print(describe(run), file=stdout)
    return 0
