"""Value-parser throughput on a large TLC state dump.

    .venv/bin/python -m gen.benchmarks.value_parser [--regenerate]

Makes (once) ``build/bench/zswap_mini.dot`` with TLC's ``-dump
dot,actionlabels`` on gen/benchmarks/specs/ZswapMini (125k states, about
110 MB), pulls out every state label, and times reading all of them into
Python values with :func:`gen.bridge.tool_output.parse_assignments` (one
``parse_value`` per variable), twice: every value parsed by ``parse_value``
(which remembers flat compound values it has seen), and with a memo of
whole variable-value texts as well.  Each pass starts with empty memos.  Reports MB/s of label text and states/s;
also the printer (``format_value``) for comparison.  Label extraction and
unescaping are outside the timed part.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from conformance.tla_text import forget_remembered_values, format_value
from conformance.values import TlaValue
from gen.bridge.tlc import REPO_ROOT, RunOptions, run_tlc
from gen.bridge.tool_output import parse_assignments

SPECS = Path(__file__).resolve().parent / "specs"
DUMP = REPO_ROOT / "build" / "bench" / "zswap_mini"  # TLC appends .dot
_NODE = re.compile(r'^-?\d+ \[label="(.*)"(?:,style = filled)?\];?$')
_DOT_ESCAPE = re.compile(r"\\(.)")
_DOT_UNESCAPE = {"n": "\n", '"': '"', "\\": "\\"}


def make_dump() -> Path:
    DUMP.parent.mkdir(parents=True, exist_ok=True)
    options = RunOptions(
        SPECS / "ZswapMini.tla", SPECS / "ZswapMini.cfg", workers=1, check_deadlock=False, dump_dot=DUMP, label="dump"
    )
    run = run_tlc(options)
    print(f"dumped {run.output.stats.distinct:,} states with TLC in {run.wall_seconds:.1f} s")
    return DUMP.with_suffix(".dot")


def state_labels(dot: Path) -> list[str]:
    labels = []
    with dot.open() as stream:
        for line in stream:
            found = _NODE.match(line.rstrip("\n"))
            if found:
                labels.append(_DOT_ESCAPE.sub(lambda m: _DOT_UNESCAPE.get(m.group(1), m.group(0)), found.group(1)))
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regenerate", action="store_true", help="re-run TLC to make the dump")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timed passes")
    args = parser.parse_args()
    dot = DUMP.with_suffix(".dot")
    if args.regenerate or not dot.exists():
        dot = make_dump()
    labels = state_labels(dot)
    megabytes = sum(len(label.encode()) for label in labels) / 1e6
    print(
        f"{dot}: {dot.stat().st_size / 1e6:.0f} MB dump, {len(labels):,} state labels, {megabytes:.1f} MB of label text"
    )

    states: list[dict[str, TlaValue]] = []
    for title, use_memo in (("parse_value   ", False), ("+ label memo  ", True)):
        best = float("inf")
        for _ in range(args.repeat):
            memo: dict[str, TlaValue] | None = {} if use_memo else None  # fresh per pass: one dump, one memo
            forget_remembered_values()  # each pass starts cold, as reading one new dump does
            started = time.perf_counter()
            states = [parse_assignments(label, memo) for label in labels]
            best = min(best, time.perf_counter() - started)
        print(f"{title}: {best:.2f} s = {megabytes / best:5.1f} MB/s, {len(labels) / best:9,.0f} states/s")

    started = time.perf_counter()
    for variables in states:
        for value in variables.values():
            format_value(value)
    printed = time.perf_counter() - started
    print(f"print         : {printed:.2f} s = {len(states) / printed:,.0f} states/s (format_value of every variable)")


if __name__ == "__main__":
    main()
