"""Finding a quoted C fragment in a kernel file, white space aside, and the nearest lines when it is not there.

Both sides are normalised the same way: every run of white space (line
breaks included) becomes one space, and that space is dropped unless it
stands between two word characters, so ``foo (a,\\n  b);`` and
``foo(a, b);`` are equal.  `` ... `` in a quote omits code: its pieces must
appear in that order, within the tag's line range (two lines of tolerance)
or, without a range, each within :data:`GAP_LINES` of the one before.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["GAP_LINES", "RANGE_TOLERANCE", "Found", "NearestLines", "locate", "locate_nearest", "nearest", "normalise"]

GAP_LINES = 60
RANGE_TOLERANCE = 2
_OMISSION = re.compile(r"\s*\.\.\.\s*")
_WORD = re.compile(r"[A-Za-z_]\w*")
_SHORTLIST = 200


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def normalise(text: str) -> str:
    return _normalise_with_lines(text)[0]


def _normalise_with_lines(text: str) -> tuple[str, tuple[int, ...]]:
    """The normalised text and, for each of its characters, the 1-based line it came from."""
    out: list[str] = []
    lines: list[int] = []
    line = 1
    pending_space = False
    for ch in text:
        if ch.isspace():
            if ch == "\n":
                line += 1
            pending_space = bool(out)
            continue
        if pending_space and _is_word(out[-1]) and _is_word(ch):
            out.append(" ")
            lines.append(line)
        pending_space = False
        out.append(ch)
        lines.append(line)
    return "".join(out), tuple(lines)


@dataclass(frozen=True)
class _NormalisedFile:
    text: str
    line_of: tuple[int, ...]
    raw_lines: tuple[str, ...]


@lru_cache(maxsize=64)
def _load(path: Path) -> _NormalisedFile:
    raw = path.read_text(encoding="utf-8", errors="replace")
    text, line_of = _normalise_with_lines(raw)
    return _NormalisedFile(text, line_of, tuple(raw.split("\n")))


def pieces(quote: str) -> list[str]:
    """The quote's fragments between `` ... `` omissions, normalised (empty ones dropped)."""
    return [normalise(piece) for piece in _OMISSION.split(quote) if normalise(piece)]


@dataclass(frozen=True)
class Found:
    first_line: int
    last_line: int


def locate(path: Path, quote: str, line_range: tuple[int, int] | None = None) -> Found | None:
    """Where all the quote's pieces stand in order (the first such place), within ``line_range`` if given."""
    source = _load(path)
    wanted = pieces(quote)
    if not wanted:
        return None
    low, high = (line_range[0] - RANGE_TOLERANCE, line_range[1] + RANGE_TOLERANCE) if line_range else (1, 1 << 30)
    start = source.text.find(wanted[0])
    while start >= 0:
        found = _rest_in_order(source, wanted, start, low, high, bounded=line_range is not None)
        if found is not None:
            return found
        start = source.text.find(wanted[0], start + 1)
    return None


def locate_nearest(path: Path, quote: str, line: int) -> Found | None:
    """Of every place the quote stands (pieces in order, as :func:`locate` without a range), the one nearest ``line``."""
    source = _load(path)
    wanted = pieces(quote)
    if not wanted:
        return None
    best: Found | None = None
    start = source.text.find(wanted[0])
    while start >= 0:
        found = _rest_in_order(source, wanted, start, 1, 1 << 30, bounded=False)
        if found is not None and (best is None or abs(found.first_line - line) < abs(best.first_line - line)):
            best = found
        start = source.text.find(wanted[0], start + 1)
    return best


def _rest_in_order(
    source: _NormalisedFile, wanted: Sequence[str], start: int, low: int, high: int, *, bounded: bool
) -> Found | None:
    first_line = source.line_of[start]
    end = start + len(wanted[0])
    last_line = source.line_of[end - 1]
    if not low <= first_line <= last_line <= high:
        return None
    for piece in wanted[1:]:
        limit_line = high if bounded else last_line + GAP_LINES
        at = source.text.find(piece, end)
        if at < 0 or source.line_of[at] > limit_line:
            return None
        end = at + len(piece)
        last_line = source.line_of[end - 1]
        if last_line > limit_line:
            return None
    return Found(first_line, last_line)


@dataclass(frozen=True)
class NearestLines:
    first_line: int
    last_line: int
    ratio: float
    text: str  # the file's lines as they are, for the reader


def nearest(path: Path, quote: str) -> NearestLines | None:
    """The window of lines (one to a few) most like the quote's first missing piece, by difflib's ratio.

    difflib over every window of a 6,000-line file takes minutes; windows are
    first ranked by the identifiers they share with the quote (a set
    intersection), and only the best :data:`_SHORTLIST` get the full ratio.
    """
    source = _load(path)
    wanted = pieces(quote)
    target = next((p for p in wanted if p not in source.text), wanted[0] if wanted else "")
    if not target:
        return None
    words = set(_WORD.findall(target))
    line_words = [set(_WORD.findall(line)) for line in source.raw_lines]
    scored: list[tuple[int, int, int]] = []  # (shared identifiers, -width, first index)
    for width in range(1, 5):
        for first in range(len(line_words) - width + 1):
            shared = len(words & set().union(*line_words[first : first + width]))
            if shared:
                scored.append((shared, -width, first))
    scored.sort(reverse=True)
    best: NearestLines | None = None
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(target)
    for _shared, negative_width, first in scored[:_SHORTLIST]:
        width = -negative_width
        matcher.set_seq1(normalise(" ".join(source.raw_lines[first : first + width])))
        ratio = matcher.ratio()
        if best is None or ratio > best.ratio:
            best = NearestLines(first + 1, first + width, ratio, "\n".join(source.raw_lines[first : first + width]))
    return best
