"""TLC model files (.cfg): the one module that reads and writes them.

TLC's config language (its keywords, ``name = value`` and ``name <- op``
under CONSTANT(S)) is known here only; the reference implementation reads a
model's constants with it and the generators derive their configs with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.values import ModelValue


class ConfigError(ValueError):
    """A constant is missing, or has a value the model does not know or TLC's config language does not allow."""


# Every keyword that starts a section of a TLC config file (TLC 2.15).
KEYWORDS = frozenset(
    {
        "CONSTANT", "CONSTANTS", "INIT", "NEXT", "SPECIFICATION", "INVARIANT", "INVARIANTS",
        "PROPERTY", "PROPERTIES", "SYMMETRY", "VIEW", "CONSTRAINT", "CONSTRAINTS",
        "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS", "TYPE", "TYPE_CONSTRAINT", "ALIAS",
        "POSTCONDITION", "CHECK_DEADLOCK",
    }
)  # fmt: skip
# A line that opens a section: group 1 is its keyword.
SECTION_START = re.compile(r"^\s*(" + "|".join(sorted(KEYWORDS, key=len, reverse=True)) + r")\b")
# What only checks a graph, never shapes it.
CHECKS = frozenset({"INVARIANT", "INVARIANTS", "PROPERTY", "PROPERTIES"})
_SECTION = SECTION_START
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(=|<-)\s*")


# Both spellings of a section keyword name one section.
_SINGULAR = {
    "INVARIANTS": "INVARIANT", "PROPERTIES": "PROPERTY", "CONSTANTS": "CONSTANT",
    "CONSTRAINTS": "CONSTRAINT", "ACTION_CONSTRAINTS": "ACTION_CONSTRAINT",
}  # fmt: skip


def _without_comments(text: str) -> str:
    """A .cfg's text without its ``\\*`` line comments and ``(* *)`` block comments."""
    text = re.sub(r"\\\*.*", "", text)
    return re.sub(r"\(\*.*?\*\)", "", text, flags=re.S)


def config_sections(text: str) -> dict[str, tuple[str, ...]]:
    """The words of each section of a .cfg, comments dropped, a section's two spellings and repeats merged
    (keyed by the singular keyword: ``INVARIANT``, ``PROPERTY``, ``CONSTANT``, ...)."""
    text = _without_comments(text)
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for word in text.split():
        if word in KEYWORDS:
            current = _SINGULAR.get(word, word)
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(word)
    return {name: tuple(words) for name, words in sections.items()}


def parse_cfg_constants(text: str) -> dict[str, object]:
    """The ``name = value`` assignments of a .cfg's CONSTANT(S) sections.

    Values: numbers, strings, model values (bare identifiers) and sets of
    those, as TLC's config language allows.  ``name <- def`` substitutions
    are left to :func:`parse_cfg_substitutions`.
    """
    return _parse_cfg(text)[0]


def parse_cfg_substitutions(text: str) -> dict[str, str]:
    """The ``name <- operator`` substitutions of a .cfg's CONSTANT(S) sections."""
    return _parse_cfg(text)[1]


def _parse_cfg(text: str) -> tuple[dict[str, object], dict[str, str]]:
    text = _without_comments(text)
    constants: dict[str, object] = {}
    substitutions: dict[str, str] = {}
    in_constants = False
    body: list[str] = []
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            in_constants = match.group(1).startswith("CONSTANT")
        if in_constants:
            body.append(line[match.end() :] if match else line)
    source = " ".join(body)
    pos = 0
    while True:
        match = _ASSIGN.search(source, pos)
        if not match:
            break
        name, op = match.group(1), match.group(2)
        value, pos = _parse_value(source, match.end())
        if op == "=":
            constants[name] = value
        else:
            substitutions[name] = str(value)
    return constants, substitutions


_TOKEN = re.compile(r'\s*(?:(-?\d+)|"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_]*)|(\{)|(\}))')


def _parse_value(source: str, pos: int) -> tuple[object, int]:
    match = _TOKEN.match(source, pos)
    if not match:
        raise ConfigError(f"cannot parse a constant's value at {source[pos : pos + 30]!r}")
    number, string, ident, lbrace, _ = match.groups()
    pos = match.end()
    if number is not None:
        return int(number), pos
    if string is not None:
        return string, pos
    if ident is not None:
        if ident in ("TRUE", "FALSE"):
            return ident == "TRUE", pos
        return ident, pos  # a model value; its name is what the Config keeps
    if lbrace is None:
        raise ConfigError(f"unexpected '}}' at {source[pos - 1 : pos + 30]!r}")
    items: list[object] = []
    while True:
        close = re.compile(r"\s*\}").match(source, pos)
        if close:
            return frozenset(items), close.end()
        item, pos = _parse_value(source, pos)
        items.append(item)
        comma = re.compile(r"\s*,").match(source, pos)
        if comma:
            pos = comma.end()


_SET = re.compile(r"^\s*(\w+)\s*=\s*\{([^}]*)\}", re.MULTILINE)
_STRING = re.compile(r'^\s*(\w+)\s*=\s*"([^"]*)"', re.MULTILINE)


def config_constants(config: Path) -> dict[str, Any]:
    """The set- and string-valued constants of a TLC config (``Tasks``, ``VARIANT``, ...)."""
    text = re.sub(r"\\\*[^\n]*", "", config.read_text())
    constants: dict[str, Any] = {}
    for name, body in _SET.findall(text):
        constants[name] = tuple(item.strip().strip('"') for item in body.split(",") if item.strip())
    for name, value in _STRING.findall(text):
        constants[name] = value
    return constants


def format_constant(value: object) -> str:
    """A constant's value in TLC's config language: sets keep a tuple's order, a frozenset's is sorted."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, ModelValue):
        return value.name
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "{" + ", ".join(format_constant(item) for item in value) + "}"
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(format_constant(item) for item in value)) + "}"
    raise ConfigError(f"{value!r} has no form in TLC's config language")


def config_text(
    constants: Sequence[tuple[str, object]],
    *,
    init: str = "Init",
    next_: str = "Next",
    substitutions: Sequence[tuple[str, str]] = (),
) -> str:
    """A TLC config: these CONSTANTS (in this order) and ``name <- op`` substitutions, then INIT and NEXT."""
    lines = [
        "CONSTANTS",
        *(f"    {name} = {format_constant(value)}" for name, value in constants),
        *(f"    {name} <- {op}" for name, op in substitutions),
    ]
    return "\n".join([*lines, f"INIT {init}", f"NEXT {next_}"]) + "\n"


def line_naming(text: str, word: str) -> int | None:
    """The 1-based number of the first line of a config's ``text`` that names ``word`` outside a comment.

    TLC 2.15 names the word it rejects ("The invariant X specified in the
    configuration file is not defined") but not its line; this finds it.
    """
    pattern = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])")
    in_block_comment = False
    for number, line in enumerate(text.splitlines(), 1):
        visible = ""
        rest = line
        while rest:
            if in_block_comment:
                end = rest.find("*)")
                if end < 0:
                    rest = ""
                    break
                rest, in_block_comment = rest[end + 2 :], False
                continue
            starts = [i for i in (rest.find("(*"), rest.find("\\*")) if i >= 0]
            if not starts:
                visible += rest
                break
            cut = min(starts)
            visible += rest[:cut]
            if rest.startswith("(*", cut):
                rest, in_block_comment = rest[cut + 2 :], True
            else:
                break  # \* runs to the end of the line
        if pattern.search(visible):
            return number
    return None
