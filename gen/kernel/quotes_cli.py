"""``python -m gen quotes``: the table of every kernel quote and where it stands in the kernel.

Exit status 1 when a quote fails (not found, outside its line range, no tag,
a malformed tag, a file the kernel does not have); each failure is then
printed with the quote and the nearest lines of the named file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from gen.kernel.quotes import QuoteResult, check_files, default_sources, installed_trees, renumber, suggest_sources
from gen.kernel.sources import KERNEL_PATHS, QUOTED_RELEASES, kernel_tree, release_of

QUOTE_WIDTH = 60


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="files to read (default: spec/Zswap.tla, spec/MCZswap.tla, conformance/*.py)",
    )
    parser.add_argument("--kernel-src", type=Path, help="an unpacked 6.12 tree to use instead of the tarball")
    parser.add_argument(
        "--renumber",
        action="store_true",
        help="rewrite the line numbers of tags whose quotes moved to the installed tree's lines "
        "(after Debian ships another 6.12 stable release; then set QUOTED_RELEASES in gen/kernel/sources.py)",
    )
    parser.add_argument(
        "--suggest",
        action="store_true",
        help="for each untagged quote, say where it stands in 6.12 (or the nearest lines)",
    )


def main(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    files = list(args.files) or default_sources()
    trees = installed_trees(args.kernel_src)
    results = check_files(files, trees)
    if getattr(args, "renumber", False):
        changed = renumber(results, trees)
        for file, count in sorted(changed.items()):
            print(f"{file}: {count} tag(s) renumbered", file=stdout)
        release = release_of(kernel_tree(kernel_src=args.kernel_src).root)
        if changed and release and release != QUOTED_RELEASES.get("6.12"):
            print(f"now set QUOTED_RELEASES['6.12'] = {release!r} in gen/kernel/sources.py", file=stdout)
        results = check_files(files, trees)
    stdout.write(render_table(results))
    failures = [r for r in results if r.outcome.fails]
    if failures:
        stdout.write("\n" + render_failures(failures))
    if args.suggest:
        stdout.write("\n" + render_suggestions(results, args.kernel_src))
    counts = {o: sum(r.outcome is o for r in results) for o in dict.fromkeys(r.outcome for r in results)}
    summary = ", ".join(f"{n} {o.value}" for o, n in counts.items()) or "no quotes"
    print(f"\n{len(results)} quotes: {summary}", file=stdout)
    return 1 if failures else 0


def _short(text: str) -> str:
    return text if len(text) <= QUOTE_WIDTH else text[: QUOTE_WIDTH - 3] + "..."


def render_table(results: Sequence[QuoteResult]) -> str:
    rows = [("location", "claimed source", "result", "quote")]
    for r in results:
        claimed = f"[{r.quote.tag.text}]" if r.quote.tag else "-"
        result = f"{r.outcome.value} {r.where}" if r.outcome.fails or r.outcome.value != "found" else r.where
        rows.append((f"{r.quote.file}:{r.quote.line}", claimed, result, _short(r.quote.text)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def render_failures(failures: Sequence[QuoteResult]) -> str:
    out: list[str] = []
    for r in failures:
        out.append(f"{r.quote.file}:{r.quote.line}: {r.outcome.value}: {r.where}")
        out.append(f'    quote:   "{r.quote.text}"')
        if r.nearest is not None:
            span = f"{r.nearest.first_line}" + (
                f"-{r.nearest.last_line}" if r.nearest.last_line != r.nearest.first_line else ""
            )
            out.append(f"    nearest: {r.nearest_file}:{span} ({r.nearest.ratio:.0%} alike):")
            out.extend(f"      {line}" for line in r.nearest.text.split("\n"))
    return "\n".join(out) + "\n"


def render_suggestions(results: Sequence[QuoteResult], kernel_src: Path | None) -> str:
    tree = kernel_tree(kernel_src=kernel_src)
    c_files = [p for p in default_paths_with_code()]
    hints = suggest_sources(results, tree.root, c_files)
    lines = ["where the untagged quotes stand in 6.12:"]
    lines += [f"{results[i].quote.file}:{results[i].quote.line}: {hint}" for i, hint in sorted(hints.items())]
    return "\n".join(lines) + "\n"


def default_paths_with_code() -> list[str]:
    """The single C files and headers of the table (not the harness trees)."""
    return [p for p, _why in KERNEL_PATHS if not p.endswith("/")]
