"""The constants of a model: the same ones spec/Zswap.tla declares.

A :class:`Config` is built either directly (tests, the simulator) or from the
CONSTANTS of a TLC model file (spec/models/*.cfg), which is how the generated
tests build the system a TLC state graph is replayed against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from gen.values import ModelValue

VARIANTS = ("none", "lru_remove", "skip_if_exists", "swap_table", "rotate")
PUTBACKS = ("tail", "head")
# Commits whose bug a model may reintroduce (spec/README.md, BUGS).
KNOWN_BUGS = frozenset({
    "04fc7816089c",  # writeback does not re-check the tree entry: stale data
    "a65b0e7607cc",  # writeback does not pass skip_if_exists: the recursion deadlock again
    "27d3969b47cc",  # on -EEXIST the reclaim walk continues from a cursor that may be freed
})


class ConfigError(ValueError):
    """A constant is missing or has a value the model does not know."""


@dataclass(frozen=True)
class Config:
    tasks: tuple[str, ...] = ("t1", "t2")
    shrinkers: tuple[str, ...] = ("k1",)
    slots: tuple[str, ...] = ("s1", "s2")
    versions: tuple[str, ...] = ("v1", "v2", "v3")
    variant: str = "none"
    putback: str = "tail"
    scan_budget: int = 1
    bugs: frozenset[str] = field(default_factory=frozenset)
    fairness: str = "weak"  # liveness only; the implementation does not use it
    # "any": SwapOut may take any version referenced nowhere (the spec's IsFreshVersion);
    # "first": only the first such version in Versions' order (a model with
    # `IsFreshVersion <- FirstFreshVersion`, spec/MCZswap.tla).
    fresh_version: str = "any"

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ConfigError(f"VARIANT {self.variant!r} unknown: use one of {', '.join(VARIANTS)}")
        if self.putback not in PUTBACKS:
            raise ConfigError(f"PUTBACK {self.putback!r} unknown: use 'tail' or 'head'")
        if self.fresh_version not in ("any", "first"):
            raise ConfigError(f"fresh_version {self.fresh_version!r} unknown: use 'any' or 'first'")
        if self.scan_budget < 1:
            raise ConfigError(f"SCAN_BUDGET must be >= 1, got {self.scan_budget}")
        unknown = set(self.bugs) - KNOWN_BUGS
        if unknown:
            raise ConfigError(f"BUGS {sorted(unknown)} unknown: the implementation reintroduces {sorted(KNOWN_BUGS)}")
        if not self.tasks and not self.shrinkers:
            raise ConfigError("no actors: give at least one task or shrinker")
        names = self.tasks + self.shrinkers + self.slots + self.versions
        if len(set(names)) != len(names):
            raise ConfigError(f"model values must be distinct, got {names}")

    # the model values, in a stable order (sorted by name, as TLC prints sets)
    @property
    def task_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.tasks))

    @property
    def shrinker_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.shrinkers))

    @property
    def slot_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.slots))

    @property
    def version_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.versions))

    @classmethod
    def from_cfg(cls, path: str | Path) -> "Config":
        """Read the CONSTANTS of a TLC .cfg file (spec/models/*.cfg)."""
        text = Path(path).read_text()
        try:
            constants = parse_cfg_constants(text)
            fresh = parse_cfg_substitutions(text).get("IsFreshVersion")
            if fresh not in (None, "FirstFreshVersion"):
                raise ConfigError(f"IsFreshVersion <- {fresh}: the implementation knows only FirstFreshVersion")
            constants["__fresh_version__"] = "first" if fresh else "any"
            return cls.from_constants(constants)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None

    @classmethod
    def from_constants(cls, constants: dict[str, object]) -> "Config":
        def need(name: str) -> object:
            if name not in constants:
                raise ConfigError(f"constant {name} is not assigned (add `{name} = ...` under CONSTANTS)")
            return constants[name]

        def names(name: str) -> tuple[str, ...]:
            value = need(name)
            if not isinstance(value, frozenset):
                raise ConfigError(f"{name} must be a set of model values, got {value!r}")
            return tuple(sorted(value))

        budget = need("SCAN_BUDGET")
        if not isinstance(budget, int):
            raise ConfigError(f"SCAN_BUDGET must be a number, got {budget!r}")
        bugs = need("BUGS")
        if not isinstance(bugs, frozenset):
            raise ConfigError(f"BUGS must be a set of strings, got {bugs!r}")
        return cls(
            tasks=names("Tasks"), shrinkers=names("Shrinkers"), slots=names("Slots"),
            versions=names("Versions"), variant=str(need("VARIANT")), putback=str(need("PUTBACK")),
            scan_budget=budget, bugs=frozenset(str(b) for b in bugs),
            fairness=str(constants.get("FAIRNESS", "weak")),
            fresh_version=str(constants.get("__fresh_version__", "any")),
        )


_SECTION = re.compile(r"^\s*(CONSTANTS?|SPECIFICATION|INIT|NEXT|INVARIANTS?|PROPERTY|PROPERTIES|SYMMETRY|"
                      r"CONSTRAINTS?|ACTION_CONSTRAINTS?|VIEW|CHECK_DEADLOCK|POSTCONDITION|ALIAS)\b")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(=|<-)\s*")


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
    text = re.sub(r"\\\*.*", "", text)
    text = re.sub(r"\(\*.*?\*\)", "", text, flags=re.S)
    constants: dict[str, object] = {}
    substitutions: dict[str, str] = {}
    in_constants = False
    body: list[str] = []
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            in_constants = match.group(1).startswith("CONSTANT")
        if in_constants:
            body.append(line[match.end():] if match else line)
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
        raise ConfigError(f"cannot parse a constant's value at {source[pos:pos + 30]!r}")
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
        raise ConfigError(f"unexpected '}}' at {source[pos - 1:pos + 30]!r}")
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
