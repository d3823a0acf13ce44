"""What a TLC run ends with: typed outcomes, error traces and counters.

:mod:`gen.bridge.tool_output` reads TLC's ``-tool`` message stream into these;
callers (``gen check``, the report, the generator) ``match`` on the outcome
classes and compare ``verdict`` with the manifest's expected string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar, Union

from conformance.values import TlaValue

# TLC 2.15's standard modules (tla2sany/StandardModules/ in tla2tools.jar).
STANDARD_MODULES = frozenset(
    {"Bags", "FiniteSets", "Integers", "Naturals", "Randomization", "RealTime", "Reals", "Sequences", "TLC", "Toolbox"}
)


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """``line L, col C to line L2, col C2 of module M`` (1-based, inclusive)."""

    module: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.module}.tla:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class TraceState:
    """One state of an error trace: how TLC got there, and the variables."""

    number: int
    action: str  # "Initial predicate" for the first state
    location: SourceLocation | None
    variables: Mapping[str, TlaValue]


class LassoKind(Enum):
    STUTTERING = "stuttering"
    BACK_TO_STATE = "back-to-state"


@dataclass(frozen=True, slots=True)
class Lasso:
    """How a liveness counter-example loops: stutters forever, or goes back."""

    kind: LassoKind
    back_to: int | None = None  # state number the loop returns to
    action: str | None = None  # the action that closes the loop
    location: SourceLocation | None = None


@dataclass(frozen=True, slots=True)
class ErrorTrace:
    states: tuple[TraceState, ...]
    lasso: Lasso | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    """TLC's counters; ``None`` where TLC did not print them (e.g. simulate)."""

    generated: int | None = None
    distinct: int | None = None
    left_on_queue: int | None = None
    depth: int | None = None
    duration_seconds: float | None = None


# Outcomes: one small class per kind, so callers can `match` on them.  Each
# has ``verdict``: the manifest's string for it.


class _Outcome:
    """``verdict`` is the class's ``VERDICT`` format, filled from the instance (``{self.name}``)."""

    __slots__ = ()
    VERDICT: ClassVar[str]

    @property
    def verdict(self) -> str:
        return self.VERDICT.format(self=self)


@dataclass(frozen=True, slots=True)
class Success(_Outcome):
    VERDICT = "success"


@dataclass(frozen=True, slots=True)
class InvariantViolated(_Outcome):
    name: str

    VERDICT = "invariant:{self.name}"


@dataclass(frozen=True, slots=True)
class ActionPropertyViolated(_Outcome):
    name: str

    VERDICT = "property:{self.name}"


@dataclass(frozen=True, slots=True)
class TemporalPropertyViolated(_Outcome):
    """TLC 2.15 does not say *which* temporal property failed.

    ``name`` is filled in by the runner when the model's config lists exactly
    one property (see :func:`gen.bridge.tlc.config_properties`); otherwise it is
    ``None`` and ``candidates`` lists the config's properties.
    """

    name: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        if self.name is not None:
            return f"property:{self.name}"
        return "property:" + ("|".join(self.candidates) if self.candidates else "?")


@dataclass(frozen=True, slots=True)
class Deadlock(_Outcome):
    VERDICT = "deadlock"


@dataclass(frozen=True, slots=True)
class AssumptionFailed(_Outcome):
    location: SourceLocation | None
    message: str

    VERDICT = "error:assumption"


@dataclass(frozen=True, slots=True)
class SpecError(_Outcome):
    """SANY rejected the spec: ``semantic`` False for syntax, True for names/levels."""

    file: str
    line: int
    column: int
    message: str
    semantic: bool

    @property
    def verdict(self) -> str:
        return "error:semantic" if self.semantic else "error:parse"


@dataclass(frozen=True, slots=True)
class StandardModuleMissing(_Outcome):
    """SANY could not read one of TLC's own standard modules (``Naturals``, ``Sequences``, ...).

    Not the spec's fault: TLC 2.15 copies the standard modules out of its jar
    into ``java.io.tmpdir`` and deletes them on exit, so a concurrent TLC run
    sharing that folder (or an unwritable one) leaves SANY without them.
    """

    module: str
    message: str

    VERDICT = "error:standard-module-missing"


@dataclass(frozen=True, slots=True)
class ModuleNotFound(_Outcome):
    """SANY found no source for a module the spec ``EXTENDS`` or ``INSTANCE``s (not a standard one).

    Typically a community module (``FiniteSetsExt``, ``TLAPS``) that is not
    on TLC's path.  ``searched`` are the folders SANY looked in, in order:
    the importing spec's folder, then TLC's library path (``-DTLA-Library``),
    then the standard modules inside tla2tools.jar.
    """

    module: str
    imported_by: str
    searched: tuple[str, ...]

    VERDICT = "error:module-not-found"


@dataclass(frozen=True, slots=True)
class ConfigError(_Outcome):
    message: str

    VERDICT = "error:config"


@dataclass(frozen=True, slots=True)
class UsageError(_Outcome):
    """TLC rejected its command line (an unknown switch, a bad value) and printed its usage."""

    message: str

    VERDICT = "error:usage"


@dataclass(frozen=True, slots=True)
class EvalError(_Outcome):
    """TLC could not evaluate an expression of the spec (exit 75-77)."""

    message: str

    VERDICT = "error:eval"


@dataclass(frozen=True, slots=True)
class AssertFailed(_Outcome):
    """A TLC ``Assert(FALSE, msg)`` in the spec fired (exit 14)."""

    message: str

    VERDICT = "error:assert"


@dataclass(frozen=True, slots=True)
class OutOfMemory(_Outcome):
    message: str

    VERDICT = "error:out-of-memory"


@dataclass(frozen=True, slots=True)
class TlcCrash(_Outcome):
    """TLC or the JVM failed for a reason that is not the spec's."""

    message: str
    exit_code: int | None

    VERDICT = "error:tlc-crash"


@dataclass(frozen=True, slots=True)
class Timeout(_Outcome):
    seconds: float

    VERDICT = "error:timeout"


@dataclass(frozen=True, slots=True)
class Killed(_Outcome):
    signal: int

    VERDICT = "error:killed"


@dataclass(frozen=True, slots=True)
class Truncated(_Outcome):
    """The stream stopped inside a message (``code``) or before TLC finished."""

    code: int | None
    line_count: int

    VERDICT = "error:truncated"


@dataclass(frozen=True, slots=True)
class InconsistentExit(_Outcome):
    """The messages say one thing and the exit code another."""

    from_messages: Outcome
    exit_code: int

    VERDICT = "error:inconsistent-exit"


Outcome = Union[
    Success,
    InvariantViolated,
    ActionPropertyViolated,
    TemporalPropertyViolated,
    Deadlock,
    AssumptionFailed,
    SpecError,
    StandardModuleMissing,
    ModuleNotFound,
    ConfigError,
    UsageError,
    EvalError,
    AssertFailed,
    OutOfMemory,
    TlcCrash,
    Timeout,
    Killed,
    Truncated,
    InconsistentExit,
]


def counts_are_partial(outcome: Outcome) -> bool:
    """Whether a run's counts are only what TLC had printed when it stopped.

    A run stopped by the time limit, a signal or a cut stream never printed
    its final statistics: its counts come from TLC's last progress line
    (printed a few seconds after the start, then once a minute).
    """
    return isinstance(outcome, (Timeout, Killed, Truncated))
