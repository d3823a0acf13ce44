"""``python -m gen <command>``: a thin dispatcher.

Each command lives in its own module exposing ``add_arguments(parser)`` and
``main(args) -> int``.  To add one, add a line to COMMANDS; modules are
imported only when their command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from gen.bridge.errors import BridgeError, FileSystemFault

COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("gen.doctor", "show which Java and which TLC will be used"),
    "check": ("gen.check", "run the manifest's models and compare with the expected results"),
    "run": ("gen.run", "run TLC once and print the outcome and the error trace"),
    "cache": ("gen.cache", "show or prune TLC's result cache (build/cache/tlc/)"),
    "gen": ("gen.generators.generate", "regenerate the conformance suite under conformance/generated/"),
    "diff": ("gen.review.diff", "compare the spec's behaviours at a git revision with the working tree's"),
    "report": ("gen.review.report", "write build/report.md: the models table and each counterexample as a diagram"),
    "kernel-src": ("gen.kernel.sources", "extract the kernel files the project cites into build/kernel/ (once)"),
    "quotes": ("gen.kernel.quotes_cli", "verify every tagged C quote of the spec and conformance/ against the kernel"),
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m gen", description="The bridge between this project and TLC.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subparsers = {
        name: sub.add_parser(name, help=help_text, description=help_text)
        for name, (_module, help_text) in COMMANDS.items()
    }
    # Import only the named command's module (and give its parser its
    # options before parsing, so `check --help` lists them).
    command = next((a for a in arguments if not a.startswith("-")), None)
    module = None
    if command in COMMANDS:
        module = importlib.import_module(COMMANDS[command][0])
        module.add_arguments(subparsers[command])
    args = parser.parse_args(arguments)
    assert module is not None  # parse_args exits on an unknown command
    try:
        return int(module.main(args))
    except BridgeError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    except OSError as error:
        # A file-system fault no command turned into its own error (build/
        # read-only or a file, a full disk): typed, with what to do, no traceback.
        fault = FileSystemFault.from_os_error(error)
        print(f"error: {fault}", file=sys.stderr)
        return fault.exit_status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
