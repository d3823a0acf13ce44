"""TLC 2.15's command-line switches, and the checks of the options that become them.

The table is TLC 2.15's own (``tlc2.TLC.handleParameters`` in tla2tools.jar
rev d5b5a7f; its ``-help`` omits ``-lncheck``, ``-maxSetSize``, ``-fpbits``,
``-fpmem``, ``-generateSpecTE`` and ``-userFile``): a switch it does not list
makes TLC print its usage and exit, so the manifest rejects it when loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gen.bridge.errors import BadOption

__all__ = ["TLC_SWITCHES", "check_workers", "library_path_option", "unknown_switch"]

# switch -> whether it takes a value (the next argument).
TLC_SWITCHES: dict[str, bool] = {
    "-aril": True,
    "-checkpoint": True,
    "-cleanup": False,
    "-config": True,
    "-continue": False,
    "-coverage": True,
    "-deadlock": False,
    "-debug": False,
    "-depth": True,
    "-dfid": True,
    "-difftrace": False,
    "-dump": True,
    "-fp": True,
    "-fpbits": True,
    "-fpmem": True,
    "-generateSpecTE": False,
    "-gzip": False,
    "-help": False,
    "-lncheck": True,
    "-maxSetSize": True,
    "-metadir": True,
    "-modelcheck": False,
    "-nowarning": False,
    "-recover": True,
    "-seed": True,
    "-simulate": False,
    "-terse": False,
    "-tool": False,
    "-userFile": True,
    "-view": False,
    "-workers": True,
}


def unknown_switch(args: Sequence[str]) -> str | None:
    """What is wrong with ``args`` as TLC 2.15 switches (an unknown one, a missing value), or None."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg not in TLC_SWITCHES:
            return f"{arg!r} is not a TLC 2.15 switch (known: {', '.join(sorted(TLC_SWITCHES))})"
        if TLC_SWITCHES[arg]:
            if index + 1 >= len(args) or args[index + 1] in TLC_SWITCHES:
                return f"{arg} takes a value (the next item of the list)"
            index += 1
        index += 1
    return None


def check_workers(workers: int | None, option: str = "--workers") -> int | None:
    """``workers`` if it is a number of TLC worker threads (1 or more) or None; else BadOption."""
    if workers is not None and workers < 1:
        raise BadOption(
            f"{option} {workers}: TLC needs at least one worker thread",
            f"pass {option} 1 or more, or leave it out for the default",
        )
    return workers


def library_path_option(folders: Sequence[Path]) -> tuple[str, ...]:
    """The JVM option that puts ``folders`` on SANY's module path (``-DTLA-Library``), or ()."""
    for folder in folders:
        if not folder.is_dir():
            raise BadOption(
                f"--library-path {folder}: no such folder", "pass a folder that holds the .tla modules the spec EXTENDS"
            )
    if not folders:
        return ()
    return ("-DTLA-Library=" + ":".join(str(folder.resolve()) for folder in folders),)
