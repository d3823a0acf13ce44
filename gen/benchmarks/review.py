"""Figures for ``make report`` and ``make review`` (issue 6).

    .venv/bin/python -m gen.benchmarks.review [--only NAME ...] [--skip-report]

* report: builds the report from ``build/check.json`` (run ``make check``
  first) into build/bench/report.md, re-running each counterexample model
  for its trace; prints the wall time.
* review: the behaviour diff of a one-line patch, the guard of
  ``WbSkipBusy`` dropped (writeback skips busy entries in every variant),
  on snapshots under build/bench/ (the working tree is not touched); prints
  per model the wall time of the comparison (parse, search), TLC's time
  per version or that it came from the cache, the graph size, the state pairs the comparison
  explored, and how many differences it found.

The machine is shared: quote the figures with the load average printed.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import time

from gen.bridge.checking import CHECK_JSON, default_jobs
from gen.bridge.manifest import DEFAULT_MANIFEST
from gen.bridge.tlc import REPO_ROOT
from gen.review.diff import DEFAULT_BOUND, _timing, diff_specs, render_markdown, snapshot_worktree

BENCH = REPO_ROOT / "build" / "bench"
GUARD = "    /\\ SkipIfExists\n"


def bench_report() -> None:
    from gen.review import report

    started = time.monotonic()
    args = argparse.Namespace(
        results=CHECK_JSON, manifest=DEFAULT_MANIFEST, output=BENCH / "report.md",
        traces=BENCH / "traces", png=[],
    )  # fmt: skip
    report.main(args, stdout=io.StringIO(), stderr=io.StringIO())
    text = (BENCH / "report.md").read_text()
    print(f"report: {time.monotonic() - started:.1f} s, {text.count('```mermaid')} diagrams, {len(text):,} bytes")


def bench_review(only: list[str], jobs: int, fresh: bool) -> None:
    base, head = BENCH / "review-base", BENCH / "review-head"
    snapshot_worktree(base)
    if head.exists():
        shutil.rmtree(head)
    shutil.copytree(base, head)
    spec = head / "spec" / "Zswap.tla"
    text = spec.read_text()
    if text.count(GUARD) != 1:
        raise SystemExit(f"the benchmark's patch no longer applies: {GUARD!r} is not once in spec/Zswap.tla")
    spec.write_text(text.replace(GUARD, "", 1))
    started = time.monotonic()
    diffs = diff_specs(base, head, only=only, stderr=io.StringIO(), jobs=jobs, fresh=fresh)
    print(f"review (patch: WbSkipBusy without its SkipIfExists guard; bound {DEFAULT_BOUND} steps)")
    print(f"{'model':<28}{'s':>6}{'states':>9}{'edges':>9}{'pairs':>9}{'+diff':>6}{'-diff':>6}")
    for model in diffs:
        if model.head is None or model.added is None or model.removed is None:
            continue
        print(
            f"{model.name:<28}{model.seconds:>6.0f}{model.head.distinct_states:>9,}{model.head.edges:>9,}"
            f"{model.added.pairs + model.removed.pairs:>9,}{len(model.added.differences):>6}{len(model.removed.differences):>6}"
            f"  {_timing(model)}"
        )
    print(f"review total: {time.monotonic() - started:.0f} s for {len(diffs)} models")
    (BENCH / "review.md").write_text(render_markdown(diffs, "unpatched working tree", DEFAULT_BOUND))
    print(f"review Markdown: {BENCH / 'review.md'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="cores (default: all)")
    parser.add_argument("--fresh", action="store_true", help="run TLC even when the result cache holds the run")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.skip_report:
        bench_report()
    bench_review(args.only, args.jobs, args.fresh)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
