"""TLC's ``-tool`` message stream -> typed results.

With ``-tool`` TLC wraps everything it says in numbered messages::

    @!@!@STARTMSG 2110:1 @!@!@
    Invariant OnePinHolder is violated.
    @!@!@ENDMSG 2110 @!@!@

(code:class; class 0 info, 1 error, 2 TLC bug, 3 warning, 4 state).  SANY's
parse report, ``Print`` output and JVM errors arrive as plain lines between
messages.  :class:`ToolOutputParser` is fed line by line while TLC runs (so
progress can be shown live) and :meth:`ToolOutputParser.finish` turns the
whole stream plus TLC's exit code into a :class:`ToolOutput`, whose outcome
and traces are the types of :mod:`gen.bridge.outcomes`.

The codes are TLC 2.15's (``tlc2.output.EC``); the exit codes are its
``EC.ExitStatus``.  The outcome read from the messages is cross-checked
against the exit code; a disagreement is itself an outcome
(:class:`InconsistentExit`), never silently resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

from conformance.tla_text import TlaTextError, parse_value_at
from conformance.values import TlaValue
from gen.bridge.outcomes import (
    STANDARD_MODULES,
    ActionPropertyViolated,
    AssertFailed,
    AssumptionFailed,
    ConfigError,
    Deadlock,
    ErrorTrace,
    EvalError,
    InconsistentExit,
    InvariantViolated,
    Killed,
    Lasso,
    LassoKind,
    ModuleNotFound,
    Outcome,
    OutOfMemory,
    SourceLocation,
    SpecError,
    StandardModuleMissing,
    Stats,
    Success,
    TemporalPropertyViolated,
    TlcCrash,
    TraceState,
    Truncated,
    UsageError,
)


class MessageClass(IntEnum):
    """The number after the colon in ``STARTMSG code:class``."""

    INFO = 0
    ERROR = 1
    TLC_BUG = 2
    WARNING = 3
    STATE = 4


class Code(IntEnum):
    """The message codes the bridge interprets (``tlc2.output.EC``, TLC 2.15)."""

    GENERAL = 1000  # "TLC threw an unexpected exception"
    WRONG_COMMANDLINE_PARAMS_SIMULATOR = 1101  # "Error: ..." then TLC's usage line
    WRONG_COMMANDLINE_PARAMS_TLC = 1102
    SYSTEM_OUT_OF_MEMORY = 1001
    SYSTEM_OUT_OF_MEMORY_TOO_MANY_INIT = 1002
    SYSTEM_STACK_OVERFLOW = 1005
    TLC_NESTED_EXPRESSION = 2103
    TLC_ASSUMPTION_FALSE = 2104
    TLC_ASSUMPTION_EVALUATION_ERROR = 2105
    TLC_INVARIANT_VIOLATED_INITIAL = 2107
    TLC_PROPERTY_VIOLATED_INITIAL = 2108
    TLC_INVARIANT_VIOLATED_BEHAVIOR = 2110
    TLC_INVARIANT_EVALUATION_FAILED = 2111
    TLC_ACTION_PROPERTY_VIOLATED_BEHAVIOR = 2112
    TLC_ACTION_PROPERTY_EVALUATION_FAILED = 2113
    TLC_DEADLOCK_REACHED = 2114
    TLC_TEMPORAL_PROPERTY_VIOLATED = 2116
    TLC_NO_STATES_SATISFYING_INIT = 2118
    TLC_BEHAVIOR_UP_TO_THIS_POINT = 2121
    TLC_BACK_TO_STATE = 2122
    TLC_VALUE_ASSERT_FAILED = 2132
    TLC_FINGERPRINT_EXCEPTION = 2147
    TLC_PARSING_FAILED2 = 2171
    TLC_STARTING = 2185
    TLC_FINISHED = 2186
    TLC_MODE_MC = 2187
    TLC_MODE_SIMU = 2188
    TLC_INIT_GENERATED1 = 2190
    TLC_SUCCESS = 2193
    TLC_SEARCH_DEPTH = 2194
    TLC_STATS = 2199
    TLC_PROGRESS_STATS = 2200
    TLC_PROGRESS_SIMU = 2209
    TLC_STATS_SIMU = 2210
    TLC_STATE_PRINT1 = 2216
    TLC_STATE_PRINT2 = 2217
    TLC_STATE_PRINT3 = 2218  # "N: Stuttering"
    TLC_SANY_END = 2219
    TLC_SANY_START = 2220
    TLC_VERSION = 2262
    TLC_COUNTER_EXAMPLE = 2264
    TLC_COMPUTING_INIT_PROGRESS = 2269
    TLC_PARSING_FAILED = 3002


class ExitStatus(IntEnum):
    """TLC 2.15's process exit codes (``EC.ExitStatus``)."""

    SUCCESS = 0
    VIOLATION_ASSUMPTION = 10
    VIOLATION_DEADLOCK = 11
    VIOLATION_SAFETY = 12
    VIOLATION_LIVENESS = 13
    VIOLATION_ASSERT = 14
    FAILURE_SPEC_EVAL = 75
    FAILURE_SAFETY_EVAL = 76
    FAILURE_LIVENESS_EVAL = 77
    ERROR_SPEC_PARSE = 150
    ERROR_CONFIG_PARSE = 151
    ERROR_STATESPACE_TOO_LARGE = 152
    ERROR_SYSTEM = 153
    ERROR = 255


# ------------------------------------------------------------------ messages


@dataclass(frozen=True, slots=True)
class Message:
    code: int
    cls: MessageClass
    body: str


# Which exit codes each message-derived outcome may come with.  TLC 2.15
# exits 13 (liveness) for a violated action property, so 12 and 13 are both
# accepted there.  SANY errors exit 150; a config error may be reported by
# the config parser (151) or, for undefined names, as 150.
_EXPECTED_EXIT: dict[type, frozenset[int]] = {
    Success: frozenset({0}),
    InvariantViolated: frozenset({12}),
    ActionPropertyViolated: frozenset({12, 13}),
    TemporalPropertyViolated: frozenset({13}),
    Deadlock: frozenset({11}),
    AssumptionFailed: frozenset({10, 75}),
    AssertFailed: frozenset({14, 75}),
    SpecError: frozenset({150}),
    StandardModuleMissing: frozenset({150}),
    ModuleNotFound: frozenset({150}),
    UsageError: frozenset({0, 1, 255}),
    ConfigError: frozenset({150, 151, 255}),
    EvalError: frozenset({75, 76, 77, 255}),
    OutOfMemory: frozenset({1, 153, 255}),
}


@dataclass(frozen=True)
class ToolOutput:
    outcome: Outcome
    stats: Stats
    traces: tuple[ErrorTrace, ...]
    exit_code: int | None
    tlc_version: str | None = None
    warnings: tuple[str, ...] = ()
    # Everything TLC printed outside messages (SANY's report, Print output,
    # JVM errors), for error messages and debugging.
    plain_output: str = ""
    messages: tuple[Message, ...] = field(default=(), repr=False)

    @property
    def trace(self) -> ErrorTrace | None:
        """The first error trace, if any."""
        return self.traces[0] if self.traces else None


# ------------------------------------------------------------------ parsing

_START = "@!@!@STARTMSG "
_END = "@!@!@ENDMSG "
_LOCATION = re.compile(r"line (\d+), col (\d+) to line (\d+), col (\d+) of module (\w+)")
_STATE_HEADER = re.compile(r"(\d+): (?:<(.*?)>|(Stuttering)|Back to state: <(.*?)>)\s*$")
_ACTION = re.compile(r"(\S+) (line \d+, col \d+ to line \d+, col \d+ of module \w+)$")
_NUMBER = r"(-?[\d,]+)"  # simulation prints -1 for counts it does not keep
_STATS = re.compile(rf"{_NUMBER} states generated.*?{_NUMBER} distinct states found.*?{_NUMBER} states left on queue")
_DEPTH = re.compile(r"depth of the complete state graph search is (\d+)")
_SIMU_GENERATED = re.compile(r"number of states generated: (\d+)")
_DURATION_PART = re.compile(r"(\d+)(ms|min|s|h|d)\b")
_SECONDS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_INVARIANT = re.compile(r"Invariant (\S+) is violated")
_ACTION_PROPERTY = re.compile(r"Action property (\S+) is violated")
_PARSE_POSITION = re.compile(r"at line (\d+), column (\d+)")
_PARSE_FILE = re.compile(r"Could not parse module (\w+) from file (\S+)")
_MISSING_MODULE = re.compile(r"Cannot find source file for module (\w+)[^\n]*")
# SANY's resolver, on stderr: the last file it tried and every folder of its path.
_SEARCHED = re.compile(r"File does not exist: \S+ while looking in these directories: (.*)")
_ROOT_FILE = re.compile(r"^Parsing file (\S+)", re.MULTILINE)
_IMPORTED_BY = re.compile(r"imported in module (\w+)")
_SEMANTIC = re.compile(r"line (\d+), col (\d+) to line \d+, col \d+ of module (\w+)\s*\n(.*)")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def parse_location(text: str) -> SourceLocation | None:
    m = _LOCATION.search(text)
    if m is None:
        return None
    return SourceLocation(m.group(5), int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)))


def parse_duration(text: str) -> float | None:
    """``Finished in 758ms at ...`` / ``Finished in 01min 02s at ...`` -> seconds."""
    head = text.split(" at ", 1)[0]
    parts = _DURATION_PART.findall(head)
    if not parts:
        return None
    return sum(int(n) * _SECONDS[unit] for n, unit in parts)


def parse_state(body: str) -> TraceState | Lasso:
    """A state message body: ``N: <Action loc>`` then ``/\\ var = value`` lines.

    Returns a :class:`Lasso` for TLC's ``N: Stuttering`` and
    ``N: Back to state: <Action loc>`` messages.
    """
    header, _, rest = body.partition("\n")
    m = _STATE_HEADER.match(header.strip())
    if m is None:
        raise ValueError(f"not a TLC state header: {header!r}")
    number = int(m.group(1))
    if m.group(3):
        return Lasso(LassoKind.STUTTERING)
    if m.group(4) is not None:
        action, location = _split_action(m.group(4))
        return Lasso(LassoKind.BACK_TO_STATE, back_to=number, action=action, location=location)
    action, location = _split_action(m.group(2))
    return TraceState(number, action, location, parse_assignments(rest))


def _split_action(text: str) -> tuple[str, SourceLocation | None]:
    m = _ACTION.match(text)
    if m is None:
        return text, None  # "Initial predicate"
    return m.group(1), parse_location(m.group(2))


def parse_assignments(text: str, memo: dict[str, TlaValue] | None = None) -> dict[str, TlaValue]:
    """``/\\ a = 1\\n/\\ b = {}`` (or ``a = 1`` for a single variable) -> dict.

    ``memo`` (optional, owned by the caller) maps a variable's value text to
    its value: across the states of one run most values repeat (a slot's
    ``swap_map`` entry, an empty LRU), so reading many states with one memo
    parses each distinct value text once.
    """
    variables: dict[str, TlaValue] = {}
    pos = 0
    n = len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            return variables
        if text.startswith("/\\", pos):
            pos += 2
        eq = text.find("=", pos)
        if eq < 0:
            raise TlaTextError("expected 'name = value'", text, pos)
        name = text[pos:eq].strip()
        if not name.replace("_", "a").isalnum():
            raise TlaTextError("expected a variable name", text, pos)
        if memo is not None:
            # The value runs to the next conjunct marker: TLC prints a
            # newline inside a string as \\n, so the marker never occurs
            # inside a value (a value wrapped over lines has no "/\\ ").
            end = text.find("\n/\\ ", eq)
            if end < 0:
                end = n
            candidate = text[eq + 1 : end].strip()
            cached = memo.get(candidate)
            if cached is not None:
                variables[name] = cached
                pos = end
                continue
        value, after = parse_value_at(text, eq + 1)
        variables[name] = value
        if memo is not None:
            memo[text[eq + 1 : after].strip()] = value
        pos = after


class ToolOutputParser:
    """Incremental reader of TLC's -tool stream; feed lines, then finish()."""

    def __init__(self) -> None:
        self._messages: list[Message] = []
        self._plain: list[str] = []
        self._open: tuple[int, MessageClass] | None = None
        self._body: list[str] = []
        self._line_count = 0

    def feed(self, line: str) -> Message | None:
        """Take one line (with or without its newline); return a message it completes."""
        self._line_count += 1
        line = line.rstrip("\r\n")
        if self._open is None:
            if line.startswith(_START):
                code_text, _, class_text = line[len(_START) :].split(" ", 1)[0].partition(":")
                self._open = (int(code_text), MessageClass(int(class_text or 0)))
                self._body = []
            else:
                self._plain.append(line)
            return None
        # A message can quote another inside its body (TLC 1000 wrapping a
        # 5001 config error): only the ENDMSG with the open code closes it.
        if line.startswith(_END) and line[len(_END) :].split(" ", 1)[0] == str(self._open[0]):
            code, cls = self._open
            message = Message(code, cls, "\n".join(self._body).strip("\n"))
            self._messages.append(message)
            self._open = None
            return message
        self._body.append(line)
        return None

    def feed_all(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.feed(line)

    @property
    def messages(self) -> list[Message]:
        return self._messages

    def finish(self, exit_code: int | None) -> ToolOutput:
        """Interpret the whole stream; ``exit_code`` is TLC's (negative: killed by signal)."""
        return _interpret(self, exit_code)


def parse_tool_output(text: str, exit_code: int | None) -> ToolOutput:
    """Parse a complete recorded -tool output."""
    parser = ToolOutputParser()
    parser.feed_all(text.splitlines())
    return parser.finish(exit_code)


def _interpret(parser: ToolOutputParser, exit_code: int | None) -> ToolOutput:
    messages = parser._messages
    plain = "\n".join(parser._plain)
    stats = _stats(messages)
    traces = _traces(messages)
    version = next((m.body.strip() for m in messages if m.code == Code.TLC_VERSION), None)
    warnings = tuple(m.body for m in messages if m.cls == MessageClass.WARNING)

    outcome: Outcome
    if exit_code is not None and exit_code < 0:
        outcome = Killed(-exit_code)
    elif parser._open is not None:
        outcome = Truncated(parser._open[0], parser._line_count)
    else:
        decided = _outcome_from_messages(messages, plain, exit_code)
        if decided is None:
            outcome = _outcome_without_verdict(messages, plain, exit_code, parser._line_count)
        elif exit_code is not None and exit_code not in _EXPECTED_EXIT.get(type(decided), frozenset({exit_code})):
            outcome = InconsistentExit(decided, exit_code)
        else:
            outcome = decided
    return ToolOutput(
        outcome=outcome,
        stats=stats,
        traces=traces,
        exit_code=exit_code,
        tlc_version=version,
        warnings=warnings,
        plain_output=plain,
        messages=tuple(messages),
    )


def _outcome_from_messages(messages: list[Message], plain: str, exit_code: int | None) -> Outcome | None:
    """The verdict of the first message that decides one, else None."""
    for m in messages:
        code = m.code
        if code in (Code.TLC_INVARIANT_VIOLATED_BEHAVIOR, Code.TLC_INVARIANT_VIOLATED_INITIAL):
            found = _INVARIANT.search(m.body)
            return InvariantViolated(found.group(1) if found else "?")
        if code == Code.TLC_ACTION_PROPERTY_VIOLATED_BEHAVIOR:
            found = _ACTION_PROPERTY.search(m.body)
            return ActionPropertyViolated(found.group(1) if found else "?")
        if code in (Code.TLC_TEMPORAL_PROPERTY_VIOLATED, Code.TLC_PROPERTY_VIOLATED_INITIAL):
            return TemporalPropertyViolated()
        if code == Code.TLC_DEADLOCK_REACHED:
            return Deadlock()
        if code in (Code.TLC_ASSUMPTION_FALSE, Code.TLC_ASSUMPTION_EVALUATION_ERROR):
            return AssumptionFailed(parse_location(m.body), m.body)
        if code == Code.TLC_VALUE_ASSERT_FAILED:
            return AssertFailed(m.body)
        if code in (Code.TLC_PARSING_FAILED, Code.TLC_PARSING_FAILED2):
            return _spec_error(plain, m.body)
        if code in (Code.WRONG_COMMANDLINE_PARAMS_TLC, Code.WRONG_COMMANDLINE_PARAMS_SIMULATOR):
            return UsageError(m.body.strip())
        if code in (Code.SYSTEM_OUT_OF_MEMORY, Code.SYSTEM_OUT_OF_MEMORY_TOO_MANY_INIT):
            return OutOfMemory(m.body)
        if code == Code.TLC_SUCCESS:
            return Success()
        if m.cls == MessageClass.TLC_BUG:
            return TlcCrash(m.body, exit_code)
        if m.cls == MessageClass.ERROR and code not in (
            Code.TLC_BEHAVIOR_UP_TO_THIS_POINT,
            Code.TLC_COUNTER_EXAMPLE,
        ):
            return _error_message(m, exit_code)
    return None


_NESTED_MARKER = re.compile(r"@!@!@(?:STARTMSG \d+:\d+|ENDMSG \d+) @!@!@\n?")
_GENERAL_PREAMBLE = (
    "TLC threw an unexpected exception.\n"
    "This was probably caused by an error in the spec or model.\n"
    "See the User Output or TLC Console for clues to what happened.\n"
)


def _readable(body: str) -> str:
    """A message body without TLC's generic preamble and nested message markers."""
    return _NESTED_MARKER.sub("", body.replace(_GENERAL_PREAMBLE, "")).strip()


def _error_message(m: Message, exit_code: int | None) -> Outcome:
    body = _readable(m.body)
    # Config problems are 22xx codes between these bounds in tlc2.output.EC,
    # or a ConfigFileException wrapping a 5xxx config-parser message.
    if 2222 <= m.code <= 2243 or 2280 <= m.code <= 2281 or "ConfigFileException" in m.body:
        return ConfigError(body)
    if "OutOfMemoryError" in m.body:
        return OutOfMemory(body)
    # TLC wraps an Assert failure (2132) in a general error and exits 75.
    if f"STARTMSG {Code.TLC_VALUE_ASSERT_FAILED}:" in m.body:
        return AssertFailed(body)
    if exit_code in (ExitStatus.ERROR_CONFIG_PARSE,):
        return ConfigError(body)
    if exit_code in (ExitStatus.FAILURE_SPEC_EVAL, ExitStatus.FAILURE_SAFETY_EVAL, ExitStatus.FAILURE_LIVENESS_EVAL):
        return EvalError(body)
    if m.code in (Code.GENERAL, Code.TLC_NESTED_EXPRESSION, Code.TLC_FINGERPRINT_EXCEPTION) and (
        "Attempted" in m.body or "line " in m.body
    ):
        return EvalError(body)
    return TlcCrash(body, exit_code)


def _outcome_without_verdict(messages: list[Message], plain: str, exit_code: int | None, lines: int) -> Outcome:
    """No message decided: simulation success, or a JVM that died, or a cut stream."""
    if "OutOfMemoryError" in plain:
        first = next(line for line in plain.splitlines() if "OutOfMemoryError" in line)
        return OutOfMemory(first.strip())
    finished = any(m.code == Code.TLC_FINISHED for m in messages)
    if exit_code == 0 and finished:
        # Simulation prints no success message: finishing cleanly is success.
        return Success()
    if not finished and exit_code in (None, 0):
        return Truncated(None, lines)
    return TlcCrash(_last_lines(plain) or f"TLC exited with status {exit_code}", exit_code)


def _last_lines(text: str, count: int = 8) -> str:
    return "\n".join([line for line in text.splitlines() if line.strip()][-count:])


def _spec_error(sany: str, body: str) -> SpecError | StandardModuleMissing | ModuleNotFound:
    """SANY's plain-text report -> file:line:col and message (or: a module it could not find)."""
    text = sany + "\n" + body
    missing = _MISSING_MODULE.search(text)
    if missing is not None and missing.group(1) in STANDARD_MODULES:
        return StandardModuleMissing(missing.group(1), missing.group(0))
    if missing is not None:
        importer = _IMPORTED_BY.search(missing.group(0))
        return ModuleNotFound(missing.group(1), importer.group(1) if importer else "?", _searched_folders(text))
    semantic = _SEMANTIC.search(text)
    if "*** Errors:" in text and semantic is not None:
        module = semantic.group(3)
        return SpecError(
            f"{module}.tla", int(semantic.group(1)), int(semantic.group(2)), semantic.group(4).strip(), True
        )
    position = _PARSE_POSITION.search(text)
    file_match = _PARSE_FILE.search(text)
    file = file_match.group(2) if file_match else "?"
    line, column = (int(position.group(1)), int(position.group(2))) if position else (0, 0)
    message = _sany_message(text)
    return SpecError(file, line, column, message, False)


def _searched_folders(text: str) -> tuple[str, ...]:
    """Where SANY looked: the root spec's folder, then the folders its resolver lists (library path, the jar)."""
    folders: list[str] = []
    root = _ROOT_FILE.search(text)
    if root is not None:
        folders.append(root.group(1).rsplit("/", 1)[0] + "/")
    listed = _SEARCHED.search(text)
    if listed is not None:
        folders += [folder.strip() for folder in listed.group(1).split(", ") if folder.strip()]
    return tuple(dict.fromkeys(folders))


def _sany_message(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    for marker in ("***Parse Error***", "Lexical error"):
        for i, line in enumerate(lines):
            if line.startswith(marker):
                tail = lines[i : i + 3] if marker == "***Parse Error***" else lines[i : i + 1]
                return " ".join(t for t in tail if t and t != "***Parse Error***")
    for line in lines:
        if line.startswith("Cannot find source file") or line.startswith("Could not"):
            return line
    return next((line for line in lines if line), "SANY failed without a message")


def _stats(messages: list[Message]) -> Stats:
    counts: tuple[int | None, int | None, int | None] = (None, None, None)
    final_counts = False
    depth = None
    duration = None
    for m in messages:
        if m.code == Code.TLC_STATS:
            counts = progress_counts(m) or counts
            final_counts = True
        elif m.code in (Code.TLC_PROGRESS_STATS, Code.TLC_PROGRESS_SIMU) and not final_counts:
            # A simulation prints only progress lines; TLC_STATS wins when present.
            counts = progress_counts(m) or counts
        elif m.code == Code.TLC_STATS_SIMU:
            found = _SIMU_GENERATED.search(m.body)
            if found:
                counts = (_int(found.group(1)), counts[1], counts[2])
        elif m.code == Code.TLC_SEARCH_DEPTH:
            found = _DEPTH.search(m.body)
            if found:
                depth = int(found.group(1))
        elif m.code == Code.TLC_FINISHED:
            duration = parse_duration(m.body)
    return Stats(*counts, depth=depth, duration_seconds=duration)


def _traces(messages: list[Message]) -> tuple[ErrorTrace, ...]:
    traces: list[ErrorTrace] = []
    states: list[TraceState] = []
    lasso: Lasso | None = None

    def close() -> None:
        nonlocal states, lasso
        if states:
            traces.append(ErrorTrace(tuple(states), lasso))
        states, lasso = [], None

    for m in messages:
        if m.code in (Code.TLC_BEHAVIOR_UP_TO_THIS_POINT, Code.TLC_COUNTER_EXAMPLE):
            close()
        elif m.code in (Code.TLC_STATE_PRINT1, Code.TLC_STATE_PRINT2, Code.TLC_STATE_PRINT3, Code.TLC_BACK_TO_STATE):
            item = parse_state(m.body)
            if isinstance(item, Lasso):
                lasso = item
            else:
                if item.number == 1 and states:
                    close()
                states.append(item)
    close()
    return tuple(traces)


def progress_counts(message: Message) -> tuple[int | None, int | None, int | None] | None:
    """(generated, distinct, left on queue) from a progress or stats message.

    Simulation prints -1 for the counts it does not keep; those are None.
    """
    if message.code not in (Code.TLC_PROGRESS_STATS, Code.TLC_PROGRESS_SIMU, Code.TLC_STATS):
        return None
    found = _STATS.search(message.body)
    if found is None:
        return None
    generated, distinct, queue = (_int(g) for g in found.groups())
    return (
        generated if generated >= 0 else None,
        distinct if distinct >= 0 else None,
        queue if queue >= 0 else None,
    )
