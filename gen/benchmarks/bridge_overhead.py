"""The bridge's overhead against running TLC bare, side by side.

    .venv/bin/python -m gen.benchmarks.bridge_overhead [--rounds 5] [--plain]

Each round runs the same model, in turn (the order alternates by round):

* ``bare``: the exact argv the bridge builds, as a plain subprocess with
  its output thrown away (so the difference is what the bridge costs);
* ``bridge``: :func:`gen.bridge.tlc.run_tlc` (reads and parses every line, makes
  and removes the metadir, checks the jar);
* with ``--plain``, also ``java -cp tla2tools.jar tlc2.TLC`` with only the
  model's own switches (no -tool, no GC flag), for reference.

Wall time on a shared 2-core machine is noisy, so the script reports the
minimum and the median over rounds, CPU time (TLC's plus the bridge's own),
and the bridge's own Python CPU time alone: the one figure other load
barely disturbs, and exactly what the bridge adds.  The model is
gen/benchmarks/specs/ZswapMini (about 10 s, 125k states, one worker).
Target: bridge within 5% of bare.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gen.bridge.java import find_jar, find_java
from gen.bridge.outcomes import Success
from gen.bridge.tlc import SCRATCH_ROOT, RunOptions, build_command, run_tlc

SPECS = Path(__file__).resolve().parent / "specs"


def model_options() -> RunOptions:
    return RunOptions(SPECS / "ZswapMini.tla", SPECS / "ZswapMini.cfg", workers=1, check_deadlock=False, label="bench")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(action: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of children plus this process) for ``action``."""
    wall, cpu, own = time.monotonic(), children_cpu(), time.process_time()
    action()
    return time.monotonic() - wall, (children_cpu() - cpu) + (time.process_time() - own)


def run_bare(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def with_metadir(prefix: str, make_argv: Callable[[Path], list[str]], cwd: Path) -> Callable[[], None]:
    def action() -> None:
        metadir = Path(tempfile.mkdtemp(prefix=prefix, dir=SCRATCH_ROOT))
        try:
            run_bare(make_argv(metadir), cwd)
        finally:
            shutil.rmtree(metadir, ignore_errors=True)

    return action


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--plain", action="store_true", help="also time java -cp tla2tools.jar tlc2.TLC without -tool")
    args = parser.parse_args()

    options = model_options()
    java, jar = find_java(), find_jar()
    cwd = options.spec.parent
    SCRATCH_ROOT.mkdir(parents=True, exist_ok=True)

    own_cpu: list[float] = []

    def bridge() -> None:
        started = time.process_time()
        run = run_tlc(options)
        own_cpu.append(time.process_time() - started)  # this Python process only, not TLC
        assert run.outcome == Success(), run.outcome

    def plain_argv(metadir: Path) -> list[str]:
        argv = [str(java.path), "-cp", str(jar.path), "tlc2.TLC", "-workers", "1", "-deadlock"]
        return argv + ["-metadir", str(metadir), "-config", "ZswapMini.cfg", str(options.spec)]

    ways: dict[str, Callable[[], None]] = {
        "bare": with_metadir("bench-bare-", lambda m: build_command(options, m, java, jar), cwd),
        "bridge": bridge,
    }
    if args.plain:
        ways["plain"] = with_metadir("bench-plain-", plain_argv, cwd)
    walls: dict[str, list[float]] = {k: [] for k in ways}
    cpus: dict[str, list[float]] = {k: [] for k in ways}
    for round_number in range(1, args.rounds + 1):
        cells = []
        # Alternate the order so that load drifting over a round hits both.
        order = list(ways.items()) if round_number % 2 else list(reversed(ways.items()))
        for name, action in order:
            wall, cpu = measure(action)
            walls[name].append(wall)
            cpus[name].append(cpu)
            cells.append(f"{name} {wall:5.2f} s wall {cpu:5.2f} s cpu")
        print(f"round {round_number}: " + " | ".join(cells))

    print(f"model: ZswapMini (125,432 distinct states), 1 worker, {args.rounds} rounds")
    print(f"{'':8}{'wall min':>10}{'wall median':>13}{'cpu median':>12}")
    for name in ways:
        print(
            f"{name:8}{min(walls[name]):9.2f}s{statistics.median(walls[name]):12.2f}s{statistics.median(cpus[name]):11.2f}s"
        )

    def overhead(series: dict[str, list[float]], pick: Callable[[list[float]], float]) -> float:
        return (pick(series["bridge"]) - pick(series["bare"])) / pick(series["bare"]) * 100

    own = statistics.median(own_cpu)
    print(
        f"the bridge's own CPU (Python: reading, parsing, jar check): {own:.3f} s per run = "
        f"{own / statistics.median(walls['bare']) * 100:.1f}% of bare's median wall time"
    )
    print(
        f"bridge overhead vs bare: wall min {overhead(walls, min):+.1f}%, wall median "
        f"{overhead(walls, statistics.median):+.1f}%, cpu median {overhead(cpus, statistics.median):+.1f}% (target <= 5%)"
    )


if __name__ == "__main__":
    main()
