"""Finding the kernel quotes in the project's comments, and their provenance tags (spec/README.md, "Kernel quotes").

A comment paragraph (consecutive comment lines; a blank comment line or a
line without a comment ends it) is joined into one text, each line's comment
prefix stripped (``\\*``, ``(*``/``*)``/``*`` box borders in TLA+, ``#`` in
Python, ``//``, ``/*``/``*/`` and the leading ``*`` of a block's lines in C).  In it, a tag ``[...]`` names the source of the double-quoted
fragments after it, up to the next tag or the paragraph's end:

- ``[6.12 PATH]``, ``[6.12 PATH:LINE]``, ``[6.12 PATH:FIRST-LAST]`` (also
  ``6.1``): checked against that Debian kernel;
- ``[vX.Y COMMIT PATH]`` (``vX.Y-rcN`` too; COMMIT has 12+ hex digits, PATH
  is optional): older code, listed as unverified-by-source;
- ``[patch <MESSAGE-ID> PATH]`` (PATH optional): a posted patch, likewise.

A fragment is a *C quote*, which must have a tag, when it contains one of
:data:`C_MARKERS`; other quoted words (step names, "tail") are prose.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["C_MARKERS", "Quote", "Tag", "TagError", "comment_lines", "find_quotes", "is_c_quote", "parse_tag"]

C_MARKERS = ("(", ";", "->", "==", "!=", "&&", "||", "{")

VERIFIED_VERSIONS = ("6.12", "6.1")
_PATH = r"(?P<path>[\w./+-]+?)"
_VERIFIED = re.compile(r"(?P<version>6\.12|6\.1) " + _PATH + r"(?::(?P<first>\d+)(?:-(?P<last>\d+))?)?")
_COMMIT = re.compile(r"(?P<version>v\d+\.\d+(?:-rc\d+)?) (?P<commit>[0-9a-f]{12,40})(?: " + _PATH + r")?")
_PATCH = re.compile(r"patch <(?P<message_id>[^<>\s]+)>(?: " + _PATH + r")?")
# What makes a bracketed text a tag at all (so "[PATCH v2 1/2]" is prose):
_TAG_START = re.compile(r"\[(?=(?:\d+\.\d+|v\d+\.\d+|patch <))")


@dataclass(frozen=True)
class Tag:
    """Where a quote comes from: a verifiable Debian kernel, or an older commit or patch mail."""

    text: str  # as written, without the brackets
    version: str  # "6.12", "6.1", "v6.8", "patch"
    path: str | None
    first_line: int | None = None
    last_line: int | None = None
    commit: str | None = None
    message_id: str | None = None

    @property
    def verifiable(self) -> bool:
        return self.version in VERIFIED_VERSIONS


class TagError(ValueError):
    """A bracketed text that starts like a tag but does not follow the grammar."""


def parse_tag(text: str) -> Tag:
    """``text`` is what stands between the brackets."""
    if match := _VERIFIED.fullmatch(text):
        first = int(match["first"]) if match["first"] else None
        last = int(match["last"]) if match["last"] else first
        if first is not None and last is not None and last < first:
            raise TagError(f"line range {first}-{last} runs backwards")
        return Tag(text, match["version"], match["path"], first, last)
    if match := _COMMIT.fullmatch(text):
        return Tag(text, match["version"], match["path"], commit=match["commit"])
    if match := _PATCH.fullmatch(text):
        return Tag(text, "patch", match["path"], message_id=match["message_id"])
    raise TagError(
        "not a tag: write [6.12 PATH:FIRST-LAST], [vX.Y COMMIT PATH] (12+ hex digits) or [patch <MESSAGE-ID> PATH]"
    )


def is_c_quote(text: str) -> bool:
    return any(marker in text for marker in C_MARKERS)


# ---------------------------------------------------------------- comments


@dataclass(frozen=True)
class CommentLine:
    line: int
    text: str  # the comment's words, prefix stripped; "" for a blank comment line
    after_code: bool = False  # a trailing comment: its line is code, so it starts a paragraph of its own


def comment_lines(path: Path, text: str) -> list[CommentLine | None]:
    """One entry per source line: its comment, or None where the line has none (which ends a paragraph)."""
    if path.suffix == ".py":
        return _python_comments(text)
    if path.suffix in (".c", ".h"):
        return _c_comments(text)
    return _tla_comments(text)


def _python_comments(text: str) -> list[CommentLine | None]:
    lines: list[CommentLine | None] = [None] * (text.count("\n") + 1)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            row = token.start[0]
            after_code = bool(token.line[: token.start[1]].strip())
            lines[row - 1] = CommentLine(row, token.string.lstrip("#").strip(), after_code)
    return lines


def _c_comments(text: str) -> list[CommentLine | None]:
    """C: ``//`` to the end of the line, and ``/* ... */`` blocks, outside string and character literals."""
    result: list[CommentLine | None] = []
    in_block = False
    for number, line in enumerate(text.split("\n"), start=1):
        parts: list[str] = []
        has_comment = in_block
        after_code = False
        start = 0  # where the block comment's text starts on this line
        i = 0
        literal = ""  # the quote character of a literal we are in
        while i < len(line):
            pair = line[i : i + 2]
            if in_block:
                if pair == "*/":
                    parts.append(line[start:i])
                    in_block = False
                    i += 2
                    continue
                i += 1
                continue
            if literal:
                if line[i] == "\\":
                    i += 2
                    continue
                if line[i] == literal:
                    literal = ""
            elif line[i] in "\"'":
                literal = line[i]
            elif pair == "//":
                has_comment, after_code = True, after_code or bool(line[:i].strip())
                parts.append(line[i + 2 :])
                break
            elif pair == "/*":
                has_comment, after_code = True, after_code or bool(line[:i].strip())
                in_block, start = True, i + 2
                i += 2
                continue
            i += 1
        if in_block:
            parts.append(line[start:])
        result.append(CommentLine(number, _strip_box(" ".join(parts)), after_code) if has_comment else None)
    return result


def _tla_comments(text: str) -> list[CommentLine | None]:
    """TLA+: ``\\*`` to the end of the line, and ``(* ... *)`` blocks (nested), outside strings."""
    result: list[CommentLine | None] = []
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        parts: list[str] = []
        has_comment = depth > 0
        i = 0
        current: list[str] = []
        in_string = False
        after_code = False
        while i < len(line):
            pair = line[i : i + 2]
            if depth == 0:
                if in_string:
                    if line[i] == "\\":
                        i += 2
                        continue
                    in_string = line[i] != '"'
                elif line[i] == '"':
                    in_string = True
                elif pair == "\\*":
                    has_comment, after_code = True, bool(line[:i].strip())
                    parts.append(line[i + 2 :])
                    break
                elif pair == "(*":
                    depth, has_comment, after_code = 1, True, bool(line[:i].strip())
                    i += 2
                    continue
                i += 1
                continue
            if pair == "(*":
                depth += 1
                i += 2
            elif pair == "*)":
                depth -= 1
                i += 2
                if depth == 0:
                    parts.append("".join(current))
                    current = []
            else:
                current.append(line[i])
                i += 1
        if depth > 0:
            parts.append("".join(current))
        result.append(CommentLine(number, _strip_box(" ".join(parts)), after_code) if has_comment else None)
    return result


def _strip_box(text: str) -> str:
    # Box borders: a line of stars, and the "*" some writers put at the start
    # of each line inside a block.
    stripped = text.strip()
    if stripped and set(stripped) <= {"*"}:
        return ""
    if stripped.startswith("* "):
        stripped = stripped[2:]
    return stripped.strip()


# ------------------------------------------------------------------ quotes


@dataclass(frozen=True)
class Quote:
    """A double-quoted fragment of a comment, and the tag in force where it stands."""

    file: Path
    line: int  # where the opening quote stands
    text: str
    tag: Tag | None
    tag_error: str | None = None  # a malformed tag in force


@dataclass(frozen=True)
class _Token:
    kind: str  # "tag" or "quote"
    offset: int
    text: str


def find_quotes(path: Path, text: str) -> list[Quote]:
    """Every double-quoted fragment in the comments of ``text``, each with its tag (or None)."""
    quotes: list[Quote] = []
    for paragraph in _paragraphs(comment_lines(path, text)):
        quotes.extend(_paragraph_quotes(path, paragraph))
    return quotes


def _paragraphs(lines: Sequence[CommentLine | None]) -> Iterator[list[CommentLine]]:
    paragraph: list[CommentLine] = []
    for entry in lines:
        if entry is not None and entry.after_code and paragraph:
            yield paragraph
            paragraph = []
        if entry is None or not entry.text:
            if paragraph:
                yield paragraph
            paragraph = []
        else:
            paragraph.append(entry)
    if paragraph:
        yield paragraph


def _paragraph_quotes(path: Path, paragraph: Sequence[CommentLine]) -> Iterator[Quote]:
    joined = ""
    starts: list[tuple[int, int]] = []  # (offset in joined, source line)
    for entry in paragraph:
        if joined:
            joined += " "
        starts.append((len(joined), entry.line))
        joined += entry.text

    def line_at(offset: int) -> int:
        return max(line for start, line in starts if start <= offset)

    tag: Tag | None = None
    tag_error: str | None = None
    for token in _tokens(joined):
        if token.kind == "tag":
            try:
                tag, tag_error = parse_tag(token.text), None
            except TagError as error:
                tag, tag_error = None, f"[{token.text}]: {error}"
        else:
            yield Quote(path, line_at(token.offset), token.text, tag, tag_error)


def _tokens(joined: str) -> Iterator[_Token]:
    i = 0
    while i < len(joined):
        if joined[i] == '"':
            end = i + 1
            while end < len(joined) and joined[end] != '"':
                end += 2 if joined[end] == "\\" else 1
            yield _Token("quote", i, joined[i + 1 : end].replace('\\"', '"'))
            i = end + 1
        elif _TAG_START.match(joined, i):
            end = joined.find("]", i)
            if end < 0:
                end = len(joined)
            yield _Token("tag", i, joined[i + 1 : end])
            i = end + 1
        else:
            i += 1
