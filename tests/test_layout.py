"""The package's shape: no import cycles, and the import contracts hold (DESIGN.md §2)."""

from __future__ import annotations

import grimp
import networkx as nx


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
