"""The import graph of gen/ and conformance/: layers, imports that run upward, cycles.

``python -m gen.tools.import_graph`` prints, for the project's own modules
(tests, benchmarks, generated files and this tool left out), every module
with its layer, then the imports that go from a lower layer to a higher one
and the import cycles (strongly connected components of more than one
module).  Imports inside functions count: they run too, only later.

Layers, lowest first: the reference implementation (``conformance``), the
bridge to TLC, the generators, review, and the commands.  A module's layer
comes from its package (``gen.bridge.tlc``); flat modules of an older
layout are placed by their name, so the same script draws the tree before
and after the renovation of issue 13.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("conformance", "gen")
LEFT_OUT = ("tests", "benchmarks", "generated", "tools")
LAYERS = ("conformance", "bridge", "generators", "review", "commands")
# Where a module of the flat layout belongs (issue 13's three wings).
FLAT_WINGS = {
    "bridge": {
        "java",
        "tlc",
        "tool_output",
        "outcomes",
        "errors",
        "manifest",
        "progress",
        "tla_text",
        "values",
        "files",
        "paths",
        "tlc_config",
        "check_table",
    },
    "generators": {
        "dot",
        "edges",
        "cover",
        "render",
        "generate",
        "counterexamples",
        "itf",
        "mutants",
        "replay",
        "step_text",
    },
    "review": {"report", "mermaid", "trace_view", "diff", "behaviours"},
    "commands": {"__main__", "check", "run", "doctor"},
}


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for every module of the project outside tests, benchmarks and generated files."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if any(part in LEFT_OUT for part in parts) or not all(part.isidentifier() for part in parts):
                continue  # (a name that is no identifier is no module: e.g. gen/mermaid-cli/node_modules)
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "conformance":
        return "conformance"
    if len(parts) > 2 and parts[1] in LAYERS:
        return parts[1]
    if len(parts) == 2 and parts[1] in LAYERS:
        return parts[1]
    name = parts[-1]
    for wing, names in FLAT_WINGS.items():
        if name in names:
            return wing
    return "commands" if module == "gen" else "bridge"


def imports_of(module: str, path: Path, known: Iterable[str]) -> set[str]:
    """The project modules that ``module`` imports (at the top or inside functions)."""
    known = set(known)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and not (name in PACKAGES and name != names[0]):
                found.add(name)
    return found


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def upward_imports(graph: Mapping[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a lower layer into a higher one, and commands importing commands."""
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    return sorted(
        (a, b)
        for a, targets in graph.items()
        for b in targets
        if rank[layer_of(b)] > rank[layer_of(a)] or layer_of(a) == layer_of(b) == "commands" != b
    )


def main() -> int:
    modules = project_modules()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    print("layers (lowest first):")
    for layer in LAYERS:
        members = sorted(m for m in modules if layer_of(m) == layer)
        lines = sum(len(modules[m].read_text().splitlines()) for m in members)
        print(f"  {layer:12} {len(members):3} modules {lines:6} lines: {', '.join(members)}")
    upward = upward_imports(graph)
    print(f"imports that run upward (or from one command to another): {len(upward)}")
    for source, target in upward:
        print(f"  {source} ({layer_of(source)}) -> {target} ({layer_of(target)})")
    found = cycles(graph)
    print(f"cycles: {len(found)}")
    for component in found:
        print(f"  {' <-> '.join(component)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
