"""``python -m gen diff BASE``: what a change to the spec does to its behaviours.

Checks every exhaustive model of the manifest twice, on the spec at git
revision BASE and on the working tree, and reports per model: the outcome
(``invariant:NoSelfWait`` -> ``success``), distinct states and edges of the
whole state graph, the actions added or removed (as reachable edge labels),
and the behaviours one version allows and the other does not, each as the
shortest step sequence that tells them apart (:mod:`gen.review.behaviours`),
projected to actors and step names ("t1 SwapcachePrepare s1").

Both versions are snapshots in this run's own folder under ``build/diff/``
(``git archive`` for BASE, a copy for the working tree; two diffs at once
share nothing, and a killed run's folder is removed by the next), so the
working tree is never touched and an edit made while TLC runs does not mix
two versions.  A model whose spec files, config and manifest entry are the
same in both is not run.  Otherwise TLC gives its outcome and its complete
state graph (:func:`explore`: one run, two for models with properties),
side by side within ``--jobs`` cores, through the result cache
(:mod:`gen.bridge.cache`); when both versions' dumps are the same bytes the
behaviour search is skipped.  The report says how long each model took and
what came from the cache.

Writes ``build/review.md`` (GitHub Markdown, for the job summary) and
prints the same as plain text.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn, TextIO

from conformance import tlc_config
from conformance.tlc_config import config_constants
from gen.bridge.cache import cached_run, spec_files_digest
from gen.bridge.checking import default_jobs, run_options
from gen.bridge.errors import BridgeError
from gen.bridge.files import write_text_atomically
from gen.bridge.manifest import Model, in_tier, load_manifest
from gen.bridge.outcomes import Outcome, Success
from gen.bridge.progress import colour
from gen.bridge.scratch import owned_folder, remove_orphans
from gen.bridge.tlc import REPO_ROOT, TlcRun, error_for, stop_every_tlc, stopping_tlc_on_termination
from gen.generators.dot import DotError, StateGraph, read_dot
from gen.review.behaviours import (
    STOPS,
    Difference,
    Lts,
    SearchResult,
    concrete_path,
    first_differences,
    permutations_of,
)
from gen.review.trace_view import StateStep, TraceViewError, view_steps

DIFF_ROOT = REPO_ROOT / "build" / "diff"
CHECKING_TEMPORAL_PROPERTIES = 2192  # TLC_CHECKING_TEMPORAL_PROPS
REVIEW_MD = REPO_ROOT / "build" / "review.md"
# Longer than any model's depth today (the deepest fast model is ~50), so the
# comparison covers whole graphs; a model deeper than this is compared on
# its first DEFAULT_BOUND steps, and the report says so.
DEFAULT_BOUND = 100
# Witnesses shown per model and direction (the rest are counted).
SHOWN = 8


class DiffError(BridgeError):
    """The diff cannot run: a bad revision, a missing spec, an unusable graph."""


@dataclass(frozen=True)
class Version:
    """One model checked in one version of the spec."""

    verdict: str
    distinct_states: int
    edges: int
    actions: frozenset[str]
    graph: StateGraph | None  # dropped once the comparison is done (hundreds of MB each)
    symmetry: tuple[tuple[str, ...], ...]  # groups of interchangeable model values
    seconds: float  # TLC's wall time for this version (the original run's when cached)
    cached: bool = False  # TLC's results came from gen.bridge.cache


@dataclass(frozen=True)
class ModelDiff:
    name: str
    base: Version | None  # None: the model is new, or unchanged
    head: Version | None  # None: the model was removed, or unchanged
    added: SearchResult | None = None  # behaviours only the working tree allows
    removed: SearchResult | None = None  # behaviours only BASE allows
    seconds: float = 0.0
    unchanged: bool = False  # same spec, config and manifest entry: not run at all
    # Each difference as "actor Step slot" words, in the order of added/removed.
    added_words: tuple[tuple[str, ...], ...] = ()
    removed_words: tuple[tuple[str, ...], ...] = ()
    same_graph: bool = False  # both dumps the same bytes: behaviour search skipped


# ------------------------------------------------------------- snapshots


def snapshot_revision(revision: str, destination: Path) -> str:
    """Extract ``spec/`` as of ``revision`` into ``destination``; returns the commit id."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
            cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except subprocess.CalledProcessError:
        raise DiffError(
            f"git does not know the revision {revision!r}",
            "name a branch, tag or commit (`git log --oneline`); in CI fetch the target branch "
            "(actions/checkout with fetch-depth: 0)",
        ) from None
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "spec"], cwd=REPO_ROOT, capture_output=True)
    if archive.returncode != 0:
        raise DiffError(
            f"{revision} ({commit[:12]}) has no spec/ folder: {archive.stderr.decode(errors='replace').strip()}",
            "diff against a revision that has the spec (e.g. origin/main)",
        )
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    return commit


def snapshot_worktree(destination: Path, source: Path = REPO_ROOT) -> None:
    """Copy the working tree's ``spec/`` (without TLC's scratch) into ``destination``."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source / "spec", destination / "spec", ignore=shutil.ignore_patterns("states", "*_TTrace_*"))


# ------------------------------------------------------------------ runs


def symmetry_groups(config: Path) -> tuple[tuple[str, ...], ...]:
    """The model values TLC may permute: MCZswap's Symmetry, if the config uses one."""
    if not re.search(r"^\s*SYMMETRY\b", re.sub(r"\\\*[^\n]*", "", config.read_text()), re.MULTILINE):
        return ()
    constants = config_constants(config)
    return tuple(constants.get(name, ()) for name in ("Tasks", "Shrinkers", "Slots", "Versions"))


_CFG_KEYWORDS = tlc_config.SECTION_START
_CHECKED_ONLY = tlc_config.CHECKS


def graph_config(config_text: str) -> str:
    """A config that explores the same graph and checks nothing (no invariant, no property).

    The graph depends on the constants, the initial states, the next-state
    relation, the symmetry and any state constraint, never on what is
    checked: dropping the checks makes the run faster (no liveness pass) and
    lets models that differ only in their properties share one graph.
    """
    kept: list[str] = []
    dropping = False
    for line in re.sub(r"\\\*[^\n]*", "", config_text).splitlines():
        keyword = _CFG_KEYWORDS.match(line)
        if keyword:
            dropping = keyword.group(1) in _CHECKED_ONLY
        if not dropping and line.strip():
            kept.append(line.rstrip())
    return "\n".join(kept) + "\n"


def checked_on_a_tableau(run: TlcRun) -> bool:
    """Whether TLC checked temporal properties (on the product with a tableau: its dump is not the graph)."""
    return any(message.code == CHECKING_TEMPORAL_PROPERTIES for message in run.output.messages)


@dataclass(frozen=True)
class Explored:
    """TLC's part of one model in one version: the outcome and the dump of the whole state graph."""

    verdict: str
    dot: Path
    seconds: float  # TLC's wall time (the original runs' for cached ones)
    cached: bool  # every run it took came from gen.bridge.cache


def explore(model: Model, scratch: Path, *, fresh: bool = False, jobs: int = 1) -> Explored:
    """Run ``model`` for its outcome and its complete state graph (safe to call from threads).

    One TLC run for most models: its own config with ``-continue`` (TLC
    reports the first violation, the one ``make check`` finds, and explores
    on; action properties included) and ``-dump dot,actionlabels``; the dump
    is the same bytes as that of a config that checks nothing (measured on
    ``none``).  A second run, with :func:`graph_config` (which models of the
    same graph share through the cache), when TLC checked temporal
    properties (it dumps the product with the tableau: ``lru_remove_fault_cost``
    55 MB against 19 MB) or checks deadlock (it stops at one even with
    ``-continue``).  One worker: with more, TLC's counts of models with a
    VIEW and symmetry depend on the order it explores in.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    dot = (scratch / f"{model.name}.dot").resolve()
    base = run_options(model, jobs=jobs)
    if model.check_deadlock:  # the run make check does (the same cache entry), then the graph
        checked = cached_run(base, fresh=fresh)
    else:
        continued = replace(base, extra_args=(*base.extra_args, "-continue"), dump_dot=dot, label=f"{model.name}-all")
        checked = cached_run(continued, fresh=fresh)
    if error_for(checked.outcome) is not None or (not model.check_deadlock and not dot.exists()):
        _fail(model, checked.outcome)
    if not model.check_deadlock and not checked_on_a_tableau(checked):
        return Explored(checked.outcome.verdict, dot, checked.wall_seconds, checked.cached)
    config = scratch / f"{model.name}.graph.cfg"
    config.write_text(graph_config(model.config.read_text()))  # in this run's own scratch, never the tree
    graphed = cached_run(
        replace(base, config=config, extra_args=(), check_deadlock=False, dump_dot=dot, label=f"{model.name}-graph"),
        fresh=fresh,
    )
    if not isinstance(graphed.outcome, Success) or not dot.exists():
        _fail(model, graphed.outcome)
    return Explored(
        checked.outcome.verdict, dot, checked.wall_seconds + graphed.wall_seconds, checked.cached and graphed.cached
    )


def _fail(model: Model, outcome: Outcome) -> NoReturn:
    raise DiffError(
        f"{model.name} ({model.config}): TLC failed while exploring the state graph: {outcome}",
        f"run `python -m gen run --spec {model.spec} --config {model.config}` to see TLC's whole message",
    )


def load_graph(dot: Path) -> StateGraph:
    """Parse TLC's dump; a dump that is not one is a DiffError that says what to do."""
    try:
        return read_dot(dot)
    except DotError as error:
        raise DiffError(
            f"the state graph TLC dumped is unreadable: {error}",
            "run the diff again with --fresh (a cached dump may be damaged: `rm -rf build/cache/tlc` clears "
            "the cache); if it happens again, report it with that file",
        ) from None


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def version_of(model: Model, explored: Explored, graph: StateGraph) -> Version:
    return Version(
        verdict=explored.verdict,
        distinct_states=len(graph.states),
        edges=len(graph.edges),
        actions=frozenset(edge.action for edge in graph.edges),
        graph=graph,
        symmetry=symmetry_groups(model.config),
        seconds=explored.seconds,
        cached=explored.cached,
    )


def model_fingerprint(model: Model, *, config_text: str | None = None) -> str:
    """A digest of everything TLC reads for ``model``: the .tla files beside its spec, its config, its entry."""
    digest = hashlib.sha256(spec_files_digest(model.spec).encode() + b"\0")
    digest.update((config_text.encode() if config_text is not None else model.config.read_bytes()) + b"\0")
    entry = (model.spec.name, model.mode, model.check_deadlock, model.extra_args, model.timeout_seconds)
    digest.update(repr(entry).encode())
    return digest.hexdigest()


def exhaustive_models(spec_root: Path, tier: str) -> dict[str, Model]:
    """The manifest's exhaustive models; none when that version has no manifest yet."""
    path = spec_root / "spec" / "models.json"
    if not path.exists():
        return {}
    manifest = load_manifest(path)
    return {m.name: m for m in manifest.models if m.mode == "exhaustive" and in_tier(m, tier)}


def diff_specs(
    base_root: Path,
    head_root: Path,
    *,
    tier: str = "fast",
    only: Sequence[str] = (),
    bound: int = DEFAULT_BOUND,
    stderr: TextIO = sys.stderr,
    jobs: int = 1,
    fresh: bool = False,
) -> list[ModelDiff]:
    """Compare the models of two spec snapshots (folders holding ``spec/``)."""
    base_models = exhaustive_models(base_root, tier)
    head_models = exhaustive_models(head_root, tier)
    names = sorted(set(base_models) | set(head_models))
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise DiffError(
                f"no exhaustive {tier} model named {', '.join(unknown)} in either version",
                f"pick from: {', '.join(names)}",
            )
        names = [n for n in names if n in only]
    changed = []
    diffs: list[ModelDiff] = []
    for name in names:
        if name in base_models and name in head_models:
            if model_fingerprint(base_models[name]) == model_fingerprint(head_models[name]):
                # Same inputs, same graph: a pull request that touches only gen/
                # or another model costs nothing here.
                diffs.append(ModelDiff(name, None, None, unchanged=True))
                continue
        changed.append(name)
    slots = max(1, jobs)
    sides = {"base": (base_models, base_root), "head": (head_models, head_root)}
    work = [(name, side) for name in changed for side in sides if name in sides[side][0]]

    def measured(item: tuple[str, str]) -> float:
        runtime = sides[item[1]][0][item[0]].runtime
        return runtime.seconds if runtime is not None else 0.0

    def run(item: tuple[str, str]) -> Explored:
        name, side = item
        models, root = sides[side]
        explored = explore(models[name], root / "graphs", fresh=fresh, jobs=slots)
        took = "cache" if explored.cached else f"{explored.seconds:.0f} s"
        print(f"{name} ({side}): {explored.verdict} ({took})", file=stderr, flush=True)
        return explored

    with stopping_tlc_on_termination(), ThreadPoolExecutor(max_workers=slots) as pool:
        # Longest first, so the comparisons below wait on the TLC runs as little as possible.
        futures = {item: pool.submit(run, item) for item in sorted(work, key=lambda item: -measured(item))}
        try:
            for name in changed:
                diffs.append(compare_versions(name, base_models, head_models, futures, bound))
        except BaseException:
            for future in futures.values():
                future.cancel()
            stop_every_tlc()
            raise
    return sorted(diffs, key=lambda d: d.name)


def compare_versions(
    name: str,
    base_models: dict[str, Model],
    head_models: dict[str, Model],
    futures: dict[tuple[str, str], Future[Explored]],
    bound: int,
) -> ModelDiff:
    """Parse both versions' graphs (once when their dumps are the same bytes) and search for differences."""
    explored = {side: futures[(name, side)].result() for side in ("base", "head") if (name, side) in futures}
    started = time.monotonic()  # the comparison's own time: parsing and searching, not waiting for TLC
    digests = {side: file_digest(found.dot) for side, found in explored.items()}
    graphs: dict[str, StateGraph] = {}
    versions: dict[str, Version] = {}
    for side, found in explored.items():
        models = base_models if side == "base" else head_models
        if digests[side] not in graphs:
            graphs[digests[side]] = load_graph(found.dot)
        found.dot.unlink()  # can be hundreds of MB; the parsed graph is all we need
        versions[side] = version_of(models[name], found, graphs[digests[side]])
    base, head = versions.get("base"), versions.get("head")
    added = removed = None
    added_words: tuple[tuple[str, ...], ...] = ()
    removed_words: tuple[tuple[str, ...], ...] = ()
    same_graph = base is not None and head is not None and digests["base"] == digests["head"]
    if same_graph:
        # The same graph, byte for byte: the same behaviours, no search needed.
        added = removed = SearchResult((), bound, True, 0)
    elif base is not None and head is not None:
        assert base.graph is not None and head.graph is not None
        head_lts, base_lts = Lts.of(head.graph), Lts.of(base.graph)
        added = first_differences(head_lts, base_lts, bound=bound)
        removed = first_differences(base_lts, head_lts, bound=bound)
        added_words = tuple(tuple(witness_steps(head, d)) for d in added.differences)
        removed_words = tuple(tuple(witness_steps(base, d)) for d in removed.differences)
    return ModelDiff(
        name,
        replace(base, graph=None) if base else None,
        replace(head, graph=None) if head else None,
        added,
        removed,
        time.monotonic() - started,
        added_words=added_words,
        removed_words=removed_words,
        same_graph=same_graph,
    )


# ------------------------------------------------------------- rendering


def witness_steps(version: Version, difference: Difference) -> list[str]:
    """``difference`` as "actor Step slot" words, in one execution's names."""
    assert version.graph is not None, "witnesses are read while the graph is still in memory"
    path = difference.path
    renamings = permutations_of(version.symmetry)
    states = concrete_path(version.graph, path, renamings)
    trace = [StateStep("Init", states[0])] + [
        StateStep(name, state) for name, state in zip(difference.steps, states[1:])
    ]
    try:
        views = view_steps(trace)
    except TraceViewError:
        # States outside the contract's shape (an older spec): names only.
        return [("no step enabled" if name == STOPS else name) for name in difference.steps]
    words = [" ".join(part for part in (v.actor or "env", v.action, v.slot or "") if part) for v in views]
    if difference.steps[-1] == STOPS:
        words.append("no step enabled")
    return words


def _change(before: object, after: object) -> str:
    if before == after:
        return f"{before:,}" if isinstance(before, int) else str(before)
    if isinstance(before, int) and isinstance(after, int):
        return f"{before:,} → {after:,} ({after - before:+,})"
    return f"{before} → {after}"


def _timing(model: ModelDiff) -> str:
    """How long the model took: TLC per version (or that it came from the cache), then the comparison."""
    parts = [
        f"{side} {'cache' if version.cached else f'{version.seconds:.0f} s'}"
        for side, version in (("base", model.base), ("head", model.head))
        if version is not None
    ]
    parts.append("same graph, no search" if model.same_graph else f"compare {model.seconds:.0f} s")
    return ", ".join(parts)


def _actions(model: ModelDiff) -> str:
    if model.base is None or model.head is None:
        return ""
    added = sorted(model.head.actions - model.base.actions)
    removed = sorted(model.base.actions - model.head.actions)
    return " ".join([f"+{a}" for a in added] + [f"−{a}" for a in removed]) or "same"


def _witness_lines(words: Sequence[Sequence[str]], result: SearchResult) -> list[str]:
    lines = []
    for steps, difference in list(zip(words, result.differences))[:SHOWN]:
        lines.append(" → ".join(steps) + _others(difference))
    if len(result.differences) > SHOWN:
        lines.append(f"… and {len(result.differences) - SHOWN} more final steps")
    return lines


def _others(difference: Difference) -> str:
    """How many other sequences of the same length end in the same step (the witness shows all its steps).

    A lower bound: the search prunes sequences that another one subsumes.
    """
    if not difference.others:
        return ""
    total = difference.others + 1
    return f" (1 shown of at least {total} sequences of {len(difference.steps)} steps ending this way)"


def _scope(result: SearchResult | None, bound: int) -> str:
    if result is None:
        return ""
    if not result.complete:
        return f" (search stopped after {result.pairs:,} state pairs: differences beyond may be missing)"
    return ""


def render_markdown(diffs: Sequence[ModelDiff], base_label: str, bound: int) -> str:
    """The review as GitHub Markdown (build/review.md)."""
    lines = [
        "<!-- generated by `python -m gen diff`; regenerate with `make review BASE=...` -->",
        f"## Behaviour diff: `{base_label}` → working tree",
        "",
        "Behaviours are compared as sequences of step names from an initial state, up to "
        f"{bound} steps (whole graphs when shallower); each difference is the shortest "
        "sequence one version allows and the other does not, written as *actor step slot*.",
        "",
        "| model | outcome | states | edges | actions | time (TLC per version; comparison) |",
        "|---|---|---|---|---|---|",
    ]
    for model in diffs:
        if model.unchanged:
            continue
        if model.base is None or model.head is None:
            present = model.head or model.base
            assert present is not None
            status = "new model" if model.base is None else "removed model"
            lines.append(
                f"| {model.name} | {status}: {present.verdict} | {present.distinct_states:,} | {present.edges:,} "
                f"| | {_timing(model)} |"
            )
            continue
        lines.append(
            f"| {model.name} | {_change(model.base.verdict, model.head.verdict)} "
            f"| {_change(model.base.distinct_states, model.head.distinct_states)} "
            f"| {_change(model.base.edges, model.head.edges)} | {_actions(model)} | {_timing(model)} |"
        )
    for model in diffs:
        if model.base is None or model.head is None or model.added is None or model.removed is None:
            continue
        if not model.added.differences and not model.removed.differences:
            continue
        lines += ["", f"### {model.name}"]
        for title, words, result in (
            ("Only the working tree allows", model.added_words, model.added),
            (f"Only `{base_label}` allows", model.removed_words, model.removed),
        ):
            if result.differences:
                lines += ["", f"{title}{_scope(result, bound)}:", ""]
                lines += [f"{n}. {line}" for n, line in enumerate(_witness_lines(words, result), 1)]
    same = [
        m.name
        for m in diffs
        if m.added is not None and m.removed is not None and not m.added.differences and not m.removed.differences
    ]
    if same:
        lines += ["", f"Same behaviours (up to {bound} steps): {', '.join(same)}."]
    unchanged = [m.name for m in diffs if m.unchanged]
    if unchanged:
        lines += ["", f"Unchanged (same spec, config and manifest entry; not run): {', '.join(unchanged)}."]
    return "\n".join(lines) + "\n"


def render_text(diffs: Sequence[ModelDiff], base_label: str, bound: int, *, colour_on: bool = False) -> str:
    """The review for a terminal: one block per model, lines under 80 columns where the data allow."""
    out = [f"behaviour diff: {base_label} -> working tree", f"(sequences of step names, up to {bound} steps)"]
    for model in diffs:
        if model.unchanged:
            continue
        out.append("")
        if model.base is None or model.head is None:
            present = model.head or model.base
            assert present is not None
            out.append(
                colour(model.name, "1", colour_on)
                + f": {'new' if model.base is None else 'removed'} model, {present.verdict}"
            )
            continue
        changed = bool(model.added.differences or model.removed.differences) if model.added and model.removed else False
        out.append(colour(model.name, "1;33" if changed else "1", colour_on) + f"  ({_timing(model)})")
        out.append(f"  outcome  {_change(model.base.verdict, model.head.verdict)}")
        out.append(f"  states   {_change(model.base.distinct_states, model.head.distinct_states)}")
        out.append(f"  edges    {_change(model.base.edges, model.head.edges)}")
        out.append(f"  actions  {_actions(model)}")
        for title, words, result, sign in (
            ("only the working tree allows", model.added_words, model.added, "+"),
            (f"only {base_label} allows", model.removed_words, model.removed, "-"),
        ):
            if result is not None and result.differences:
                out.append(f"  {title}{_scope(result, bound)}:")
                for line in _witness_lines(words, result):
                    for row in _wrap(line, f"    {sign} ", "      "):
                        out.append(colour(row, "32" if sign == "+" else "31", colour_on))
        if not changed:
            out.append("  behaviours: same")
    unchanged = [m.name for m in diffs if m.unchanged]
    if unchanged:
        out += ["", f"unchanged, not run ({len(unchanged)}):"]
        out += textwrap.wrap(", ".join(unchanged), width=80, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(out) + "\n"


def _wrap(line: str, first: str, rest: str, width: int = 80) -> list[str]:
    """Break a witness between its steps so rows fit ``width`` columns."""
    rows, current = [], first
    for index, word in enumerate(line.split(" → ")):
        piece = word if index == 0 else " → " + word
        if len(current) + len(piece) > width and current.strip():
            rows.append(current.rstrip())
            current = rest + piece.lstrip()
        else:
            current += piece
    rows.append(current)
    return rows


# --------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "base", metavar="BASE", help="git revision to compare the working tree's spec with (e.g. origin/main)"
    )
    parser.add_argument("--tier", choices=("fast", "deep", "all"), default="fast", help="which models (default: fast)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="only this model (repeatable)")
    parser.add_argument(
        "--bound", type=int, default=DEFAULT_BOUND, help=f"longest step sequence compared (default {DEFAULT_BOUND})"
    )
    parser.add_argument("--output", type=Path, default=REVIEW_MD, help="Markdown output (default build/review.md)")
    parser.add_argument(
        "--jobs", type=int, default=default_jobs(), help="cores: TLC runs side by side, one worker each (default: all)"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="run TLC even when build/cache/tlc/ holds the result; $GEN_FRESH=1 too"
    )


def main(args: argparse.Namespace, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    if args.bound < 1:
        raise DiffError(f"--bound {args.bound} is not a number of steps", "pass --bound 1 or more (default 100)")
    if args.jobs < 1:
        raise DiffError(f"--jobs {args.jobs} is not a number of cores", "pass --jobs 1 or more (default: every core)")
    # This run's own folder: two diffs at once in one clone share no snapshot and no dump.
    remove_orphans(DIFF_ROOT)
    scratch = owned_folder(DIFF_ROOT, "run-")
    try:
        base_root, head_root = scratch / "base", scratch / "head"
        commit = snapshot_revision(args.base, base_root)
        snapshot_worktree(head_root)
        started = time.monotonic()
        diffs = diff_specs(
            base_root,
            head_root,
            tier=args.tier,
            only=args.only,
            bound=args.bound,
            stderr=stderr,
            jobs=args.jobs,
            fresh=args.fresh,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    label = f"{args.base} ({commit[:12]})"
    write_text_atomically(args.output, render_markdown(diffs, label, args.bound))
    stdout.write(render_text(diffs, label, args.bound, colour_on=stdout.isatty()))
    run = sum(1 for d in diffs if not d.unchanged)
    print(
        f"{run} of {len(diffs)} models checked in both versions ({len(diffs) - run} unchanged) "
        f"in {time.monotonic() - started:.0f} s; Markdown in {args.output}",
        file=stderr,
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m gen.review.diff", description=__doc__.splitlines()[0])
    add_arguments(parser)
    try:
        sys.exit(main(parser.parse_args()))
    except BridgeError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(error.exit_status)
