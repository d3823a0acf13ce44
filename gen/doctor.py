"""``python -m gen doctor``: which Java and which TLC the bridge will use."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from gen.bridge.java import PINNED_SHA256, find_jar, find_java, tlc_version


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def main(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    java = find_java()
    jar = find_jar()
    print(f"java:  {java.path} (Java {java.version}, from {java.source})", file=stdout)
    print(f"jar:   {jar.path} (from {jar.source})", file=stdout)
    if jar.pinned:
        checksum = "matches the pinned TLC 2.15"
    else:
        checksum = f"not the pinned one ({PINNED_SHA256[:12]}...): used as is because $TLA2TOOLS_JAR names it"
    print(f"       sha256 {jar.sha256} {checksum}", file=stdout)
    print(f"tlc:   {tlc_version(java, jar)}", file=stdout)
    return 0
