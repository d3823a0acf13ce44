"""The bridge's wall-time overhead against running TLC bare, side by side.

    .venv/bin/python -m gen.benchmarks.bridge_overhead [--rounds 3]

Each round runs the same model three ways, in turn:

* ``bare``: the exact argv the bridge builds, as a plain subprocess with
  its output thrown away (what the bridge costs on top of TLC);
* ``bridge``: :func:`gen.tlc.run_tlc` (reads and parses every line, makes
  and removes the metadir, checks the jar);
* ``plain``: ``java -cp tla2tools.jar tlc2.TLC`` with only the model's own
  switches (no -tool, no GC flag): what a user would type, for reference.

The model is gen/benchmarks/specs/ZswapMini (about 10 s, 125k states, one
worker).  Target: bridge within 5% of bare (median over rounds).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from gen.java import find_jar, find_java
from gen.tlc import SCRATCH_ROOT, RunOptions, build_command, run_tlc
from gen.tool_output import Success

SPECS = Path(__file__).resolve().parent / "specs"


def model_options() -> RunOptions:
    return RunOptions(SPECS / "ZswapMini.tla", SPECS / "ZswapMini.cfg", workers=1, check_deadlock=False, label="bench")


def run_bare(argv: list[str], cwd: Path) -> float:
    started = time.monotonic()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    options = model_options()
    java, jar = find_java(), find_jar()
    cwd = options.spec.parent
    SCRATCH_ROOT.mkdir(parents=True, exist_ok=True)
    times: dict[str, list[float]] = {"bare": [], "bridge": [], "plain": []}
    distinct = None
    for round_number in range(1, args.rounds + 1):
        metadir = Path(tempfile.mkdtemp(prefix="bench-bare-", dir=SCRATCH_ROOT))
        times["bare"].append(run_bare(build_command(options, metadir, java, jar), cwd))
        shutil.rmtree(metadir, ignore_errors=True)

        started = time.monotonic()
        run = run_tlc(options)
        times["bridge"].append(time.monotonic() - started)
        assert run.outcome == Success(), run.outcome
        distinct = run.output.stats.distinct

        metadir = Path(tempfile.mkdtemp(prefix="bench-plain-", dir=SCRATCH_ROOT))
        plain = [str(java.path), "-cp", str(jar.path), "tlc2.TLC", "-workers", "1", "-deadlock"]
        plain += ["-metadir", str(metadir), "-config", "ZswapMini.cfg", str(options.spec)]
        times["plain"].append(run_bare(plain, cwd))
        shutil.rmtree(metadir, ignore_errors=True)
        print(
            f"round {round_number}: bare {times['bare'][-1]:.2f} s, bridge {times['bridge'][-1]:.2f} s, "
            f"plain {times['plain'][-1]:.2f} s"
        )
    bare, bridge, plain = (statistics.median(times[k]) for k in ("bare", "bridge", "plain"))
    overhead = (bridge - bare) / bare * 100
    print(f"model: ZswapMini, {distinct:,} distinct states, 1 worker, {args.rounds} rounds (medians)")
    print(f"bare   {bare:6.2f} s  (the bridge's argv, output discarded)")
    print(f"bridge {bridge:6.2f} s  (gen.tlc.run_tlc: streamed, parsed)")
    print(f"plain  {plain:6.2f} s  (java -cp tla2tools.jar tlc2.TLC, no -tool, no GC flag)")
    print(f"bridge overhead vs bare: {overhead:+.1f}% (target <= 5%)")


if __name__ == "__main__":
    main()
