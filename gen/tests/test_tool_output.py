"""Golden tests: recorded TLC 2.15 -tool outputs parsed into typed results.

The recordings are real TLC runs on gen/tests/data/specs/ (re-record with
gen/tests/data/tool_output/record.py); the expected results below are written
by hand from reading them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pytest

from conformance.values import FnValue, ModelValue, TlaValue, function_of
from gen.bridge.errors import ConfigRejected, ModuleNotOnPath, TlcTimeout, TlcUsageError
from gen.bridge.no_verdict import error_for
from gen.bridge.outcomes import (
    ActionPropertyViolated,
    AssertFailed,
    AssumptionFailed,
    ConfigError,
    Deadlock,
    EvalError,
    InconsistentExit,
    InvariantViolated,
    Killed,
    LassoKind,
    ModuleNotFound,
    OutOfMemory,
    SourceLocation,
    SpecError,
    StandardModuleMissing,
    Stats,
    Success,
    TemporalPropertyViolated,
    Timeout,
    TlcCrash,
    TraceState,
    Truncated,
    UsageError,
    counts_are_partial,
)
from gen.bridge.tool_output import (
    Code,
    Message,
    MessageClass,
    ToolOutput,
    ToolOutputParser,
    parse_assignments,
    parse_duration,
    parse_state,
    parse_tool_output,
    progress_counts,
)

GOLDEN = Path(__file__).parent / "data" / "tool_output"
_EXIT = re.compile(r"exit code (-?\d+|unknown)$")


def load(name: str, exit_code: int | None | Literal["recorded"] = "recorded") -> ToolOutput:
    text = (GOLDEN / f"{name}.out").read_text()
    if exit_code == "recorded":
        found = _EXIT.search(text.splitlines()[0])
        assert found is not None, "golden file lacks its exit-code header"
        return parse_tool_output(text, None if found.group(1) == "unknown" else int(found.group(1)))
    return parse_tool_output(text, exit_code)


def pc(**tasks: str) -> FnValue:
    return FnValue({ModelValue(t): v for t, v in tasks.items()})


PREPARE = SourceLocation("SlotPin", 24, 24, 27, 56)
START_FAULT = SourceLocation("SlotPin", 19, 18, 21, 39)


def test_passing_run_is_success_with_counts() -> None:
    out = load("passing")
    assert out.outcome == Success()
    assert out.outcome.verdict == "success"
    assert out.stats.generated == 49
    assert out.stats.distinct == 20
    assert out.stats.left_on_queue == 0
    assert out.stats.depth == 5
    assert out.stats.duration_seconds is not None and 0 < out.stats.duration_seconds < 60
    assert out.traces == ()
    assert out.tlc_version == "TLC2 Version 2.15 of Day Month 20?? (rev: d5b5a7f)"
    assert out.exit_code == 0


def test_invariant_violation_names_the_invariant_and_gives_the_trace() -> None:
    out = load("invariant")
    assert out.outcome == InvariantViolated("OnePinHolder")
    assert out.outcome.verdict == "invariant:OnePinHolder"
    assert out.stats == Stats(15, 9, 1, 5, out.stats.duration_seconds)
    (trace,) = out.traces
    assert trace.lasso is None
    assert [s.number for s in trace.states] == [1, 2, 3, 4, 5]
    assert [s.action for s in trace.states] == [
        "Initial predicate",
        "StartFault",
        "SwapcachePrepare",
        "StartFault",
        "SwapcachePrepare",
    ]
    assert trace.states[0].location is None
    assert trace.states[2].location == PREPARE
    assert trace.states[0].variables == {"has_cache": False, "pc": pc(t1="idle", t2="idle")}
    assert trace.states[-1].variables == {"has_cache": True, "pc": pc(t1="add", t2="add")}


def test_action_property_violation_is_a_property_verdict() -> None:
    out = load("action_property")
    assert out.outcome == ActionPropertyViolated("PinTakenWhenFree")
    assert out.outcome.verdict == "property:PinTakenWhenFree"
    # TLC 2.15 exits 13 (liveness) here, not 12: accepted, not inconsistent.
    assert out.exit_code == 13
    assert len(out.traces[0].states) == 5


def test_lasso_back_to_a_state() -> None:
    out = load("lasso")
    # The parser alone cannot know the name (TLC does not print it); the
    # runner fills it in from the config (test_tlc.py).
    assert out.outcome == TemporalPropertyViolated()
    (trace,) = out.traces
    assert [s.action for s in trace.states] == [
        "Initial predicate",
        "StartFault",
        "StartFault",
        "SwapcachePrepare",
        "SwapcacheClear",
        "StartFault",
    ]
    assert trace.lasso is not None
    assert trace.lasso.kind is LassoKind.BACK_TO_STATE
    assert trace.lasso.back_to == 4
    assert trace.lasso.action == "SwapcachePrepare"
    assert trace.lasso.location == PREPARE
    # The loop: t2 takes the pin, drops it, faults again, while t1 waits at
    # lookup forever -- the starvation weak fairness allows.
    assert [s.variables["pc"] for s in trace.states[3:]] == [
        pc(t1="lookup", t2="add"),
        pc(t1="lookup", t2="idle"),
        pc(t1="lookup", t2="lookup"),
    ]
    assert out.stats.depth is None  # TLC prints no depth for liveness runs


def test_lasso_by_stuttering() -> None:
    out = load("stuttering")
    (trace,) = out.traces
    assert trace.lasso is not None and trace.lasso.kind is LassoKind.STUTTERING
    assert trace.lasso.back_to is None
    assert [s.variables["pc"] for s in trace.states] == [pc(t1="idle"), pc(t1="lookup"), pc(t1="add")]


def test_deadlock() -> None:
    out = load("deadlock")
    assert out.outcome == Deadlock()
    assert out.outcome.verdict == "deadlock"
    (trace,) = out.traces
    # TLC locates the disjunct of the action that was taken.
    assert [(s.action, s.location) for s in trace.states] == [
        ("Initial predicate", None),
        ("Writeback", SourceLocation("LockOrder", 12, 17, 14, 62)),
        ("SwapIn", SourceLocation("LockOrder", 20, 14, 22, 56)),
    ]
    # ABBA: writeback holds the folio lock, swap-in the pin.
    assert trace.states[-1].variables == {
        "folio_locked_by": "writeback",
        "pin_held_by": "swapin",
        "pc": FnValue(writeback="locked", swapin="pinned"),
    }


def test_assumption_failed_points_at_the_assume() -> None:
    out = load("assumption")
    assert isinstance(out.outcome, AssumptionFailed)
    assert out.outcome.location == SourceLocation("SlotPin", 11, 8, 11, 17)
    assert out.outcome.verdict == "error:assumption"


def test_parse_error_has_file_line_column_and_sany_message() -> None:
    out = load("parse_error")
    assert out.outcome == SpecError(
        "Broken.tla",
        5,
        20,
        'Was expecting "==== or more Module body" Encountered "1" at line 5, column 20 and token "+"',
        semantic=False,
    )
    assert out.outcome.verdict == "error:parse"


def test_semantic_error_names_the_unknown_operator() -> None:
    out = load("semantic_error")
    assert out.outcome == SpecError("Undefined.tla", 5, 14, "Unknown operator: `zswap_entry_count'.", semantic=True)
    assert out.outcome.verdict == "error:semantic"


def test_missing_user_module_is_its_own_outcome_with_the_folders_searched() -> None:
    out = load("module_missing")
    assert isinstance(out.outcome, ModuleNotFound) and out.outcome.verdict == "error:module-not-found"
    assert (out.outcome.module, out.outcome.imported_by) == ("ZswapHelpers", "ExtendsMissing")
    spec_folder, jar = out.outcome.searched
    assert spec_folder.endswith("/gen/tests/data/specs/")
    assert jar.startswith("jar:file:") and jar.endswith("tla2tools.jar!/tla2sany/StandardModules/")


def test_missing_community_module_names_the_library_path_searched() -> None:
    # TLC ran with -DTLA-Library=<specs>/lib-a:<specs>/lib-b (record.py).
    out = load("community_module_missing")
    assert isinstance(out.outcome, ModuleNotFound)
    assert (out.outcome.module, out.outcome.imported_by) == ("FiniteSetsExt", "ExtendsCommunity")
    assert [folder.rsplit("/", 2)[-2] for folder in out.outcome.searched[:3]] == ["specs", "lib-a", "lib-b"]
    assert out.outcome.searched[3].startswith("jar:file:")
    error = error_for(out.outcome)
    assert isinstance(error, ModuleNotOnPath) and error.exit_status == 1
    text = str(error)
    assert text.startswith("module FiniteSetsExt (imported by ExtendsCommunity) not found: TLC looked in ")
    assert "/lib-a/; " in text and "the standard modules inside tla2tools.jar" in text
    assert "?:0:0" not in text and "parse error" not in text
    assert "what to do: put FiniteSetsExt.tla beside the spec" in text and "--library-path DIR" in text


def test_check_deadlock_in_a_config_names_the_file_the_line_and_the_bridges_switch() -> None:
    # TLC 2.15 reads TLC 2.16's CHECK_DEADLOCK as one more INVARIANT name, and names no line.
    out = load("config_check_deadlock")
    assert isinstance(out.outcome, ConfigError) and out.exit_code == 151
    assert "The invariant CHECK_DEADLOCK specified in the configuration file" in out.outcome.message
    config = GOLDEN.parent / "specs" / "check_deadlock.cfg"
    error = error_for(out.outcome, config=config)
    assert isinstance(error, ConfigRejected)
    assert error.line == 5 and error.config.endswith("check_deadlock.cfg")
    assert str(error).startswith(f"{error.config}:5: TLC rejected the configuration: The invariant CHECK_DEADLOCK")
    assert '"check_deadlock": false' in error.todo and "--no-deadlock" in error.todo


def test_config_syntax_error_names_the_file_and_the_line_it_gives() -> None:
    out = load("config_syntax")
    error = error_for(out.outcome, config=GOLDEN.parent / "specs" / "bad_syntax.cfg")
    assert isinstance(error, ConfigRejected) and error.line == 4
    assert "CHECK_DEADLOCK" not in error.todo


@pytest.mark.parametrize(
    ("name", "says"),
    [("usage_unknown_switch", "unrecognized option: -bogus"), ("usage_workers", "at least one worker required")],
)
def test_tlc_usage_message_is_a_usage_error(name: str, says: str) -> None:
    out = load(name)
    assert isinstance(out.outcome, UsageError) and out.outcome.verdict == "error:usage"
    error = error_for(out.outcome)
    assert isinstance(error, TlcUsageError) and says in str(error)
    assert "spec or model" not in str(error) and "tlc2.TLC -help" in error.todo


def test_counts_after_a_time_limit_are_marked_partial() -> None:
    # The bridge killed TLC (exit -9) after its first progress line; run_tlc then reports Timeout.
    out = load("timeout")
    assert out.outcome == Killed(9)
    assert out.stats.distinct is not None and out.stats.distinct > 1000 and out.stats.depth is None
    assert counts_are_partial(Timeout(8)) and counts_are_partial(out.outcome)
    assert not counts_are_partial(load("passing").outcome)
    error = error_for(Timeout(8), stats=out.stats)
    assert isinstance(error, TlcTimeout)
    assert f"the counts are partial, from TLC's last progress line before it was stopped: {out.stats.distinct:,} " in (
        error.what
    )
    assert "printed no counts" in str(error_for(Timeout(8), stats=Stats()))


def test_missing_standard_module_is_not_blamed_on_the_spec() -> None:
    # TLC could not copy Naturals.tla out of its jar (unwritable java.io.tmpdir).
    out = load("standard_module_missing")
    assert out.outcome == StandardModuleMissing(
        "Naturals", "Cannot find source file for module Naturals imported in module SlotPin."
    )
    assert out.outcome.verdict == "error:standard-module-missing"


def test_evaluation_error_keeps_tlc_explanation_and_partial_trace() -> None:
    out = load("eval_error")
    assert isinstance(out.outcome, EvalError)
    assert "out of domain" in out.outcome.message
    assert [s.variables for s in out.traces[0].states] == [{"x": 1}, {"x": 2}]  # single variable: no /\


def test_missing_config_is_a_config_error_despite_the_nested_message() -> None:
    out = load("missing_config")
    assert isinstance(out.outcome, ConfigError)
    assert "File not found" in out.outcome.message
    assert [m.code for m in out.messages][-2:] == [1000, 2186]


def test_jvm_out_of_memory_crash() -> None:
    out = load("out_of_memory")
    assert isinstance(out.outcome, OutOfMemory)
    assert "OutOfMemoryError" in out.outcome.message
    assert out.outcome.verdict == "error:out-of-memory"


def test_simulation_success_and_counts() -> None:
    out = load("simulate_success")
    assert out.outcome == Success()
    assert out.stats.generated is not None and out.stats.generated > 0
    assert out.stats.distinct is None and out.stats.depth is None


def test_simulation_invariant_violation() -> None:
    out = load("simulate_invariant")
    assert out.outcome == InvariantViolated("OnePinHolder")
    assert out.traces[0].states[-1].variables["pc"] == pc(t1="add", t2="add")


def test_stream_that_stops_mid_message_is_truncated() -> None:
    out = load("truncated")
    assert isinstance(out.outcome, Truncated)
    assert out.outcome == Truncated(Code.TLC_STATE_PRINT2, out.outcome.line_count)
    assert out.outcome.verdict == "error:truncated"
    # What was complete is still there.
    assert out.traces[0].states[-1].number == 2


def test_signal_wins_over_truncation() -> None:
    assert load("truncated", exit_code=-9).outcome == Killed(9)


def test_stream_that_stops_between_messages_is_truncated() -> None:
    text = (GOLDEN / "passing.out").read_text()
    cut = text[: text.index("@!@!@STARTMSG 2193")]
    assert isinstance(parse_tool_output(cut, None).outcome, Truncated)
    assert isinstance(parse_tool_output(cut, 0).outcome, Truncated)


def test_exit_code_that_contradicts_the_messages_is_reported() -> None:
    out = load("passing", exit_code=12)
    assert out.outcome == InconsistentExit(Success(), 12)
    assert out.outcome.verdict == "error:inconsistent-exit"
    assert isinstance(load("invariant", exit_code=0).outcome, InconsistentExit)


@pytest.mark.parametrize("exit_code", [153, 255, 1])
def test_unexplained_failure_exit_is_a_crash(exit_code: int) -> None:
    text = (GOLDEN / "passing.out").read_text()
    finished = "@!@!@STARTMSG 2186:0 @!@!@\nFinished in 1s at (x)\n@!@!@ENDMSG 2186 @!@!@\n"
    cut = text[: text.index("@!@!@STARTMSG 2193")] + "java.lang.InternalError: boom\n" + finished
    outcome = parse_tool_output(cut, exit_code).outcome
    assert isinstance(outcome, TlcCrash)
    assert outcome.exit_code == exit_code
    assert outcome.message.endswith("java.lang.InternalError: boom")


def test_tlc_bug_message_is_a_crash() -> None:
    text = "@!@!@STARTMSG 2262:0 @!@!@\nTLC2\n@!@!@ENDMSG 2262 @!@!@\n@!@!@STARTMSG 1234:2 @!@!@\nnull pointer\n@!@!@ENDMSG 1234 @!@!@\n"
    assert parse_tool_output(text, 255).outcome == TlcCrash("null pointer", 255)


def test_messages_are_delivered_as_they_complete() -> None:
    parser = ToolOutputParser()
    assert parser.feed("@!@!@STARTMSG 2200:0 @!@!@\n") is None
    assert (
        parser.feed(
            "Progress(5) at x: 1,234,567 states generated (9 s/min), 89,012 distinct states found (3 ds/min), 345 states left on queue.\n"
        )
        is None
    )
    message = parser.feed("@!@!@ENDMSG 2200 @!@!@\n")
    assert message is not None and message.code == Code.TLC_PROGRESS_STATS and message.cls is MessageClass.INFO
    assert progress_counts(message) == (1234567, 89012, 345)


def test_simulation_progress_has_no_distinct_count() -> None:
    message = Message(
        2209,
        MessageClass.INFO,
        "Progress(-1) at x: 66 states generated, -1 distinct states found, -1 states left on queue.",
    )
    assert progress_counts(message) == (66, None, None)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Finished in 758ms at (2026-11-26 04:23:22)", 0.758),
        ("Finished in 02s at (x)", 2.0),
        ("Finished in 01min 02s at (x)", 62.0),
        ("Finished in 01h 00min 05s at (x)", 3605.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_state_with_a_value_wrapped_over_lines() -> None:
    state = parse_state(
        "3: <SwapOut line 1, col 1 to line 2, col 2 of module Zswap>\n"
        "/\\ swap_map = ( s1 :> [count |-> 1, has_cache |-> FALSE] @@\n"
        "  s2 :> [count |-> 0, has_cache |-> FALSE] )\n"
        "/\\ zswap_lru = <<>>\n"
    )
    assert isinstance(state, TraceState)
    assert state.variables["zswap_lru"] == ()
    assert function_of(state.variables, "swap_map")[ModelValue("s2")]["count"] == 0


def test_memo_gives_the_same_states_and_is_reused() -> None:
    labels = [
        '/\\ swap_map = (s1 :> [count |-> 1, has_cache |-> FALSE])\n/\\ zswap_lru = <<>>\n/\\ note = "x\\n/\\\\ y = 1"',
        '/\\ swap_map = (s1 :> [count |-> 1, has_cache |-> FALSE])\n/\\ zswap_lru = <<1>>\n/\\ note = "x"',
    ]
    memo: dict[str, TlaValue] = {}
    with_memo = [parse_assignments(label, memo) for label in labels]
    assert with_memo == [parse_assignments(label) for label in labels]
    # TLC escapes newlines and backslashes in strings: no conjunct marker inside one.
    assert with_memo[0]["note"] == "x\n/\\ y = 1"
    assert with_memo[0]["swap_map"] is with_memo[1]["swap_map"]  # parsed once
    assert "(s1 :> [count |-> 1, has_cache |-> FALSE])" in memo


def test_assert_failure_is_its_own_verdict() -> None:
    out = load("assert_failed")
    assert out.outcome == AssertFailed(
        "The exception was a tlc2.tool.EvalException\n"
        ": The first argument of Assert evaluated to FALSE; the second argument was:\n"
        '"nr_pages overflow"'
    )
    assert out.outcome.verdict == "error:assert"
    assert out.exit_code == 75  # TLC 2.15 exits 75 here, not 14


def test_config_syntax_error_says_which_line() -> None:
    out = load("config_syntax")
    assert isinstance(out.outcome, ConfigError)
    assert "configuration file at line 4" in out.outcome.message
    assert "@!@!@" not in out.outcome.message
