"""The tagged kernel quotes in the harness's comments are the 6.12 tarball's text at those lines.

``// [6.12 mm/memory.c:4357] "ret |= folio_lock_or_retry(folio, vmf);"``: the
text (whitespace-insensitive, `` ... `` for omitted code) must occur in the
file within the tagged lines (a few lines of slack).  gen/kernel/quotes.py
checks the spec's and conformance/*.py's quotes; this covers the C and
headers of conformance/kernel/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent
TAG = re.compile(r'\[6\.12 ([\w/.-]+):(\d+)(?:-(\d+))?\]((?:\s*(?:\.\.\.)?\s*"(?:[^"\\]|\\.)*")+)')
SLACK = 3


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def tagged_quotes() -> list[tuple[str, int, str, int, int, list[str]]]:
    found = []
    for path in sorted(HERE.glob("*.[ch]")):
        text = path.read_text()
        # comments only: // to end of line, /* ... */ (joined, leading * stripped)
        comments = re.findall(r"//[^\n]*|/\*.*?\*/", text, flags=re.S)
        for comment in comments:
            body = re.sub(r"\n\s*\*", " ", comment)
            for m in TAG.finditer(body):
                parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(4))
                line = text[: text.find(comment)].count("\n") + 1
                first = int(m.group(2))
                found.append((path.name, line, m.group(1), first, int(m.group(3) or first), parts))
    return found


def test_there_are_quotes() -> None:
    assert len(tagged_quotes()) >= 15


def test_every_quote_is_at_its_line(kernel_harness: Path) -> None:
    tree = kernel_harness.parents[1] / "src" / "linux-source-6.12"
    if not tree.is_dir():
        pytest.skip(f"{tree} not extracted")
    wrong = []
    for name, line, path, first, last, parts in tagged_quotes():
        lines = (tree / path).read_text().splitlines()
        window = _norm("\n".join(lines[max(0, first - 1 - SLACK) : last + SLACK]))
        for part in parts:
            for piece in part.split(" ... "):
                if _norm(piece) not in window:
                    wrong.append(f"{name}:{line}: [6.12 {path}:{first}-{last}] {piece!r} is not there")
    assert not wrong, "\n".join(wrong)
