"""The model manifest (``spec/models.json``): load and validate.

Format (paths relative to the manifest's folder)::

    {"models": [
      {"name": "none",                      # unique; [A-Za-z0-9_.-]+
       "summary": "one sentence: what this model shows",
       "spec": "MCZswap.tla",
       "config": "models/none.cfg",
       "tier": "fast",                      # "fast" (< 1 min) | "deep" | "distributed" (only by name)
       "mode": "exhaustive",                # | "simulate"
       "simulate": {"depth": 100, "traces": 1000, "seed": 1},  # simulate only
       "check_deadlock": false,             # optional, default true; false -> -deadlock
       "timeout_seconds": 300,              # optional, default 600; at most 86400
       "extra_args": [],                    # optional extra TLC 2.15 switches (gen/bridge/switches.py)
       "workers": 1,                        # optional, default 1: TLC worker threads (cores) for this model
       "expected": {"result": "success", "distinct_states": 1234, "depth": 41},
       "runtime": {"seconds": 12, "states": 1234}}  # optional: what a run took when measured
    ]}

``expected.result`` is ``success``, ``deadlock``, ``invariant:<Name>``,
``property:<Name>`` (temporal and action properties) or ``error:<kind>``.
``distinct_states`` and ``depth`` are required for an exhaustive success and
compared only there: each a number, or a range ``{"min": N, "max": M}`` for a
count that depends on the order of exploration.  With ``workers`` > 1 it
does: TLC 2.15's depth varies from run to run, and with a ``VIEW`` the
distinct-state count too (the view merges states after the symmetry has
chosen a representative, so which state of a class TLC reaches first decides
which classes it merges); such a model must give those counts as ranges.  Every problem is a :class:`gen.bridge.errors.ManifestError`
naming the model and the field.  ``spec/models.schema.json`` states the same
rules for other tools (``make check`` validates against it first).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias, TypeVar

from gen.bridge import paths
from gen.bridge.errors import ManifestError, ManifestMissing
from gen.bridge.shared_runs import why_not_covered
from gen.bridge.switches import unknown_switch

DEFAULT_MANIFEST = paths.MANIFEST
DEFAULT_TIMEOUT_SECONDS = 600.0
MAX_TIMEOUT_SECONDS = 86400  # a day: longer is a typo (and Infinity would mean no limit)

_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_RESULT = re.compile(r"success|deadlock|(invariant|property):[A-Za-z_][A-Za-z0-9_]*|error:[a-z][a-z0-9-]*")
# fail(field, problem) -> the error to raise, naming the model being read.
Fail = Callable[[str, str], ManifestError]

_REQUIRED = ("name", "summary", "spec", "config", "tier", "mode", "expected")
_OPTIONAL = (
    "simulate", "check_deadlock", "timeout_seconds", "extra_args", "workers", "runtime", "distributed_runs", "checked_by",
)  # fmt: skip
Tier = Literal["fast", "deep", "distributed"]
Mode = Literal["exhaustive", "simulate"]
TIERS: tuple[Tier, ...] = ("fast", "deep", "distributed")
MODES: tuple[Mode, ...] = ("exhaustive", "simulate")
_C = TypeVar("_C", bound=str)


def in_tier(model: Model, tier: str) -> bool:
    """Whether ``--tier TIER`` runs the model: "all" is fast and deep; a distributed model runs only by name
    (``--only NAME --distributed``), as it does not finish on one machine."""
    return model.tier == tier or (tier == "all" and model.tier != "distributed")


# Switches the bridge sets itself from other fields; in extra_args they would
# contradict those fields or break the run's bookkeeping.
_RESERVED_SWITCHES = {
    "-tool": "the bridge always runs -tool",
    "-metadir": "the bridge gives each run its own -metadir",
    "-config": "use the 'config' field",
    "-deadlock": 'use "check_deadlock": false',
    "-simulate": 'use "mode": "simulate"',
    "-depth": "use simulate.depth",
    "-seed": "use simulate.seed",
    "-dump": "state graphs go under build/ (gen.bridge.tlc.RunOptions.dump_dot), never beside the spec",
    "-fp": "the bridge fixes the fingerprint polynomial so traces are reproducible",
    "-workers": 'use "workers" (the check also counts them as cores in use)',
}

# A cfg line that opens a VIEW section (cfg comments start with \*).
_VIEW_LINE = re.compile(r"^\s*VIEW\b", re.MULTILINE)


@dataclass(frozen=True)
class Simulation:
    depth: int
    traces: int
    seed: int


@dataclass(frozen=True)
class CountRange:
    """A count that varies from run to run (several TLC workers, a VIEW): any value from low to high."""

    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low:,}..{self.high:,}"


Count: TypeAlias = int | CountRange


def count_matches(actual: int | None, expected: Count | None) -> bool:
    """Whether TLC's ``actual`` count is the ``expected`` number or lies in its range."""
    if isinstance(expected, CountRange):
        return actual is not None and expected.low <= actual <= expected.high
    return actual == expected


def format_count(count: Count | None) -> str:
    """``1,234``, ``1,200..1,300`` or ``none``."""
    if count is None:
        return "none"
    return str(count) if isinstance(count, CountRange) else f"{count:,}"


@dataclass(frozen=True)
class Expected:
    result: str
    distinct_states: Count | None = None
    depth: Count | None = None


@dataclass(frozen=True)
class Runtime:
    """What one run of the model costs, as measured (tlaplus/Examples' manifest "runtime"): for the reader
    choosing what to run, never compared (wall time varies with the machine's load)."""

    seconds: float
    states: int | None  # distinct states; None for simulation


@dataclass(frozen=True)
class Model:
    name: str
    summary: str
    spec: Path  # absolute
    config: Path  # absolute
    tier: Tier
    mode: Mode
    simulate: Simulation | None
    check_deadlock: bool
    timeout_seconds: float
    extra_args: tuple[str, ...]
    expected: Expected
    runtime: Runtime | None = None  # what a run took when the entry was last measured
    workers: int = 1  # TLC worker threads; the check counts them as cores in use
    # The model whose run decides this one when both are checked (gen.bridge.shared_runs).
    checked_by: str | None = None


@dataclass(frozen=True)
class Manifest:
    path: Path
    models: tuple[Model, ...]

    def names(self) -> list[str]:
        return [m.name for m in self.models]


def load_manifest(path: Path = DEFAULT_MANIFEST) -> Manifest:
    """Read and validate ``path``; raise ManifestMissing / ManifestError."""
    if not path.is_file():
        raise ManifestMissing(path)
    try:
        # Python's reader also takes NaN and Infinity (not JSON): every number field rejects them below.
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ManifestError(path, f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ManifestError(path, 'expected an object {"models": [...]}')
    extra = sorted(set(data) - {"models"})
    if extra:
        raise ManifestError(path, f"unknown top-level key(s) {', '.join(extra)}; only 'models' is allowed")
    models: list[Model] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["models"]):
        model = _model(path, index, entry)
        if model.name in seen:
            raise ManifestError(path, "the name is used twice", model=model.name, field="name")
        seen.add(model.name)
        models.append(model)
    _check_shared_runs(path, models)
    return Manifest(path, tuple(models))


def _check_shared_runs(path: Path, models: list[Model]) -> None:
    """Every ``checked_by`` names a model whose success decides this one (gen.bridge.shared_runs)."""
    by_name = {m.name: m for m in models}
    for model in models:
        if model.checked_by is None:
            continue
        base = by_name.get(model.checked_by)
        if base is None or base.checked_by is not None:
            problem = "no such model" if base is None else f"{base.name} is itself checked_by {base.checked_by}"
            raise ManifestError(path, f"{model.checked_by}: {problem}", model=model.name, field="checked_by")
        why = why_not_covered(
            model.config,
            base.config,
            same_run_settings=(model.spec, model.mode, model.check_deadlock, model.extra_args)
            == (base.spec, base.mode, base.check_deadlock, base.extra_args),
            claim_expects_success=model.expected.result == "success",
        )
        if why is not None:
            raise ManifestError(
                path, f"{base.name}'s run does not decide this model: {why}", model=model.name, field="checked_by"
            )


def _model(path: Path, index: int, entry: Any) -> Model:
    label = f"#{index + 1}"
    if not isinstance(entry, dict):
        raise ManifestError(path, "each model must be a JSON object", model=label)
    if isinstance(entry.get("name"), str):
        label = entry["name"]

    def fail(field: str, problem: str) -> ManifestError:
        return ManifestError(path, problem, model=label, field=field)

    for key in _REQUIRED:
        if key not in entry:
            raise fail(key, "missing (required)")
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise fail(unknown[0], f"unknown field; allowed: {', '.join(_REQUIRED + _OPTIONAL)}")

    name = _string(entry, "name", fail)
    if not _NAME.fullmatch(name):
        raise fail("name", "use letters, digits, '_', '.', '-' only")
    summary = _string(entry, "summary", fail)
    folder = path.resolve().parent
    spec = _file(folder, _string(entry, "spec", fail), "spec", fail)
    config = _file(folder, _string(entry, "config", fail), "config", fail)
    tier = _choice(entry, "tier", TIERS, fail)
    mode = _choice(entry, "mode", MODES, fail)

    simulate = None
    if mode == "simulate":
        raw = entry.get("simulate")
        if not isinstance(raw, dict):
            raise fail("simulate", 'required for mode "simulate": {"depth": N, "traces": N, "seed": N}')
        extra = sorted(set(raw) - {"depth", "traces", "seed"})
        if extra:
            raise fail(f"simulate.{extra[0]}", "unknown field; allowed: depth, traces, seed")
        simulate = Simulation(
            depth=_required_integer(raw, "depth", fail, minimum=1, prefix="simulate."),
            traces=_required_integer(raw, "traces", fail, minimum=1, prefix="simulate."),
            seed=_required_integer(raw, "seed", fail, minimum=None, prefix="simulate."),
        )
    elif "simulate" in entry:
        raise fail("simulate", 'only for mode "simulate"')

    check_deadlock = entry.get("check_deadlock", True)
    if not isinstance(check_deadlock, bool):
        raise fail("check_deadlock", "must be true or false")
    timeout = entry.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (0 < timeout <= MAX_TIMEOUT_SECONDS):
        raise fail("timeout_seconds", f"must be a number of seconds > 0 and <= {MAX_TIMEOUT_SECONDS}, not {timeout!r}")
    extra_args = entry.get("extra_args", [])
    if not isinstance(extra_args, list) or not all(isinstance(a, str) for a in extra_args):
        raise fail("extra_args", "must be a list of strings")
    for arg in extra_args:
        if arg in _RESERVED_SWITCHES:
            raise fail("extra_args", f"{arg} is not allowed here: {_RESERVED_SWITCHES[arg]}")
    wrong = unknown_switch(extra_args)
    if wrong is not None:
        raise fail("extra_args", wrong)

    workers = _integer(entry, "workers", fail, minimum=1, required=False) or 1
    # A distributed model has not been run to the end on one machine: no counts to compare yet.
    expected = _expected(entry["expected"], mode, fail, counts_required=tier != "distributed")
    if workers > 1:
        _counts_vary(expected, has_view=bool(_VIEW_LINE.search(config.read_text(encoding="utf-8"))), fail=fail)
    if "distributed_runs" in entry and not isinstance(entry["distributed_runs"], list):
        raise fail("distributed_runs", "must be a list of measured runs (spec/models.schema.json)")
    runtime = _runtime(entry["runtime"], fail) if "runtime" in entry else None
    checked_by = _string(entry, "checked_by", fail) if "checked_by" in entry else None
    return Model(
        name=name,
        summary=summary,
        spec=spec,
        config=config,
        tier=tier,
        mode=mode,
        simulate=simulate,
        check_deadlock=check_deadlock,
        timeout_seconds=float(timeout),
        extra_args=tuple(extra_args),
        expected=expected,
        runtime=runtime,
        workers=workers,
        checked_by=checked_by,
    )


def _counts_vary(expected: Expected, *, has_view: bool, fail: Fail) -> None:
    """With several workers the depth, and with a VIEW the distinct states too, must be ranges."""
    if expected.depth is not None and not isinstance(expected.depth, CountRange):
        raise fail(
            "expected.depth",
            'with "workers" > 1 TLC 2.15\'s depth varies from run to run: give {"min": N, "max": M}',
        )
    if has_view and expected.distinct_states is not None and not isinstance(expected.distinct_states, CountRange):
        raise fail(
            "expected.distinct_states",
            'with "workers" > 1 and a VIEW the count depends on the order of exploration: give {"min": N, "max": M}',
        )


def _runtime(raw: Any, fail: Fail) -> Runtime:
    if not isinstance(raw, dict) or sorted(raw) != ["seconds", "states"]:
        raise fail("runtime", 'must be an object {"seconds": S, "states": N or null}')
    seconds, states = raw["seconds"], raw["states"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (0 <= seconds < math.inf):
        raise fail("runtime.seconds", "must be a number of seconds >= 0")
    if states is not None and (isinstance(states, bool) or not isinstance(states, int) or states < 0):
        raise fail("runtime.states", "must be a whole number >= 0 or null")
    return Runtime(float(seconds), states)


def _expected(raw: Any, mode: str, fail: Fail, *, counts_required: bool = True) -> Expected:
    if not isinstance(raw, dict):
        raise fail("expected", 'must be an object like {"result": "success", ...}')
    unknown = sorted(set(raw) - {"result", "distinct_states", "depth"})
    if unknown:
        raise fail(f"expected.{unknown[0]}", "unknown field; allowed: result, distinct_states, depth")
    result = raw.get("result")
    if not isinstance(result, str) or not _RESULT.fullmatch(result):
        raise fail(
            "expected.result",
            f"{result!r} is not one of: success, deadlock, invariant:<Name>, property:<Name>, error:<kind>",
        )
    distinct = _count(raw, "distinct_states", fail)
    depth = _count(raw, "depth", fail)
    if counts_required and mode == "exhaustive" and result == "success" and (distinct is None or depth is None):
        missing = "distinct_states" if distinct is None else "depth"
        raise fail(f"expected.{missing}", "required for an exhaustive success (TLC's counts are compared)")
    return Expected(result, distinct, depth)


def _count(raw: Mapping[str, Any], key: str, fail: Fail) -> Count | None:
    """expected.KEY: absent, a whole number >= 1, or a range {"min": N, "max": M} with 1 <= N <= M."""
    value = raw.get(key)
    if not isinstance(value, dict):
        return _integer(raw, key, fail, minimum=1, prefix="expected.", required=False)
    if sorted(value) != ["max", "min"]:
        raise fail(f"expected.{key}", 'a range is {"min": N, "max": M}')
    low = _required_integer(value, "min", fail, minimum=1, prefix=f"expected.{key}.")
    high = _required_integer(value, "max", fail, minimum=low, prefix=f"expected.{key}.")
    return CountRange(low, high)


def _string(entry: Mapping[str, Any], key: str, fail: Fail) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise fail(key, "must be a non-empty string")
    return value


def _file(folder: Path, relative: str, key: str, fail: Fail) -> Path:
    resolved = (folder / relative).resolve()
    if not resolved.is_file():
        raise fail(key, f"no such file: {resolved}")
    return resolved


def _choice(entry: Mapping[str, Any], key: str, choices: tuple[_C, ...], fail: Fail) -> _C:
    value = entry[key]
    if value not in choices:
        raise fail(key, f"{value!r} is not one of: {', '.join(choices)}")
    return choices[choices.index(value)]  # the choice itself: typed as one of them


def _required_integer(entry: Mapping[str, Any], key: str, fail: Fail, *, minimum: int | None, prefix: str) -> int:
    value = _integer(entry, key, fail, minimum=minimum, prefix=prefix)
    assert value is not None  # _integer raises for a missing required key
    return value


def _integer(
    entry: Mapping[str, Any],
    key: str,
    fail: Fail,
    *,
    minimum: int | None,
    prefix: str = "",
    required: bool = True,
) -> int | None:
    if key not in entry:
        if required:
            raise fail(prefix + key, "missing (required)")
        return None
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise fail(prefix + key, f"must be an integer{bound}, not {value!r}")
    return value
