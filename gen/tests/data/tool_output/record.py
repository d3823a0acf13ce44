"""Re-record the golden TLC -tool outputs under gen/tests/data/tool_output/.

Run: .venv/bin/python gen/tests/data/tool_output/record.py [NAME ...]   (about 30 s)

Each file beside this script is TLC's raw output for one small spec of
gen/tests/data/specs/, after a first line that says how it was made and
TLC's exit code (the parser treats that line as plain text).  ``truncated.out`` is
``invariant.out`` cut inside a state message, as when TLC is killed.
``timeout.out`` is what TLC had said when the bridge's time limit killed it
(exit -9).  ``standard_module_missing.out`` is TLC with a java.io.tmpdir it cannot
write, so SANY cannot copy its own Naturals.tla out of the jar: the same
failure as when a concurrent run deletes TLC's copies from a shared /tmp.
The expected typed results live in gen/tests/test_tool_output.py, written
by hand.  This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from gen.bridge.java import find_jar, find_java
from gen.bridge.tlc import DEFAULT_JVM_OPTIONS, RunOptions, build_command, run_tlc

OUT = Path(__file__).resolve().parent
SPECS = OUT.parent / "specs"

# name -> (spec, config, extra RunOptions)
CASES: dict[str, tuple[str, str, dict]] = {
    "passing": ("SlotPin", "passing", {}),
    "invariant": ("SlotPin", "invariant", {}),
    "action_property": ("SlotPin", "action", {}),
    "lasso": ("SlotPin", "lasso", {}),
    "stuttering": ("SlotPin", "stuttering", {}),
    "deadlock": ("LockOrder", "LockOrder", {}),
    "assumption": ("SlotPin", "assumption", {}),
    "parse_error": ("Broken", "Broken", {}),
    "semantic_error": ("Undefined", "Undefined", {}),
    "module_missing": ("ExtendsMissing", "ExtendsMissing", {}),
    "eval_error": ("EvalError", "EvalError", {}),
    "missing_config": ("SlotPin", "no_such_config", {}),
    "config_syntax": ("SlotPin", "bad_syntax", {}),
    "assert_failed": ("AssertFails", "AssertFails", {}),
    "out_of_memory": ("Huge", "Huge", {"jvm_options": ("-Xmx24m",), "timeout_seconds": 120}),
    "simulate_success": ("SlotPin", "passing", {"mode": "simulate", "simulate_depth": 20, "simulate_traces": 5, "seed": 1}),
    "simulate_invariant": ("SlotPin", "invariant", {"mode": "simulate", "simulate_depth": 20, "seed": 1}),
    # A community module, with a library path of two folders that do not hold it.
    "community_module_missing": (
        "ExtendsCommunity",
        "ExtendsCommunity",
        {"jvm_options": (*DEFAULT_JVM_OPTIONS, f"-DTLA-Library={SPECS / 'lib-a'}:{SPECS / 'lib-b'}")},
    ),
    "config_check_deadlock": ("SlotPin", "check_deadlock", {}),
    "usage_unknown_switch": ("SlotPin", "passing", {"extra_args": ("-bogus",)}),
    "usage_workers": ("SlotPin", "passing", {"workers": -3}),
    # Stopped by the time limit after TLC's first progress line (it prints one ~3 s in, then once a minute).
    "timeout": ("Forever", "Forever", {"timeout_seconds": 8}),
}


def record(name: str) -> None:
    spec, config, extra = CASES[name]
    options = RunOptions(SPECS / f"{spec}.tla", SPECS / f"{config}.cfg", **{"workers": 1, "label": name, **extra})
    run = run_tlc(options)
    header = (
        f"# recorded by gen/tests/data/tool_output/record.py: TLC -tool output for {spec}.tla "
        f"with {config}.cfg; exit code {run.output.exit_code}\n"
    )
    (OUT / f"{name}.out").write_text(header + run.raw_output)
    print(f"{name}: {run.outcome.verdict} (exit {run.output.exit_code})")


def record_truncated() -> None:
    lines = (OUT / "invariant.out").read_text().splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("@!@!@STARTMSG 2217:4")]
    cut = starts[2] + 3  # inside the third state of the trace
    header = (
        "# recorded by gen/tests/data/tool_output/record.py: invariant.out cut inside a state "
        "message, as a log of a killed TLC would end; exit code unknown\n"
    )
    (OUT / "truncated.out").write_text(header + "".join(lines[1:cut]))


def record_standard_module_missing() -> None:
    options = RunOptions(SPECS / "SlotPin.tla", SPECS / "passing.cfg", workers=1)
    with tempfile.TemporaryDirectory(prefix="record-") as scratch:
        argv = build_command(options, Path(scratch), find_java(), find_jar())
        unwritable = Path(scratch) / "no-such-folder"
        argv = [f"-Djava.io.tmpdir={unwritable}" if arg.startswith("-Djava.io.tmpdir=") else arg for arg in argv]
        done = subprocess.run(argv, cwd=SPECS, capture_output=True, text=True, timeout=120, check=False)
    header = (
        "# recorded by gen/tests/data/tool_output/record.py: TLC -tool output for SlotPin.tla with passing.cfg "
        f"and an unwritable java.io.tmpdir; exit code {done.returncode}\n"
    )
    (OUT / "standard_module_missing.out").write_text(header + done.stdout)
    print(f"standard_module_missing: exit {done.returncode}")


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or CASES:
        record(name)
    record_truncated()
    record_standard_module_missing()


if __name__ == "__main__":
    main(sys.argv[1:])
