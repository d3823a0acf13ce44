"""A TLC run that gave no verdict, as the typed error the CLI prints (what happened, what to do).

Success and every kind of violation are verdicts; a spec that does not
parse, a module TLC cannot find, a config TLC 2.15 rejects, a command line
it rejects, a time limit, a killed or crashed JVM, a cut stream are not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from conformance.tlc_config import line_naming
from gen.bridge.errors import (
    ConfigRejected,
    ModuleNotOnPath,
    SpecParseError,
    StandardModuleUnreadable,
    TlcFailed,
    TlcKilled,
    TlcTimeout,
    TlcUsageError,
    ToolOutputTruncated,
)
from gen.bridge.outcomes import (
    ActionPropertyViolated,
    ConfigError,
    Deadlock,
    InvariantViolated,
    Killed,
    ModuleNotFound,
    Outcome,
    OutOfMemory,
    SpecError,
    StandardModuleMissing,
    Stats,
    Success,
    TemporalPropertyViolated,
    Timeout,
    Truncated,
    UsageError,
)
from gen.bridge.tool_output import ToolOutput

__all__ = ["error_for", "error_for_run", "format_counts"]

_VERDICTS = (Success, InvariantViolated, ActionPropertyViolated, TemporalPropertyViolated, Deadlock)
# TLC 2.15's config messages that name the word they reject, but not its line.
_NAMED_IN_CONFIG = re.compile(r"The (?:\w+ )+?(\w+) specified in the configuration file")
_CONFIG_LINE = re.compile(r"configuration file at line (\d+)")
# TLC 2.16's keyword, unknown to 2.15: read there as one more INVARIANT (or PROPERTY) name.
_CHECK_DEADLOCK = "CHECK_DEADLOCK"
_CHECK_DEADLOCK_TODO = (
    "TLC 2.15 has no CHECK_DEADLOCK (TLC 2.16 added it; 2.15 takes it for an invariant's name): delete that "
    'line and turn deadlock checking off in the bridge: "check_deadlock": false in the model\'s manifest entry, '
    "or `--no-deadlock` for `python -m gen run --spec` (both pass TLC's -deadlock)"
)


def format_counts(stats: Stats) -> str | None:
    """``1,234 distinct states, 5,678 generated, 9 left on queue`` (what TLC printed); None if nothing."""
    parts = [
        f"{value:,} {label}"
        for value, label in (
            (stats.distinct, "distinct states"),
            (stats.generated, "generated"),
            (stats.left_on_queue, "left on queue"),
        )
        if value is not None
    ]
    return ", ".join(parts) or None


def error_for(outcome: Outcome, *, stats: Stats | None = None, config: Path | None = None) -> TlcFailed | None:
    """The typed error for an outcome that is not a model-checking verdict (None for a verdict).

    ``stats`` lets a time limit say which counts TLC had printed; ``config``
    lets a rejected configuration name its file and line.
    """
    if isinstance(outcome, _VERDICTS):
        return None
    if isinstance(outcome, SpecError):
        return SpecParseError(outcome.file, outcome.line, outcome.column, outcome.message, semantic=outcome.semantic)
    if isinstance(outcome, ModuleNotFound):
        return ModuleNotOnPath(outcome.module, outcome.imported_by, outcome.searched)
    if isinstance(outcome, StandardModuleMissing):
        return StandardModuleUnreadable(outcome.module, outcome.message)
    if isinstance(outcome, ConfigError):
        return _config_error(outcome, config)
    if isinstance(outcome, UsageError):
        return TlcUsageError(" ".join(outcome.message.replace("Error: ", "").split()))
    if isinstance(outcome, Timeout):
        return TlcTimeout(outcome.seconds, format_counts(stats) if stats is not None else None)
    if isinstance(outcome, Truncated):
        return ToolOutputTruncated(outcome.code, outcome.line_count)
    if isinstance(outcome, OutOfMemory):
        return TlcKilled(
            f"TLC ran out of memory: {outcome.message}",
            "give the JVM more heap (RunOptions.jvm_options, e.g. -Xmx8g) or check a smaller model",
        )
    if isinstance(outcome, Killed):
        return TlcKilled(
            f"TLC was killed by signal {outcome.signal}",
            "if nobody stopped it, the kernel's OOM killer may have (see dmesg); rerun with a smaller model",
        )
    detail = " ".join(str(getattr(outcome, "message", "") or outcome).split())[:500]
    return TlcFailed(
        f"TLC gave no verdict ({outcome.verdict}): {detail}", "fix the spec or model as the message says, then rerun"
    )


class FinishedRun(Protocol):
    """What :func:`error_for_run` reads of a :class:`gen.bridge.tlc.TlcRun` (which imports this module)."""

    @property
    def outcome(self) -> Outcome: ...

    @property
    def output(self) -> ToolOutput: ...

    @property
    def command(self) -> tuple[str, ...]: ...


def error_for_run(run: FinishedRun) -> TlcFailed | None:
    """:func:`error_for` with the run's counts and its config file (read off its command)."""
    return error_for(run.outcome, stats=run.output.stats, config=_config_of(run.command))


def _config_of(command: tuple[str, ...]) -> Path | None:
    # build_command ends with: -config <relative to the spec's folder> <spec>.
    if len(command) < 3 or command[-3] != "-config":
        return None
    return Path(command[-1]).parent / command[-2]


def _config_error(outcome: ConfigError, config: Path | None) -> ConfigRejected:
    message = " ".join(outcome.message.split())
    try:
        text = config.read_text() if config is not None else ""
    except OSError:
        text = ""
    line: int | None = None
    numbered = _CONFIG_LINE.search(message)
    named = _NAMED_IN_CONFIG.search(message)
    if numbered is not None:
        line = int(numbered.group(1))
    elif named is not None and text:
        line = line_naming(text, named.group(1))
    if (named is not None and named.group(1) == _CHECK_DEADLOCK) or (
        line is not None and text.splitlines()[line - 1].strip().startswith(_CHECK_DEADLOCK)
    ):
        todo = _CHECK_DEADLOCK_TODO
    else:
        todo = "fix that line of the .cfg file (TLC 2.15's config language: INIT, NEXT, SPECIFICATION, CONSTANTS, ...)"
    shown = _display(config) if config is not None else "the configuration file"
    return ConfigRejected(shown, line, message, todo)


def _display(path: Path) -> str:
    """The path relative to the working folder when it is under it, as a user would type it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)
