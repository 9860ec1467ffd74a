"""The package's shape: no import cycles, and the import contracts hold (DESIGN.md §2)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "gridsvc"


def _graph() -> nx.DiGraph:
    # Annotation-only imports (under TYPE_CHECKING) never run, so they cannot form a cycle.
    imports = grimp.build_graph("gridsvc", exclude_type_checking_imports=True)
    graph = nx.DiGraph()
    for module in imports.modules:
        graph.add_node(module)
        for imported in imports.find_modules_directly_imported_by(module):
            graph.add_edge(module, imported)
    return graph


def test_gridsvc_has_no_import_cycle():
    cycles = [" -> ".join(cycle) for cycle in nx.simple_cycles(_graph())]
    assert cycles == []


def test_the_graph_sees_imports_below_module_level():
    # A cycle hidden in a function-level import counts too: grimp reads every import statement.
    graph = _graph()
    assert graph.has_edge("gridsvc.app", "gridsvc.routing")  # inside _wire_handoffs
    assert not graph.has_edge("gridsvc.jobs", "gridsvc.app")


def test_imports_below_module_level_say_why():
    """Only the app factory (its docstring says why) imports inside functions without a comment."""
    unexplained = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "app.py" and path.parent == PACKAGE:
            continue
        lines = path.read_text().split("\n")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    here, above = lines[inner.lineno - 1], lines[inner.lineno - 2]
                    if "#" not in here and not above.strip().startswith("#"):
                        unexplained.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert unexplained == []
