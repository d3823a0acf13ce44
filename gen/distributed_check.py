"""``python -m gen check --only NAME --distributed``: one manifest model on TLC's distributed mode.

A server and ``--local-workers`` workers on this machine (the default, for
tests and benchmarks), or, with ``--hosts``, the server here and the
command each named host must run printed for its owner.  The run, the
process handling and what TLC 2.15's distributed mode can check are
:mod:`gen.bridge.distributed`'s; this module compares the result with the
manifest as ``gen check`` does, with two differences that the mode forces:

* the depth is never compared (the server's trace level is no BFS depth);
* the distinct-state count is compared only for models without a VIEW:
  with VIEW VersionView the count depends on the order states are met
  (reduced_skip_if_exists: 9,804 with one TLC worker, 9,840 to 9,944 with
  two, single-process or distributed), as the view of the least state
  under the symmetry is no canonical form of the group both generate.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import TextIO

from gen.bridge.checking import CheckResult, format_table, merged_rows, run_options, select, terminal_width
from gen.bridge.distributed import (
    DEFAULT_PORT,
    DistributedOptions,
    DistributedRun,
    config_sections,
    free_port,
    host_worker_command,
    run_distributed,
    server_command,
    worker_command,
)
from gen.bridge.errors import BridgeError
from gen.bridge.files import write_json_atomically
from gen.bridge.manifest import Model, count_matches, format_count, load_manifest
from gen.bridge.outcomes import Success, counts_are_partial
from gen.bridge.progress import Progress
from gen.bridge.tlc import default_scratch_root, format_command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group('distributed mode (with --only NAME; spec/README.md, "Distributed runs")')
    group.add_argument("--distributed", action="store_true", help="run --only NAME on TLC's distributed mode")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--local-workers", type=int, default=2, metavar="N", help="workers on this machine (default 2)")
    where.add_argument("--hosts", metavar="H1,H2", help="workers on these hosts: prints the command each runs")
    group.add_argument(
        "--port", type=int, help=f"the server's RMI port (default: a free one; {DEFAULT_PORT} with --hosts)"
    )
    group.add_argument("--server-address", metavar="HOST", help="the name workers reach this host by (with --hosts)")
    group.add_argument("--worker-threads", type=int, default=1, metavar="N", help="threads per worker (default 1)")
    group.add_argument("--server-heap", default="2g", help="the server JVM's -Xmx (default 2g)")
    group.add_argument("--worker-heap", default="1g", help="each worker JVM's -Xmx (default 1g)")
    group.add_argument(
        "--timeout", type=float, metavar="S", help="seconds before every process is stopped (default: the manifest's)"
    )


def distributed_options(model: Model, args: argparse.Namespace) -> DistributedOptions:
    run = run_options(model, keep_metadir=args.keep_metadir)
    if args.timeout is not None:
        run = replace(run, timeout_seconds=args.timeout)
    if args.local_workers < 1 or args.worker_threads < 1:
        raise BridgeError("--local-workers and --worker-threads must be at least 1", "e.g. --local-workers 2")
    return DistributedOptions(
        run,
        local_workers=args.local_workers,
        hosts=tuple(h for h in (args.hosts or "").split(",") if h),
        port=args.port,
        server_address=args.server_address,
        worker_threads=args.worker_threads,
        server_heap=args.server_heap,
        worker_heap=args.worker_heap,
    )


def compare_distributed(model: Model, result: DistributedRun) -> CheckResult:
    """The manifest comparison for a distributed run (see the module docstring for what is left out)."""
    outcome, stats = result.outcome, result.run.output.stats
    problems: list[str] = []
    if outcome.verdict != model.expected.result:
        problems.append(f"expected {model.expected.result}, TLC says {outcome.verdict}")
    elif isinstance(outcome, Success) and model.expected.distinct_states is not None and not _has_view(model):
        if not count_matches(stats.distinct, model.expected.distinct_states):
            problems.append(
                f"distinct states {stats.distinct}, expected {format_count(model.expected.distinct_states)}"
            )
    return CheckResult(
        model=model.name,
        expected=model.expected.result,
        actual=outcome.verdict,
        matches=not problems,
        distinct_states=stats.distinct,
        depth=stats.depth,
        seconds=result.run.wall_seconds,
        tier=model.tier,
        why="; ".join(problems),
        counts_partial=counts_are_partial(outcome),
    )


def _has_view(model: Model) -> bool:
    return "VIEW" in config_sections(model.config.read_text())


def describe(result: DistributedRun) -> list[str]:
    lines = [
        f"distributed: {result.registered_workers} worker(s) registered, {result.lost_workers} lost mid-run "
        "(TLC re-queues a lost worker's states)"
    ]
    early = [w for w in result.workers if w.early]
    for worker in early:
        lines.append(
            f"  worker {worker.index} (pid {worker.pid}) exited {worker.exit_code} before the end: {worker.log}"
        )
    if result.trace_is_last_step:
        trace = result.run.output.traces[-1]
        steps = " -> ".join(state.action for state in trace.states[1:]) or "(a single state)"
        lines.append(
            f"  counterexample: the last step only ({steps}); TLC 2.15's server prints no prefix; "
            f"the verdict comes from re-checking that step single-process"
        )
    return lines


def main(args: argparse.Namespace, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    if args.only is None:
        raise BridgeError("--distributed runs one model", "name it: --only NAME (e.g. --only deep4_skip_if_exists)")
    model = select(load_manifest(args.manifest), args.tier, args.only)[0]
    options = distributed_options(model, args)
    if args.dry_run:
        port = options.port or (DEFAULT_PORT if options.hosts else free_port())
        scratch = default_scratch_root() / f"{model.name}-distributed-XXXXXXXX"
        print(f"# {model.name}: the server (run in {scratch}/spec, where the spec and cfg are copied)", file=stdout)
        print(
            format_command(server_command(options, scratch / "spec", scratch / "meta", scratch / "tmp", port)),
            file=stdout,
        )
        if options.hosts:
            for host in options.hosts:
                print(f"# on {host}:\n{host_worker_command(options, port)}", file=stdout)
        else:
            print(f"# each of the {options.local_workers} local workers (in its own folder):", file=stdout)
            print(format_command(worker_command(options, "localhost", port, str(scratch / "worker-N"))), file=stdout)
        return 0

    def show_hosts(commands: list[str]) -> None:
        for host, command in zip(options.hosts, commands, strict=True):
            print(f"# on {host}:\n{command}", file=stdout, flush=True)

    progress = Progress(f"{model.name} (distributed)", stderr)
    try:
        result = run_distributed(options, name=model.name, on_message=progress.on_message, on_hosts=show_hosts)
    finally:
        progress.close()
    row = compare_distributed(model, result)
    write_json_atomically(args.output, merged_rows(args.output, [row.as_json()]))
    if args.json:
        json.dump([{**row.as_json(), "generated": result.run.output.stats.generated}], stdout, indent=2)
        stdout.write("\n")
    else:
        print(format_table([row], colour_on=stdout.isatty(), width=terminal_width(stdout)), file=stdout)
    for line in describe(result):
        print(line, file=stdout if not args.json else stderr)
    return 0 if row.matches else 1
