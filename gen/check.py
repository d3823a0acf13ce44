"""``python -m gen check``: run the manifest's models and compare with what it expects.

Prints one table (model, expected, actual, states, depth, seconds,
OK/MISMATCH; 80 columns on a terminal, nothing cut in a CI log or a file),
then writes the same rows to ``build/check.json`` (atomically; with ``--only``
only that model's row is replaced, the others kept; printed first, so a
write that fails loses nothing and says what was not written), and exits 1 on any
mismatch, in both directions: an expected success that fails, and an
expected violation that no longer happens.

The runs, the comparison and the table are :mod:`gen.bridge.checking`'s.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from gen import distributed_check
from gen.bridge.checking import (
    CHECK_JSON,
    CheckResult,
    default_jobs,
    format_table,
    merged_rows,
    run_models,
    run_options,
    select,
    terminal_width,
)
from gen.bridge.errors import FileSystemFault
from gen.bridge.files import write_json_atomically, write_text_atomically
from gen.bridge.manifest import DEFAULT_MANIFEST, load_manifest
from gen.bridge.switches import check_workers
from gen.bridge.tlc import dry_run_command, format_command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="manifest (default: spec/models.json)")
    parser.add_argument("--tier", choices=("fast", "deep", "all"), default="fast", help="which models (default: fast)")
    parser.add_argument("--only", metavar="NAME", help="run this one model (any tier)")
    parser.add_argument("--json", action="store_true", help="print the results as a JSON array instead of the table")
    parser.add_argument(
        "--workers",
        type=int,
        help="TLC workers for every model, 1 or more (default: each model's \"workers\", else 1: TLC's depth varies with more)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help="cores to use: models run side by side, each TLC with --workers of them (default: every core)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the java commands, run nothing")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="run TLC even when the cache (build/cache/tlc/) holds a result for the same inputs; $GEN_FRESH=1 too",
    )
    parser.add_argument("--keep-metadir", action="store_true", help="keep TLC's scratch folders under build/tlc/")
    parser.add_argument(
        "--output",
        type=Path,
        default=CHECK_JSON,
        help="where to write the JSON (default build/check.json); a tier run replaces the file, an --only run "
        "replaces just that model's row and keeps the others, so `make report` still sees every model",
    )
    parser.add_argument(
        "--record-runtime",
        action="store_true",
        help="write each model's seconds and distinct states into the manifest's \"runtime\" (run on a quiet "
        "machine: make check orders its runs by the seconds and picks the JIT by the states)",
    )
    distributed_check.add_arguments(parser)


def record_runtime(manifest_path: Path, results: list[CheckResult]) -> int:
    """Set ``runtime`` in the manifest from the runs TLC made now (not cached, not decided by another
    model's run); return how many entries changed.  Written atomically; other fields keep their order."""
    measured = {r.model: r for r in results if not r.cached and r.checked_by is None}
    data = json.loads(manifest_path.read_text())
    changed = 0
    for entry in data["models"]:
        result = measured.get(entry["name"])
        if result is None:
            continue
        runtime = {"seconds": round(result.seconds, 1), "states": result.distinct_states}
        if entry.get("runtime") != runtime:
            entry["runtime"] = runtime
            changed += 1
    write_text_atomically(manifest_path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return changed


def main(args: argparse.Namespace, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    check_workers(args.workers)
    if args.distributed:
        return distributed_check.main(args, stdout, stderr)
    manifest = load_manifest(args.manifest)
    models = select(manifest, args.tier, args.only)
    if args.dry_run:
        for model in models:
            print(f"# {model.name}", file=stdout)
            print(format_command(dry_run_command(run_options(model, workers=args.workers))), file=stdout)
        return 0
    if not models:
        print(f"{manifest.path}: no {args.tier} models to run", file=stderr)
        return 1
    if args.jobs < 1:
        print(f"--jobs {args.jobs}: give a number of cores, 1 or more", file=stderr)
        return 2

    def done(result: CheckResult, finished: int) -> None:
        took = "cache" if result.cached else f"{result.seconds:.0f} s"
        status = "OK" if result.matches else "MISMATCH"
        print(f"[{finished}/{len(models)}] {result.model}: {result.actual} ({status}, {took})", file=stderr, flush=True)

    results = run_models(
        models, jobs=args.jobs, workers=args.workers, fresh=args.fresh, keep_metadir=args.keep_metadir, on_done=done
    )
    rows = [r.as_json() for r in results]
    if args.json:
        json.dump(rows, stdout, indent=2)
        stdout.write("\n")
    else:
        print(format_table(results, colour_on=stdout.isatty(), width=terminal_width(stdout)), file=stdout)
    stdout.flush()
    try:
        write_json_atomically(args.output, merged_rows(args.output, rows) if args.only else rows)
    except OSError as error:
        raise FileSystemFault.from_os_error(
            error, lost=f"the results above are not saved in {args.output} (`make report` reads them from there)"
        ) from None
    if args.record_runtime:
        changed = record_runtime(args.manifest, results)
        print(f"{args.manifest}: runtime of {changed} models updated from this run", file=stderr)
    return 0 if all(r.matches for r in results) else 1
