"""Which guards of spec/Zswap.tla the properties defend, and which only the state counts do.

``python -m gen.tools.spec_mutants [--jobs N] [ACTION ...]`` deletes one guard
at a time (a top-level conjunct of an action that primes no variable and is
not UNCHANGED, replaced by TRUE; ``TopIs``/``WbTop`` are left alone: without
them the action reads a frame that is not there, an evaluation error that
says nothing about the protocol) and runs TLC on a panel of small models,
one conformance graph per variant and the two-task one.  Each result is one of:

* a property name: some model's property fails (the guard is defended);
* ``counts``: every model still succeeds but some distinct-state count or
  depth changed (only ``make check``'s comparison with spec/models.json
  notices; a property for that guard is what a reviewer would want);
* ``same``: nothing changes on the panel (the guard is implied by the
  others there, or matters only at a scale the panel does not reach);
* ``error``: TLC could not evaluate the mutated spec (an evaluation error).

The table is for spec/README.md ("What the properties catch").  The spec is
copied to a temporary folder per mutant; the real files are never touched.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conformance.steps import STEPS
from gen.bridge import paths
from gen.bridge.checking import compare, run_options
from gen.bridge.manifest import Model, load_manifest
from gen.bridge.outcomes import Success
from gen.bridge.tlc import run_tlc

PANEL = (
    "conf_none",
    "conf_skip_if_exists",
    "conf_lru_remove",
    "conf_swap_table",
    "conf_rotate",
    "conf_two_tasks",
    "conf_putback_head_2slots",
    # the paths of issue 10 and the worker's charge, one graph each
    "conf_rotate_worker",
    "conf_sync_io_skip_if_exists",
    "conf_sync_io_rotate",
    "conf_skip_if_exists_shared_loads",
    "conf_shared_rotate",
    "conf_swapoff_rotate",
)
# Guards that only say which frame the action belongs to.
FRAME_GUARD = re.compile(r"^(TopIs|WbTop)\(")
CONJUNCT = "    /\\ "


@dataclass(frozen=True)
class Guard:
    """One top-level guard conjunct of an action: its lines in Zswap.tla (0-based, end exclusive)."""

    action: str
    start: int
    end: int
    text: str  # the conjunct, on one line

    @property
    def name(self) -> str:
        return f"{self.action}: {self.text}"


def _definitions(spec_lines: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Each top-level ``Name(...) ==`` definition: its first line and the line after its body."""
    heads = [(i, m.group(1)) for i, line in enumerate(spec_lines) if (m := re.match(r"^(\w+)(\(.*?\))? ==", line))]
    spans = {}
    for start, name in heads:
        end = next(
            (i for i in range(start + 1, len(spec_lines)) if spec_lines[i] and not spec_lines[i][0].isspace()),
            len(spec_lines),
        )
        spans[name] = (start, end)
    return spans


def guards(spec_lines: Sequence[str], actions: Sequence[str]) -> Iterator[Guard]:
    """Every deletable guard of the named actions, in file order."""
    spans = _definitions(spec_lines)
    # Operators that prime a variable (Invalidate, SlotFreedWithPin, ...) are effects, not guards.
    priming = {
        name for name, (a, b) in spans.items() if any("'" in re.sub(r"\\\*.*", "", line) for line in spec_lines[a:b])
    }
    calls_priming = re.compile(r"\b(" + "|".join(sorted(priming)) + r")\b") if priming else None
    for action, (start, body_end) in spans.items():
        if action not in actions:
            continue
        starts = [i for i in range(start + 1, body_end) if spec_lines[i].startswith(CONJUNCT)]
        for first, after in zip(starts, [*starts[1:], body_end]):
            end = first + 1
            while end < after and spec_lines[end].startswith("      "):  # continuation lines
                end += 1
            code = " ".join(re.sub(r"\\\*.*", "", line).strip() for line in spec_lines[first:end])
            code = code.removeprefix("/\\ ").strip()
            if "'" in code or "UNCHANGED" in code or FRAME_GUARD.match(code):
                continue
            if calls_priming is not None and calls_priming.search(code):
                continue
            yield Guard(action, first, end, " ".join(code.split()))


def mutated(spec_lines: Sequence[str], guard: Guard) -> str:
    """The spec with ``guard`` replaced by TRUE (same line count, so TLC's line numbers still fit)."""
    lines = list(spec_lines)
    lines[guard.start] = CONJUNCT + "TRUE"
    for i in range(guard.start + 1, guard.end):
        lines[i] = ""
    return "\n".join(lines) + "\n"


def verdict(guard: Guard | None, panel: Sequence[Model], spec_lines: Sequence[str]) -> dict[str, str]:
    """Per model: "as expected", "counts", the violated property, or "error: ..."."""
    results: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="spec-mutant-") as temp:
        spec = Path(temp) / "spec"
        shutil.copytree(paths.SPEC_DIR, spec, ignore=shutil.ignore_patterns("*.json", "states", "*.out"))
        if guard is not None:
            (spec / "Zswap.tla").write_text(mutated(spec_lines, guard))
        for model in panel:
            options = dataclasses.replace(
                run_options(model),
                spec=spec / model.spec.name,
                config=spec / model.config.relative_to(paths.SPEC_DIR),
                timeout_seconds=300.0,
            )
            run = run_tlc(options, scratch_root=Path(temp) / "tlc")
            result = compare(model, run)
            if result.matches:
                results[model.name] = "as expected"
            elif isinstance(run.outcome, Success):
                results[model.name] = "counts"
            elif run.outcome.verdict.startswith(("invariant:", "action-property:", "property:")):
                name = run.outcome.verdict.split(":", 1)[1]
                results[model.name] = name
            else:
                results[model.name] = f"error: {run.outcome.verdict}"
    return results


def summary(results: dict[str, str]) -> str:
    """One word for a mutant: the properties that caught it, else counts, same or error."""
    caught = sorted({r for r in results.values() if r not in ("as expected", "counts") and not r.startswith("error")})
    if caught:
        return ", ".join(caught)
    if any(r.startswith("error") for r in results.values()):
        return sorted(r for r in results.values() if r.startswith("error"))[0]
    return "counts" if "counts" in results.values() else "same"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gen.tools.spec_mutants", description=__doc__.splitlines()[0])
    parser.add_argument("actions", nargs="*", help="only these actions (default: every step of conformance/steps.py)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants checked side by side (default 2)")
    args = parser.parse_args(argv)
    manifest = load_manifest()
    panel = [m for m in manifest.models if m.name in PANEL]
    spec_lines = paths.PROTOCOL.read_text().splitlines()
    found = list(guards(spec_lines, args.actions or list(STEPS)))
    baseline = verdict(None, panel, spec_lines)
    if set(baseline.values()) != {"as expected"}:
        print(f"the unmutated spec does not match spec/models.json on the panel: {baseline}", file=sys.stderr)
        return 2
    print(f"{len(found)} guards of {len({g.action for g in found})} actions; panel: {', '.join(PANEL)}", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda g: (g, verdict(g, panel, spec_lines)), found))
    print("| action | guard (deleted) | line | caught by |")
    print("|---|---|---|---|")
    for guard, results in outcomes:
        text = guard.text if len(guard.text) <= 60 else guard.text[:57] + "..."
        print(f"| `{guard.action}` | `{text}` | {guard.start + 1} | {summary(results)} |")
    words = [summary(r) for _, r in outcomes]
    print(
        f"\n{len(words)} guards: {sum(w not in ('counts', 'same') and not w.startswith('error') for w in words)} "
        f"caught by a property, {words.count('counts')} by the counts only, {words.count('same')} by nothing, "
        f"{sum(w.startswith('error') for w in words)} by TLC as errors"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
