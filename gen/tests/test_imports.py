"""Every module imports on its own, and the packages depend one way: gen on conformance, never back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gen.tools import import_graph

ROOT = Path(__file__).resolve().parents[2]


def _all_modules() -> list[str]:
    names = []
    for package in ("gen", "conformance"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if not all(part.isidentifier() for part in parts):
                continue  # not a module name: e.g. gen/mermaid-cli/node_modules (npm's files, once installed)
            if parts[:2] == ("gen", "tests") or parts[-1] == "__main__":
                # gen/tests is no package (pytest puts it on sys.path to import its helpers);
                # __main__ runs a command when imported.
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _all_modules()


@pytest.mark.slow
def test_every_module_imports_in_a_fresh_interpreter() -> None:
    """A module that needs another to be imported first (a name bound from a partly initialised
    module in an import cycle) fails here, whatever the order the test run imported them in."""
    # One interpreter per module, run side by side: a shared interpreter would hide the order.
    children = {
        name: subprocess.Popen(
            [sys.executable, "-c", f"import {name}"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in MODULES
    }
    failures = {}
    for name, child in children.items():
        _, err = child.communicate(timeout=120)
        if child.returncode != 0:
            failures[name] = err.strip().splitlines()[-1]
    assert not failures, "modules that do not import on their own:\n" + "\n".join(
        f"  {name}: {why}" for name, why in sorted(failures.items())
    )


def test_conformance_never_imports_gen() -> None:
    """The reference implementation, its tests and the generated tests run without the generators."""
    everything = {}
    for path in sorted((ROOT / "conformance").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        everything[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    known = set(everything) | set(import_graph.project_modules())
    upward = sorted(
        f"{module} -> {target}"
        for module, path in everything.items()
        for target in import_graph.imports_of(module, path, known)
        if target.split(".")[0] == "gen"
    )
    assert upward == []


def test_the_project_graph_has_no_upward_import_and_only_the_kernels_cycle() -> None:
    modules = import_graph.project_modules()
    graph = {name: import_graph.imports_of(name, path, modules) for name, path in modules.items()}
    assert import_graph.upward_imports(graph) == []
    assert import_graph.cycles(graph) == [["conformance.memcontrol", "conformance.swap_state", "conformance.zswap"]]
