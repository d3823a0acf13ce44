"""``python -m gen gen``: regenerate the conformance suite under conformance/generated/.

For each small model (``WALK_MODELS``) TLC dumps the whole state graph; the
steps behind its edges are recovered (gen.generators.edges), an optimal edge cover is
computed (gen.generators.cover), and two modules are rendered: the graph as data, and
one test function per walk.  Larger models (``ITF_MODELS``) become ITF
traces replayed by one parametrized test.  Counterexamples of the
expected-violation models become regression tests (gen.generators.counterexamples).

Everything is deterministic: states are renumbered breadth-first with edges
taken in the order of their step's text, so TLC's exploration order does not
leak into the files, and regenerating gives the same bytes.  Files are
written to a temp name and renamed, and only when their text changed.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import textwrap
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import tlc_config
from conformance.config import SWITCHES, Config
from conformance.steps import Step
from conformance.tla_text import format_value
from conformance.values import ModelValue, TlaValue
from gen.bridge import java, paths
from gen.bridge.errors import BridgeError
from gen.bridge.files import write_if_changed
from gen.generators import wait_graph
from gen.generators.cover import Cover, cap_walks, edge_cover
from gen.generators.describe import action_lines, describe_walk
from gen.generators.dot import read_dot
from gen.generators.edges import recover_step
from gen.generators.itf import dumps_itf, trace_json
from gen.generators.render import render
from gen.generators.wait_graph import WaitRow, read_wait_graph, spec_variable_order

REPO = paths.REPO_ROOT
SPEC = paths.MC_SPEC
PROTOCOL = paths.PROTOCOL
MODELS = paths.MODELS_DIR
GENERATED = paths.GENERATED
SCRATCH = paths.GEN_SCRATCH

# Small models a reviewer reads: one test per walk of the edge cover.
WALK_MODELS = (
    "conf_none",
    "conf_lru_remove",
    "conf_skip_if_exists",
    "conf_swap_table",
    "conf_two_tasks",
    "conf_rotate",
    # rotate with WORKER_CHARGE_RECLAIM: the worker's writeback charge (Python reference only).
    "conf_rotate_worker",
    # The one walk module whose LRU holds two entries (put-back at the head, a walk over both).
    "conf_putback_head_2slots",
    # The SWP_SYNCHRONOUS_IO swap-cache bypass, v6.8's order and 6.12's (the latter against the C too).
    "conf_sync_io_skip_if_exists",
    "conf_sync_io_rotate",
    "conf_shared_rotate",
    # v6.8 with zswap.exclusive_loads off and the redirtied page's second store (the duplicate entry).
    "conf_skip_if_exists_shared_loads",
    # swapoff(2) against the shrinker's writeback on 6.12 (against the C too: unuse_pte_range() is real there).
    "conf_swapoff_rotate",
    # 6.12's swap-out folio kept in the swap cache: the duplicate store, the clean reclaim (Python reference only).
    "conf_redirty_rotate",
)
# Larger models: the edge cover as ITF data, replayed by one parametrized test.
# Each is a small model with more slots (so the LRU holds two entries and
# where a put-back goes matters): name -> (base model, Config fields replaced).
ITF_MODELS: dict[str, tuple[str, dict[str, object]]] = {
    "itf_skip_if_exists_2slots": ("conf_skip_if_exists", {"shrinkers": (), "slots": ("s1", "s2"), "scan_budget": 2}),
    "itf_lru_remove_2slots": ("conf_lru_remove", {"shrinkers": (), "slots": ("s1", "s2"), "scan_budget": 2}),
    # 6.12's background shrinker alone, walking two entries and meeting a rotated one again
    # (with a faulting task too the cover is 20k states, 400 MB of ITF: conf_rotate has the task).
    "itf_rotate_2slots": ("conf_rotate", {"tasks": (), "slots": ("s1", "s2"), "scan_budget": 3}),
}

REGENERATE = "make gen"

# The longest walk a walk module holds.  The optimal cover strings the edges
# into walks of up to 324 steps (conf_two_tasks), which nobody reads; cut at
# 30 (each model's deepest state is 17-21 steps from the initial one), the
# walks cost 7-21% more steps than the optimum (every module's header says
# how many; conformance/README.md has the table).
MAX_WALK_STEPS = 30


class GenerateError(BridgeError):
    """Generation cannot go on; says which model and what to do."""


@dataclass(frozen=True)
class ModelGraph:
    """A model's reachable state graph in canonical order, each edge with its recovered step."""

    model: str
    config_path: Path
    variables: tuple[str, ...]
    states: tuple[tuple[TlaValue, ...], ...]
    edges: tuple[tuple[int, int, Step], ...]
    # TLC's BlockedOn and Holds per state (walk models only; see wait_graph.py).
    waits: tuple[WaitRow, ...] | None = None

    def state(self, index: int) -> dict[str, TlaValue]:
        return dict(zip(self.variables, self.states[index]))


def graph_config_text(cfg_text: str) -> str:
    """The model's CONSTANTS, INIT and NEXT only: no SYMMETRY, invariants or properties.

    The conformance graph must be the full graph (symmetry would merge states
    the implementation tells apart) and must not stop at a violation.
    """
    keep: list[str] = []
    keeping = False
    for line in cfg_text.splitlines():
        head = re.match(r"\s*([A-Z_]+)\b", line)
        if head and head.group(1) in tlc_config.KEYWORDS:
            keeping = head.group(1) in {"CONSTANT", "CONSTANTS", "INIT", "NEXT"}
        if keeping:
            keep.append(line)
    return "\n".join(keep) + "\n"


def config_text(config: Config) -> str:
    """A TLC config with ``config``'s constants, INIT and NEXT."""
    c = config
    model_values = [*c.tasks, *c.shrinkers, *c.swapoffs, *c.slots, *c.versions, "NoEntry", "NoFolio", "NoData"]
    return tlc_config.config_text(
        [
            ("Tasks", tuple(ModelValue(n) for n in c.tasks)),
            ("Shrinkers", tuple(ModelValue(n) for n in c.shrinkers)),
            ("Slots", tuple(ModelValue(n) for n in c.slots)),
            ("Versions", tuple(ModelValue(n) for n in c.versions)),
            ("VARIANT", c.variant),
            ("PUTBACK", c.putback),
            ("SCAN_BUDGET", c.scan_budget),
            ("BUGS", frozenset(c.bugs)),
            ("FAIRNESS", c.fairness),
            ("WORKER_CHARGE_RECLAIM", c.worker_charge_reclaim),
            # a definition a cfg may set (spec/Zswap.tla, Swapoffs): only when the model has swapoff
            *((("Swapoffs", tuple(ModelValue(n) for n in c.swapoffs)),) if c.swapoffs else ()),
            *((name, ModelValue(name)) for name in model_values),
        ],
        substitutions=[(definition, substitute) for definition, substitute, field in SWITCHES if getattr(c, field)],
    )


def model_config(model: str) -> tuple[Path, str]:
    """The model's .cfg (for ITF models: their base model's) and the graph config text TLC runs."""

    base, fields = ITF_MODELS.get(model, (model, None))
    cfg = MODELS / f"{base}.cfg"
    if not cfg.exists():
        raise GenerateError(
            f"model {model}: {cfg} does not exist",
            f"add spec/models/{base}.cfg or drop {model} from gen/generators/generate.py",
        )
    if fields is None:
        return cfg, graph_config_text(cfg.read_text())
    changed: dict[str, Any] = dict(fields)
    return cfg, config_text(dataclasses.replace(Config.from_cfg(cfg), **changed))


def explore(model: str, *, scratch: Path = SCRATCH, fresh: bool = False) -> ModelGraph:
    """Run TLC on the model's graph config with ``-dump dot,actionlabels`` and read the graph.

    Through the result cache (gen.bridge.cache, dump included), like ``make check``: an
    unchanged spec and model are not explored again (``fresh`` or $GEN_FRESH=1 forces the run).
    """
    from gen.bridge.cache import cached_run
    from gen.bridge.outcomes import Success
    from gen.bridge.tlc import RunOptions

    cfg, text = model_config(model)
    if model not in ITF_MODELS:  # walk modules compare blocked()/holders() with TLC's verdict
        text += f"INVARIANT {wait_graph.INVARIANT}\n"
    scratch.mkdir(parents=True, exist_ok=True)
    graph_cfg = scratch / f"{model}.graph.cfg"
    graph_cfg.write_text(text)
    dump = scratch / f"{model}.dot"
    dump.unlink(missing_ok=True)
    run = cached_run(
        RunOptions(
            spec=SPEC, config=graph_cfg, check_deadlock=False, workers=1, dump_dot=dump.resolve(), label=f"gen-{model}"
        ),
        scratch_root=scratch / "tlc",
        fresh=fresh,
    )
    if not isinstance(run.outcome, Success):
        raise GenerateError(
            f"model {model}: TLC did not explore the whole graph: {run.outcome.verdict}",
            f"run `python -m gen run {cfg}` and fix the model",
        )
    graph = canonical_graph(model, graph_cfg if model in ITF_MODELS else cfg, dump)
    if model in ITF_MODELS:
        return graph
    try:
        order = spec_variable_order(PROTOCOL.read_text())
        waits = read_wait_graph(run.raw_output, order, graph.variables, graph.states)
    except wait_graph.WaitGraphError as error:
        raise GenerateError(
            f"model {model}: {error}", "nothing was written; fix spec/MCZswap.tla's WaitGraph"
        ) from None
    return dataclasses.replace(graph, waits=waits)


def canonical_graph(model: str, cfg: Path, dump: Path) -> ModelGraph:
    """Read a dump, recover every edge's step, renumber states breadth-first."""
    graph = read_dot(dump)
    leaving: list[list[tuple[str, int, Step]]] = [[] for _ in graph.states]
    for number, edge in enumerate(graph.edges):
        label = recover_step(
            edge.action,
            graph.state(edge.source),
            graph.state(edge.target),
            f"model {model}, edge {number} ({edge.action} from TLC state "
            f"{graph.fingerprints[edge.source]} to {graph.fingerprints[edge.target]})",
        )
        leaving[edge.source].append((str(label), edge.target, label))
    for steps in leaving:
        steps.sort(key=lambda item: item[0])
        for before, after in zip(steps, steps[1:]):
            if before[0] == after[0]:
                raise GenerateError(
                    f"model {model}: two edges from one state are both {before[0]}",
                    "the step's arguments do not determine its effect: fix the spec or gen/generators/edges.py",
                )
    initial = sorted(graph.initial, key=lambda i: [format_value(v) for v in graph.states[i]])
    if len(initial) != 1:
        raise GenerateError(
            f"model {model}: {len(initial)} initial states",
            "the generated tests start from one initial state; fix Init",
        )
    order: dict[int, int] = {}
    queue = deque(initial)
    order[initial[0]] = 0
    while queue:
        state = queue.popleft()
        for _, target, _ in leaving[state]:
            if target not in order:
                order[target] = len(order)
                queue.append(target)
    by_new = sorted(order, key=order.__getitem__)
    states = tuple(graph.states[old] for old in by_new)
    edges = tuple((order[old], order[target], label) for old in by_new for _, target, label in leaving[old])
    return ModelGraph(model, cfg, graph.variables, states, edges)


def model_values_of(graph: ModelGraph) -> list[str]:
    """Every model value in the graph that can be a bare Python name, sorted."""
    from gen.generators.render import py_identifier

    found: set[str] = set()

    def visit(value: object) -> None:
        if isinstance(value, ModelValue):
            found.add(value.name)
        elif isinstance(value, (tuple, frozenset)):
            for item in value:
                visit(item)
        elif hasattr(value, "items"):
            for key, item in value.items():
                visit(key)
                visit(item)

    for state in graph.states:
        for value in state:
            visit(value)
    return sorted(name for name in found if py_identifier(name))


def render_walk_modules(
    graph: ModelGraph,
    cover: Cover,
    *,
    lines: dict[str, int] | None = None,
    package: str = "conformance.generated",
    folder: Path = GENERATED,
) -> dict[Path, str]:
    """The graph module and the walks module of one small model.

    ``lines`` maps actions to their line in Zswap.tla (default: read it);
    ``package``/``folder`` say where the modules go (the golden tests use a
    temporary package).
    """

    config = Config.from_cfg(graph.config_path)
    lines = action_lines() if lines is None else lines
    values: dict[TlaValue, int] = {}
    rows = []
    for state in graph.states:
        rows.append(tuple(values.setdefault(v, len(values)) for v in state))
    steps: dict[Step, int] = {}
    leaving: list[list[int]] = [[] for _ in graph.states]
    for origin, _target, label in graph.edges:
        leaving[origin].append(steps.setdefault(label, len(steps)))
    enabled = [tuple(sorted(row)) for row in leaving]
    names = model_values_of(graph)
    graph_module = f"graph_{graph.model}"
    test_module = f"test_{graph.model}"
    source = f"spec/models/{graph.model}.cfg"
    missing = sorted({label.name for _, _, label in graph.edges} - set(lines))
    if missing:
        raise GenerateError(
            f"model {graph.model}: actions {', '.join(missing)} have no definition line in spec/Zswap.tla",
            "define them as `Name(args) ==` at a line start",
        )
    walks = []
    width = len(str(len(cover.walks)))
    for number, walk in enumerate(cover.walks, 1):
        walk_steps: list[dict[str, Any]] = [{"label": graph.edges[e][2], "then": graph.edges[e][1]} for e in walk]
        last = graph.edges[walk[-1]][1]
        walks.append(
            {
                "name": f"walk_{number:0{width}d}",
                "summary": describe_walk([s["label"] for s in walk_steps], ends_stuck=not leaving[last]),
                "steps": walk_steps,
            }
        )
    description = (
        f"Model {graph.model}: VARIANT {config.variant}, PUTBACK {config.putback}, "
        f"SCAN_BUDGET {config.scan_budget}, tasks {', '.join(config.tasks) or 'none'}, "
        f"shrinkers {', '.join(config.shrinkers) or 'none'}, slots {', '.join(config.slots)}, "
        f"versions {', '.join(config.versions)}"
        + (f", bugs {', '.join(sorted(config.bugs))}" if config.bugs else "")
        + "."
    )
    common = {
        "model": graph.model,
        "source": source,
        "model_values": names,
        "graph_module": graph_module,
        "test_module": f"{package.replace('.', '/')}/{test_module}.py",
        "package": package,
    }
    graph_text = render(
        "graph_module.py.j2",
        config=config,
        variables=graph.variables,
        values=list(values),
        states=rows,
        steps=list(steps),
        enabled=enabled,
        waits=graph.waits,
        num_edges=len(graph.edges),
        **common,
    )
    walks_text = render(
        "walks_module.py.j2",
        walks=walks,
        description=textwrap.fill(description, width=76),
        cover_summary=textwrap.fill(cover_sentence(cover), width=76),
        **common,
    )
    return {folder / f"{graph_module}.py": graph_text, folder / f"{test_module}.py": walks_text}


def cover_sentence(cover: Cover) -> str:
    head = f"The {len(cover.walks)} walks take {cover.steps} steps for {cover.edges} edges "
    if cover.max_walk_steps is None or cover.steps == cover.uncapped_steps:
        cap = "" if cover.max_walk_steps is None else f"; no walk is longer than {cover.longest} steps"
        return head + (f"({cover.ratio:.2f} steps per edge, the fewest possible; lower bound {cover.lower_bound}){cap}")
    return head + (
        f"({cover.ratio:.2f} steps per edge). No walk is longer than {cover.longest} steps "
        f"(cap {cover.max_walk_steps}): the fewest steps possible are {cover.uncapped_steps} "
        f"(lower bound {cover.lower_bound}), in walks too long to read, so the cap costs "
        f"{cover.steps - (cover.uncapped_steps or 0)} steps of starting again"
    )


def optimal_cover(graph: ModelGraph) -> Cover:
    """The fewest steps that take every edge (long walks: fine for data, not for reading)."""
    return edge_cover(len(graph.states), [(s, t) for s, t, _ in graph.edges], [0])


def cover_of(graph: ModelGraph) -> Cover:
    """The walks of a walk module: the optimal cover cut at ``MAX_WALK_STEPS`` a walk."""
    edges = [(s, t) for s, t, _ in graph.edges]
    return cap_walks(optimal_cover(graph), len(graph.states), edges, [0], MAX_WALK_STEPS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", action="append", default=None, help="regenerate only this model (repeatable); default: all"
    )
    parser.add_argument("--no-counterexamples", action="store_true", help="skip the counterexample regression tests")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 naming every committed file that regeneration would change",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="run TLC even when build/cache/tlc/ holds the result; $GEN_FRESH=1 too"
    )


def main(args: argparse.Namespace) -> int:
    from gen.generators.cover import CoverError
    from gen.generators.dot import DotError
    from gen.generators.edges import EdgeRecoveryError
    from gen.generators.itf import ItfError
    from gen.generators.render import RenderError

    try:
        return _generate(args)
    except (CoverError, DotError, EdgeRecoveryError, ItfError, RenderError) as error:
        raise GenerateError(
            f"{type(error).__name__}: {error}",
            "nothing was written; fix the model or the generator named above, then `make gen`",
        ) from None


def _generate(args: argparse.Namespace) -> int:
    from gen.generators import counterexamples

    wanted = args.model or [*WALK_MODELS, *ITF_MODELS]
    outputs: dict[Path, str] = {}
    walk_counts: dict[str, int] = {}
    for model in wanted:
        started = time.monotonic()
        graph = explore(model, fresh=args.fresh)
        cover = optimal_cover(graph) if model in ITF_MODELS else cover_of(graph)
        if model in ITF_MODELS:
            outputs.update(render_itf_outputs(graph, cover))
            walk_counts[model] = len(cover.walks)
        else:
            outputs.update(render_walk_modules(graph, cover))
        print(
            f"{model}: {len(graph.states)} states, {len(graph.edges)} edges; {cover.summary()} "
            f"({time.monotonic() - started:.1f}s)"
        )
    if not args.model:
        outputs.update(render_itf_test(walk_counts))
        if not args.no_counterexamples:
            outputs.update(counterexamples.generate(fresh=args.fresh))
    outputs[GENERATED / "__init__.py"] = (
        f"# Generated by `python -m gen gen` with {java.provenance()}; do not edit, run `make gen`.\n"
        '"""The generated conformance tests (see gen/generators/generate.py)."""\n'
    )
    # A full run owns the whole folder: a file it did not produce (a dropped model) goes.
    leftovers = (
        []
        if args.model or args.no_counterexamples
        else sorted(
            path
            for path in GENERATED.rglob("*")
            if path.is_file()
            and path.suffix in (".py", ".json")
            and "__pycache__" not in path.parts
            and path not in outputs
        )
    )
    if args.check:
        stale = [
            path
            for path, text in sorted(outputs.items())
            if not path.exists() or path.read_text(encoding="utf-8") != text
        ] + leftovers
        for path in stale:
            print(f"stale: {path.relative_to(REPO)}")
        print(f"{len(outputs)} files, {len(stale)} stale" + ("; run `make gen` and commit" if stale else ""))
        return 1 if stale else 0
    changed = [path for path, text in sorted(outputs.items()) if write_if_changed(path, text)]
    for path in changed:
        print(f"wrote {path.relative_to(REPO)}")
    for path in leftovers:
        path.unlink()
        print(f"removed {path.relative_to(REPO)} (no model produces it any more)")
    print(f"{len(outputs)} files, {len(changed)} changed, {len(leftovers)} removed")
    return 0


def render_itf_outputs(graph: ModelGraph, cover: Cover) -> dict[Path, str]:
    """One ``*.itf.json`` per larger model: the cover's walks, each state with its enabled steps."""

    config = Config.from_cfg(graph.config_path)
    leaving: list[list[Step]] = [[] for _ in graph.states]
    for source, _target, label in graph.edges:
        leaving[source].append(label)
    enabled = [sorted(str(s) for s in steps) for steps in leaving]  # conformance.steps.parse_step reads them
    states, metas = [], []
    for number, walk in enumerate(cover.walks):
        states.append(graph.state(0))
        metas.append({"walk": number, "state": 0, "enabled": enabled[0]})
        for edge in walk:
            _source, target, label = graph.edges[edge]
            states.append(graph.state(target))
            metas.append({"walk": number, "state": target, "step": step_json(label), "enabled": enabled[target]})
    trace = trace_json(
        graph.variables,
        states,
        metas,
        {
            "source": itf_source(graph.model),
            "description": f"Generated by `python -m gen gen`: the edge cover of model {graph.model} "
            f"({cover.summary()}), one walk after another; each walk starts again at the "
            f"initial state and #meta.walk numbers them. Regenerate with `{REGENERATE}`.",
            "walks": len(cover.walks),
            "config": config_json(config),
        },
    )
    return {GENERATED / "itf" / f"{graph.model}.itf.json": dumps_itf(trace)}


def config_json(config: Config) -> dict[str, object]:
    """Every Config field as JSON (tuples as lists, the bug set sorted); the ITF test reads it back."""
    fields: dict[str, object] = {}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if field.metadata.get("omit_if_default") and value == field.default:
            continue  # a newer field: the ITF files of models without it stay as they were
        fields[field.name] = (
            sorted(value) if isinstance(value, frozenset) else list(value) if isinstance(value, tuple) else value
        )
    return fields


def itf_source(model: str) -> str:
    base, fields = ITF_MODELS[model]
    changed = ", ".join(f"{k} = {v!r}" for k, v in sorted(fields.items()))
    return f"spec/models/{base}.cfg with {changed}"


def step_json(label: Step) -> dict[str, object]:
    from gen.generators.itf import to_itf

    return {
        "name": label.name,
        "actor": label.actor.name if label.actor else None,
        "args": {k: to_itf(v) for k, v in label.args},
    }


def render_itf_test(walk_counts: dict[str, int]) -> dict[Path, str]:
    """The one parametrized test that replays every ITF trace (one case per walk)."""
    if not walk_counts:
        return {}
    models = sorted(walk_counts)
    return {
        GENERATED / "test_itf_traces.py": render(
            "itf_test.py.j2", models=tuple(models), walk_counts=[(m, walk_counts[m]) for m in models]
        )
    }
