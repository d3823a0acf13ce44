"""The generator's figures: dump parsing, edge recovery, cover, rendering, replay.

    .venv/bin/python -m gen.benchmarks.bench_generator [--workers 2] [--regenerate]

Makes (once) ``build/bench/generator_2t2s.dot``: TLC's ``-dump
dot,actionlabels`` of Zswap with 2 tasks, 2 slots, 3 versions, variant
skip_if_exists, no symmetry (about 50,000 states and 147,000 edges, 49 MB;
about 25 s of TLC).  Then times, on that graph:

* reading the dump (gen.generators.dot): MB/s and peak memory of the process;
* recovering every edge's step and renumbering (gen.generators.generate.canonical_graph);
* the optimal edge cover (gen.generators.cover) against a naive greedy cover (walk to
  the nearest untaken edge, restart from the initial state when none is
  reachable), with the lower bound;
* rendering the walk modules of a few-hundred-state model (lines/s);
* replaying the whole edge cover against the implementation (steps/s), on
  ``--workers`` processes (walks are independent).  Target: under a minute.

The machine is shared: where wall time is noisy, the CPU time printed
beside it is the steadier figure.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from gen.generators.cover import edge_cover
from gen.generators.dot import read_dot
from gen.generators.generate import REPO, ModelGraph, canonical_graph, cover_of, render_walk_modules

BENCH = REPO / "build" / "bench"
CFG_2T2S = """CONSTANTS
    Tasks = {t1, t2}
    Shrinkers = {}
    Slots = {s1, s2}
    Versions = {v1, v2, v3}
    VARIANT = "skip_if_exists"
    PUTBACK = "tail"
    SCAN_BUDGET = 1
    BUGS = {}
    FAIRNESS = "weak"
    WORKER_CHARGE_RECLAIM = FALSE
    NoEntry = NoEntry
    NoFolio = NoFolio
    NoData = NoData
    t1 = t1
    t2 = t2
    s1 = s1
    s2 = s2
    v1 = v1
    v2 = v2
    v3 = v3
INIT Init
NEXT Next
"""
CFG_SMALL = (
    CFG_2T2S.replace("Tasks = {t1, t2}", "Tasks = {t1}")
    .replace("Shrinkers = {}", "Shrinkers = {k1}")
    .replace("Slots = {s1, s2}", "Slots = {s1}")
    .replace("Versions = {v1, v2, v3}", "Versions = {v1, v2}")
    .replace("    t2 = t2\n", "    k1 = k1\n")
    .replace("    s2 = s2\n", "")
    .replace("    v3 = v3\n", "")
)


def make_dump(name: str, cfg_text: str, regenerate: bool) -> tuple[Path, Path]:
    from gen.bridge.tlc import RunOptions, run_tlc

    BENCH.mkdir(parents=True, exist_ok=True)
    cfg, dump = BENCH / f"{name}.cfg", BENCH / f"{name}.dot"
    if regenerate or not dump.exists() or not cfg.exists() or cfg.read_text() != cfg_text:
        cfg.write_text(cfg_text)
        print(f"making {dump.relative_to(REPO)} with TLC ...", flush=True)
        run_tlc(
            RunOptions(
                spec=REPO / "spec" / "MCZswap.tla",
                config=cfg,
                check_deadlock=False,
                workers=1,
                dump_dot=dump.resolve(),
                label=name,
            ),
            scratch_root=BENCH / "tlc",
        )
    return cfg, dump


def greedy_steps(num_states: int, edges: list[tuple[int, int]], initial: int) -> int:
    """Steps of a naive cover: take an untaken edge here if any, else walk (BFS) to the nearest
    state that has one; restart from the initial state when none is reachable."""
    leaving: list[list[int]] = [[] for _ in range(num_states)]
    for index, (source, _) in enumerate(edges):
        leaving[source].append(index)
    untaken = [len(out) for out in leaving]
    taken = bytearray(len(edges))
    remaining, steps, here = len(edges), 0, initial
    while remaining:
        parent: dict[int, int] = {here: -1}
        queue, found = deque([here]), -1
        while queue and found < 0:
            state = queue.popleft()
            if untaken[state]:
                found = state
                break
            for edge in leaving[state]:
                target = edges[edge][1]
                if target not in parent:
                    parent[target] = edge
                    queue.append(target)
        if found < 0:
            here = initial  # stuck: restart
            continue
        state = found
        while parent[state] >= 0:  # walk the BFS path there
            steps += 1
            state = edges[parent[state]][0]
        edge = next(e for e in leaving[found] if not taken[e])
        taken[edge] = 1
        untaken[found] -= 1
        remaining -= 1
        steps += 1
        here = edges[edge][1]
    return steps


_GRAPH: ModelGraph | None = None
_CONFIG = None


def _init_worker(cfg: Path, dump: Path) -> None:
    global _GRAPH, _CONFIG
    from conformance.config import Config

    _GRAPH = canonical_graph("bench", cfg, dump)
    _CONFIG = Config.from_cfg(cfg)


def _replay_walks(walks: list[tuple[int, ...]]) -> tuple[int, float]:
    """Replay ``walks``; the steps taken and the CPU seconds this process spent on them."""
    from conformance.replay import Replay
    from conformance.steps import Step
    from conformance.system import System

    graph, config = _GRAPH, _CONFIG
    assert graph is not None and config is not None
    leaving: list[list[Step]] = [[] for _ in graph.states]
    for source, _target, label in graph.edges:
        leaving[source].append(label)
    enabled = [frozenset(out) for out in leaving]
    states = [graph.state(i) for i in range(len(graph.states))]
    cpu = time.process_time()
    steps = 0
    for walk in walks:
        run = Replay(System(config), lambda i: states[i], lambda i: enabled[i], 0)
        for edge in walk:
            _source, target, label = graph.edges[edge]
            run.step(label.name, label.actor, then=target, **dict(label.args))
        steps += len(walk)
    return steps, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="processes for the replay (default 2)")
    parser.add_argument("--regenerate", action="store_true", help="remake the dumps with TLC")
    args = parser.parse_args()

    cfg, dump = make_dump("generator_2t2s", CFG_2T2S, args.regenerate)
    size = dump.stat().st_size / 1e6
    started, cpu = time.perf_counter(), time.process_time()
    graph_raw = read_dot(dump)
    parse, parse_cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"dump parsing: {size:.1f} MB, {len(graph_raw.states)} states, {len(graph_raw.edges)} edges in "
        f"{parse:.2f} s = {size / parse:.1f} MB/s wall, {size / parse_cpu:.1f} MB/s CPU (peak RSS {peak:.0f} MB)"
    )
    del graph_raw

    started = time.perf_counter()
    graph = canonical_graph("bench", cfg, dump)
    print(f"read + edge recovery + renumbering: {time.perf_counter() - started:.2f} s")

    edges = [(s, t) for s, t, _ in graph.edges]
    started, cpu = time.perf_counter(), time.process_time()
    cover = edge_cover(len(graph.states), edges, [0])
    print(
        f"optimal cover: {time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU; "
        f"{cover.summary()}"
    )
    small_cfg, small_dump = make_dump("generator_small", CFG_SMALL, args.regenerate)
    small = canonical_graph("bench_small", small_cfg, small_dump)
    started = time.perf_counter()
    small_cover = cover_of(small)
    took = time.perf_counter() - started
    small_edges = [(s, t) for s, t, _ in small.edges]
    naive = greedy_steps(len(small.states), small_edges, 0)
    print(
        f"small model ({len(small.states)} states): optimal cover in {took:.2f} s, {small_cover.summary()}; "
        f"naive greedy {naive} steps (ratio {naive / len(small_edges):.2f})"
    )
    started = time.perf_counter()
    rendered = render_walk_modules(small, small_cover)
    took = time.perf_counter() - started
    lines = sum(text.count("\n") for text in rendered.values())
    print(
        f"rendering: {len(small.states)}-state model, {len(small_cover.walks)} walks, {lines} lines in "
        f"{took:.2f} s = {lines / took:.0f} lines/s"
    )

    chunks = [list(cover.walks[i :: args.workers]) for i in range(args.workers)]
    started = time.perf_counter()
    if args.workers == 1:
        _init_worker(cfg, dump)
        results = [_replay_walks(chunks[0])]
    else:
        with ProcessPoolExecutor(args.workers, initializer=_init_worker, initargs=(cfg, dump)) as pool:
            results = list(pool.map(_replay_walks, chunks))
    took = time.perf_counter() - started
    total = sum(steps for steps, _ in results)
    slowest = max(cpu for _, cpu in results)
    print(
        f"replay: the full edge cover, {total} steps, each state checked (observe and enabled), on "
        f"{args.workers} process(es) in {took:.1f} s wall (incl. loading the graph per process) = "
        f"{total / took:.0f} steps/s; replay CPU per process {', '.join(f'{c:.1f}' for _, c in results)} s "
        f"= {total / sum(c for _, c in results):.0f} steps/s per core, {slowest:.1f} s on an idle "
        f"{args.workers}-core machine; target under 60 s"
    )


if __name__ == "__main__":
    main()
