"""Generated tests where the real C and the spec knowingly differ, keyed by the walk itself.

A generated test's name (``test_walk_069``) is its place in the edge cover,
which moves whenever ``make gen`` covers a changed graph; its steps do not.
So a divergence is keyed by the test module and a digest of the walk's steps
(name, actor, arguments), leaving out what regeneration renumbers: the TLC
state numbers (``then=N``), the spec line comments and the test's name.

    python -m conformance.kernel.divergences conformance/generated/test_conf_rotate.py::test_walk_069

prints the key of a test, to add it to :data:`KERNEL_DIVERGENCES` with the
reason.  The root conftest.py marks each listed test a strict xfail under
``--impl=kernel``; conformance/kernel/tests/test_divergences.py fails when a
key names no walk of the generated suite any more.

Empty since the spec models folio identity (pc ``hit_gone``): the four walks
of the old finding ("a waiter whose folio was replaced retries at once") pass.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

# key -> why the C and the spec differ on that walk
KERNEL_DIVERGENCES: dict[str, str] = {}


# A generated test starts at a top-level `def test_`; each step is one `run.step(...)` line,
# its TLC state number last (`then=N`), a comment naming the spec line after it.
_TEST = re.compile(r"^def (test_\w+)\(", re.MULTILINE)
_STEP = re.compile(r"^\s+run\.step\((.*?)(?:, then=\d+)?\)\s*(?:#.*)?$", re.MULTILINE)


def walk_steps(source: str) -> list[str]:
    """The ``run.step(...)`` arguments of one generated test's source, without the ``then=`` state numbers."""
    return _STEP.findall(source)


def walk_key(module: str, source: str) -> str:
    """``module:digest``: the test module's file name and 16 hex digits of the walk's steps."""
    digest = hashlib.sha256("\n".join(walk_steps(source)).encode()).hexdigest()[:16]
    return f"{module}:{digest}"


def walks(path: Path) -> Iterator[tuple[str, str]]:
    """``(test name, key)`` for every test function of a generated module, in file order."""
    text = path.read_text()
    starts = list(_TEST.finditer(text))
    for here, after in zip(starts, starts[1:] + [None]):
        body = text[here.start() : after.start() if after else len(text)]
        yield here.group(1), walk_key(path.name, body)


def key_of(path: Path, test: str) -> str | None:
    """The key of test ``test`` of the generated module at ``path`` (None: no such test)."""
    return dict(walks(path)).get(test)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m conformance.kernel.divergences PATH::TEST [PATH::TEST ...]", file=sys.stderr)
        return 2
    status = 0
    for arg in argv:
        path, _, test = arg.partition("::")
        key = key_of(Path(path), test) if Path(path).is_file() else None
        if key is None:
            print(
                f"{arg}: no such generated test (give conformance/generated/test_X.py::test_walk_NNN)", file=sys.stderr
            )
            status = 1
        else:
            print(f"{arg}\t{key!r}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
