"""``python -m gen report`` (``make report``): ``build/report.md`` for reviewers.

GitHub-flavoured Markdown for a pull-request comment or a job summary: the
table of models (what each shows, from the manifest; expected; actual;
states; depth; seconds; OK or MISMATCH), read from ``build/check.json``
(written by ``make check``), then one section per counterexample: a
Mermaid sequence diagram (:mod:`gen.review.mermaid`), the final state called out,
and a compact table of what changed at each step.

TLC's traces are not in check.json, so each model whose result is a
violation is run again (seconds each: TLC stops at the first violation)
and its trace is also written to ``build/traces/<model>.itf.json`` for the
CI artifact.  A counterexample that does not come back (TLC now says
something else) is listed in the report as not reproduced, and the command
exits 1.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from conformance.tlc_config import config_constants
from conformance.values import FnValue, ModelValue
from gen.bridge.checking import CHECK_JSON, CheckResult, format_table, run_options, terminal_width
from gen.bridge.errors import BridgeError
from gen.bridge.files import write_text_atomically
from gen.bridge.manifest import DEFAULT_MANIFEST, Model, load_manifest
from gen.bridge.no_verdict import error_for_run
from gen.bridge.outcomes import ErrorTrace, LassoKind
from gen.bridge.progress import Progress
from gen.bridge.tlc import REPO_ROOT, run_tlc
from gen.generators.itf import trace_json, write_itf
from gen.review.mermaid import MermaidRenderError, render, sequence_diagram
from gen.review.trace_view import (
    StateStep,
    StepView,
    describe_waits,
    view_steps,
    waits_in,
    writeback_skips_pinned_in,
)

REPORT_MD = REPO_ROOT / "build" / "report.md"
TRACES_DIR = REPO_ROOT / "build" / "traces"
VIOLATION = re.compile(r"(invariant|property):|deadlock$")


class ReportError(BridgeError):
    """The report cannot be written: no check results, or results the manifest does not know."""


@dataclass(frozen=True)
class Counterexample:
    model: Model
    verdict: str
    trace: ErrorTrace


@dataclass(frozen=True)
class Unreproduced:
    """A violation check.json records that TLC did not give again: ``verdict`` is what it said this time."""

    model: Model
    recorded: str
    verdict: str
    detail: str = ""  # the typed error's message when TLC gave no verdict


# --------------------------------------------------------------- config


def lifelines(model: Model, first_state: Mapping[str, Any]) -> list[str]:
    """Tasks, then shrinkers (the config's order), then any other actor of the state."""
    constants = config_constants(model.config)
    ordered = [*constants.get("Tasks", ()), *constants.get("Shrinkers", ())]
    in_state = sorted(getattr(actor, "name", str(actor)) for actor in first_state.get("stack", {}))
    return [a for a in ordered if a in in_state] + [a for a in in_state if a not in ordered]


def writeback_skips(model: Model) -> bool:
    """Whether writeback gives up on a held pin (Zswap.tla's SkipIfExists)."""
    return writeback_skips_pinned_in(model.config)


# ------------------------------------------------------------- sections


def _steps_of(trace: ErrorTrace) -> list[StateStep]:
    return [StateStep("Init" if n == 0 else s.action, s.variables) for n, s in enumerate(trace.states)]


def final_notes(example: Counterexample, steps: Sequence[StateStep]) -> list[str]:
    """What the last state shows: the property, who waits on whom, how a lasso loops."""
    kind, _, name = example.verdict.partition(":")
    notes = [f"{name} violated" if name else "deadlock: no step is enabled"]
    notes += describe_waits(waits_in(steps[-1].state, skip_if_exists=writeback_skips(example.model)))
    stale = stale_mapping(steps)
    if stale:
        notes.append(stale)
    lasso = example.trace.lasso
    if kind == "property" and lasso is None and len(steps) > 1:
        # An action property fails on one step: name it.
        last = view_steps(steps[-2:])[-1]
        who = f"{last.actor or 'env'} {last.action}" + (f" {last.slot}" if last.slot else "")
        notes.append(f"broken by step {len(steps) - 1}, {who}")
    if lasso is not None:
        if lasso.kind is LassoKind.STUTTERING:
            notes.append("then nothing happens forever (stuttering)")
        elif lasso.back_to is not None:
            # TLC numbers states from 1 (the initial state); the tables number steps.
            back = lasso.back_to - 1
            closing = f"{lasso.action} leads " if lasso.action else ""
            target = "the initial state" if back == 0 else f"the state after step {back}"
            notes.append(
                f"then {closing}back to {target}: steps {back + 1}–{len(steps) - 1} and that one repeat forever"
            )
    return notes


def stale_mapping(steps: Sequence[StateStep]) -> str | None:
    """ "t1 mapped v1, but its page is v2" when the last step mapped another page's data."""
    if len(steps) < 2 or steps[-1].action != "MapFolio":
        return None
    before, after = steps[-2].state, steps[-1].state
    stack_before, stack_after, cache = before["stack"], after["stack"], before["swap_cache"]
    if not (isinstance(stack_before, FnValue) and isinstance(stack_after, FnValue) and isinstance(cache, FnValue)):
        return None
    for actor, frames in stack_before.items():
        if frames and frames[-1]["fn"] == "do_swap_page" and stack_after[actor] != frames:
            frame = frames[-1]
            folio = cache[frame["slot"]]
            if isinstance(folio, FnValue) and folio["data"] != frame["page"]:
                return (
                    f"{_name(actor)} mapped {_name(folio['data'])}, but its page is {_name(frame['page'])}: stale data"
                )
    return None


def _name(value: Any) -> str:
    return value.name if isinstance(value, ModelValue) else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def changes_table(views: Sequence[StepView]) -> list[str]:
    lines = ["| # | actor | step | what changed |", "|---:|---|---|---|"]
    for view in views:
        changed = "<br>".join(_cell(str(change)) for change in view.changes) or "—"
        step = view.action + (f" {view.slot}" if view.slot else "")
        lines.append(f"| {view.number} | {view.actor or 'env'} | {_cell(step)} | {changed} |")
    return lines


def diagram(example: Counterexample) -> tuple[str, list[StepView], list[str]]:
    """The Mermaid text of a counterexample, its steps and its final-state notes."""
    steps = _steps_of(example.trace)
    views = view_steps(steps)
    notes = final_notes(example, steps)
    lasso = example.trace.lasso
    # TLC's state k is reached by step k - 1, so the loop's first step is back_to.
    loop_from = lasso.back_to if lasso is not None and lasso.back_to is not None else None
    text = sequence_diagram(lifelines(example.model, steps[0].state), views, notes, loop_from=loop_from)
    return text, views, notes


def counterexample_section(example: Counterexample) -> str:
    text, views, notes = diagram(example)
    lines = [
        f"### {example.model.name}: {example.verdict}",
        "",
        example.model.summary,
        "",
        "```mermaid",
        text.rstrip("\n"),
        "```",
        "",
        "**Final state:** " + "; ".join(notes) + ".",
        "",
        *changes_table(views),
    ]
    return "\n".join(lines) + "\n"


def models_table(manifest_models: Mapping[str, Model], results: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "| model | what it shows | expected | actual | states | depth | s | result |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    for row in results:
        model = manifest_models.get(row["model"])
        summary = model.summary if model else "(not in the manifest)"
        mark = "≥ " if row.get("counts_partial") else ""  # TLC stopped before its final count
        states = "—" if row.get("distinct_states") is None else f"{mark}{row['distinct_states']:,}"
        depth = "—" if row.get("depth") is None else f"{mark}{row['depth']}"
        status = "OK" if row["matches"] else "**MISMATCH**"
        lines.append(
            f"| {_cell(row['model'])} | {_cell(summary)} | `{row['expected']}` | `{row['actual']}` "
            f"| {states} | {depth} | {row['seconds']:.0f} | {status} |"
        )
    if any(row.get("counts_partial") for row in results):
        lines += ["", "≥: TLC was stopped before its final count; the counts are its last progress line's."]
    mismatches = [row for row in results if not row["matches"]]
    if mismatches:
        lines.append("")
        lines += [f"- **{row['model']}**: {_cell(row['why'])}" for row in mismatches]
    return lines


def unreproduced_section(missing: Sequence[Unreproduced]) -> list[str]:
    lines = [
        "## Counterexamples not reproduced",
        "",
        "build/check.json records these violations, but TLC did not find them again, so they are not drawn. "
        "Run `make check` again: the spec, its models or TLC changed since it wrote check.json.",
        "",
    ]
    for item in missing:
        said = f"`{item.verdict}`" + (f" ({_cell(item.detail)})" if item.detail else "")
        lines.append(f"- **{item.model.name}**: check.json says `{item.recorded}`; TLC now says {said}")
    return lines


def render_report(
    manifest_models: Mapping[str, Model],
    results: Sequence[Mapping[str, Any]],
    counterexamples: Sequence[Counterexample],
    unreproduced: Sequence[Unreproduced] = (),
) -> str:
    ok = sum(1 for row in results if row["matches"])
    lines = [
        "<!-- generated by `python -m gen report` from build/check.json; regenerate with `make report` -->",
        "## Spec check",
        "",
        f"{ok} of {len(results)} models as expected"
        + (f", **{len(results) - ok} MISMATCH**." if ok < len(results) else "."),
        "",
        *models_table(manifest_models, results),
    ]
    if counterexamples:
        lines += ["", "## Counterexamples", ""]
        lines.append(
            "One lifeline per actor and one for the shared structures; an arrow to them is a step "
            "that changed them, an arrow to itself a step that moved only the actor's own call stack."
        )
        for example in counterexamples:
            lines += ["", counterexample_section(example).rstrip("\n")]
    if unreproduced:
        lines += ["", *unreproduced_section(unreproduced)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------- inputs


def load_results(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ReportError(f"{path} not found: the report shows the results of `make check`", "run `make check` first")
    try:
        rows = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ReportError(f"{path} is not valid JSON ({error.msg})", "run `make check` again to rewrite it") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ReportError(f"{path} is not a list of model results", "run `make check` again to rewrite it")
    for number, row in enumerate(rows, 1):
        for field, types in _ROW_FIELDS.items():
            if field in row and _fits(row[field], types):
                continue
            name = row.get("model", f"#{number}")
            problem = f"has no {field!r}" if field not in row else f"has {field!r} = {row[field]!r}"
            raise ReportError(
                f"{path}: row {number} ({name}) {problem}",
                "run `make check` again to rewrite it (`make report` reads the rows this version of `make check` "
                "writes)",
            )
    return rows


def _fits(value: object, types: tuple[type, ...]) -> bool:
    # JSON true/false are Python bools, which are also ints: a count must not be one.
    return isinstance(value, types) and (isinstance(value, bool) == (bool in types))


# The fields of a check.json row (CheckResult.as_json) and the JSON types each may have.
_ROW_FIELDS: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "expected": (str,),
    "actual": (str,),
    "matches": (bool,),
    "distinct_states": (int, type(None)),
    "depth": (int, type(None)),
    "seconds": (int, float),
    "tier": (str,),
    "why": (str,),
}


def rerun_counterexample(
    model: Model, traces_dir: Path, stderr: TextIO | None = None, *, recorded: str | None = None
) -> Counterexample | Unreproduced:
    """Run ``model`` again for its trace; also saved as ``<model>.itf.json``.

    ``recorded`` is the violation check.json has (default: the manifest's expected one).
    """
    progress = Progress(f"{model.name} (trace)", stderr if stderr is not None else io.StringIO())
    try:
        run = run_tlc(run_options(model), on_message=progress.on_message)
    finally:
        progress.close()
    trace = run.output.trace
    verdict = run.outcome.verdict
    if trace is None or not VIOLATION.match(verdict):
        error = error_for_run(run)
        return Unreproduced(
            model, recorded or model.expected.result, verdict, " ".join(error.what.split())[:300] if error else ""
        )
    variables = sorted(trace.states[0].variables)
    meta = [{"action": s.action} for s in trace.states]
    loop = trace.lasso.back_to - 1 if trace.lasso and trace.lasso.back_to is not None else None
    document = trace_json(
        variables,
        [s.variables for s in trace.states],
        meta,
        {
            "source": str(model.config.relative_to(REPO_ROOT))
            if model.config.is_relative_to(REPO_ROOT)
            else model.config.name,
            "description": f"{model.name}: {verdict}",
        },
        loop,
    )
    write_itf(traces_dir / f"{model.name}.itf.json", document)
    return Counterexample(model, verdict, trace)


# --------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", type=Path, default=CHECK_JSON, help="check results (default build/check.json)")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="manifest (default spec/models.json)")
    parser.add_argument("--output", type=Path, default=REPORT_MD, help="where to write (default build/report.md)")
    parser.add_argument("--traces", type=Path, default=TRACES_DIR, help="where to save traces (default build/traces/)")
    parser.add_argument(
        "--png",
        action="append",
        default=[],
        metavar="MODEL=PATH",
        help="also render MODEL's diagram to PATH with mermaid-cli (e.g. none=docs/none-counterexample.png)",
    )


def main(args: argparse.Namespace, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    started = time.monotonic()
    results = load_results(args.results)
    manifest = {m.name: m for m in load_manifest(args.manifest).models}
    examples: list[Counterexample] = []
    unreproduced: list[Unreproduced] = []
    for row in results:
        model = manifest.get(row["model"])
        if model is None or not VIOLATION.match(row["actual"]):
            continue
        example = rerun_counterexample(model, args.traces, stderr, recorded=row["actual"])
        if isinstance(example, Unreproduced):
            unreproduced.append(example)
        else:
            examples.append(example)
    write_text_atomically(args.output, render_report(manifest, results, examples, unreproduced))
    by_name = {example.model.name: example for example in examples}
    for request in args.png:
        name, _, path = request.partition("=")
        if name not in by_name or not path:
            raise ReportError(
                f"--png {request!r}: no counterexample named {name!r} in this report",
                f"use MODEL=PATH with one of: {', '.join(sorted(by_name)) or '(none: no model failed)'}",
            )
        try:
            render(diagram(by_name[name])[0], Path(path))
        except MermaidRenderError as error:
            raise ReportError(
                str(error), "run `bash gen/mermaid-cli/install.sh`, or fix the diagram text shown"
            ) from None
        print(f"{path}: {name}'s diagram", file=stdout)
    # The same table `make check` prints (80 columns on a terminal), then where the report went.
    try:
        table = format_table(
            [CheckResult(**row) for row in results], colour_on=stdout.isatty(), width=terminal_width(stdout)
        )
    except TypeError:
        table = "(build/check.json is from another version of `make check`: run it again for the table)"
    print(table, file=stdout)
    print(
        f"{args.output}: {len(results)} models, {len(examples)} counterexamples ({time.monotonic() - started:.1f} s)",
        file=stdout,
    )
    if unreproduced:
        names = ", ".join(f"{item.model.name} (now {item.verdict})" for item in unreproduced)
        raise ReportError(
            f"{len(unreproduced)} counterexample(s) of {args.results} not reproduced: {names}; "
            f"{args.output} lists them",
            "run `make check` again: the spec, its models or TLC changed since it wrote check.json",
        )
    return 0
