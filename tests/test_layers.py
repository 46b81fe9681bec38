"""The packages import one way only: ground → capabilities → orchestration → command lines.

Every import statement of every module (module level, inside functions, under TYPE_CHECKING)
is read from the source, so a lazy import cannot hide an upward arrow. The layers, bottom up:

0. ground: ``acbench_core`` (catalog, data sources, models, corpora, results model),
   ``yaml_tasks``;
1. capabilities: ``acbench_tasks``, ``compressors``, ``hub_publish``, ``acbench.analysis``;
2. orchestration: the rest of ``acbench`` (evaluate, energy, pipeline, report, compare formats);
3. command lines: every ``cli`` module, ``acbench.__main__``.

A module may import its own layer or a lower one; the modules and the units above (each
top-level package, ``acbench.analysis`` on its own) must not import each other in a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("acbench_core", "yaml_tasks", "acbench_tasks", "compressors", "hub_publish", "acbench")
LAYER_NAMES = ("ground", "capability", "orchestration", "command line")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    if parts[-1] in ("cli", "__main__"):
        return 3
    if parts[0] in ("acbench_core", "yaml_tasks"):
        return 0
    if parts[0] in ("acbench_tasks", "compressors", "hub_publish") or parts[:2] == [
        "acbench",
        "analysis",
    ]:
        return 1
    return 2


def unit(module: str) -> str:
    """The package a module counts for in the package-level circle check."""
    parts = module.split(".")
    return "acbench.analysis" if parts[:2] == ["acbench", "analysis"] else parts[0]


def imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Our modules that ``module`` imports anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # a submodule, else a name defined in ``base``
                full = f"{base}.{alias.name}"
                names.add(full if full in known else base)
    found = set()
    for name in names:
        while name and name not in known:  # a name imported from a module → that module
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def import_graph() -> nx.DiGraph:
    found = modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(found)
    for module, path in found.items():
        graph.add_edges_from((module, target) for target in imports(module, path, set(found)))
    return graph


def test_the_walk_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import acbench.report\n"
        "def f():\n    from acbench_core.catalog import benchmark\n"
        "from .sibling import x\n"
    )
    known = {"acbench.report", "acbench_core.catalog", "pkg.sibling"}
    assert imports("pkg.mod", source, known) == known


def test_no_module_imports_a_higher_layer() -> None:
    graph = import_graph()
    upward = sorted(
        f"{a} ({LAYER_NAMES[layer(a)]}) imports {b} ({LAYER_NAMES[layer(b)]})"
        for a, b in graph.edges
        if layer(b) > layer(a)
    )
    assert not upward, "imports that run back up:\n" + "\n".join(upward)


def test_no_circles_between_modules_or_packages() -> None:
    graph = import_graph()
    circles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not circles, f"modules importing each other in a circle: {circles}"
    units = nx.DiGraph()
    units.add_edges_from((unit(a), unit(b)) for a, b in graph.edges if unit(a) != unit(b))
    cycles = list(nx.simple_cycles(units))
    assert not cycles, f"packages importing each other in a circle: {cycles}"


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("acbench_core.catalog", 0),
        ("acbench_tasks.worfbench.worfbench", 1),
        ("acbench.analysis.runner", 1),
        ("acbench.pipeline.runner", 2),
        ("compressors.cli", 3),
        ("acbench.cli", 3),
    ],
)
def test_layers_of_known_modules(module: str, expected: int) -> None:
    assert layer(module) == expected
