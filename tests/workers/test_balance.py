"""The balancing algorithm alone (no database): contiguity, balance tolerance, seeds, obstacles.

Tolerance stated by gridsvc.workers.balance: every worker's load lies within the target ± the
largest single grid load, and every worker's grids form one connected component.
"""

from __future__ import annotations

import random

import networkx as nx
import pytest

from gridsvc.workers.balance import Cell, build_graph, propose


def lattice(rows: int, cols: int, load=lambda r, c: 1.0, skip=frozenset()):
    cells = [
        Cell(f"{r:02d}{c:02d}", load(r, c), c * 300.0, r * 300.0)
        for r in range(rows)
        for c in range(cols)
        if (r, c) not in skip
    ]
    edges = []
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                edges.append((f"{r:02d}{c:02d}", f"{r:02d}{c + 1:02d}", 300.0))
            if r + 1 < rows:
                edges.append((f"{r:02d}{c:02d}", f"{r + 1:02d}{c:02d}", 300.0))
    return cells, build_graph(cells, edges)


def assert_contiguous_and_balanced(graph, plan, cells):
    biggest = max(c.load for c in cells)
    for worker, region in plan.regions.items():
        assert nx.is_connected(graph.subgraph(region)), (worker, sorted(region))
        assert abs(plan.loads[worker] - plan.target) <= biggest, (worker, plan.loads)
    assigned = [c for r in plan.regions.values() for c in r]
    assert len(assigned) == len(set(assigned))  # nobody shares a grid


@pytest.mark.parametrize(
    ("rows", "cols", "workers", "seed"),
    [(6, 6, 4, 1), (6, 6, 5, 2), (8, 8, 7, 3), (5, 9, 3, 4), (10, 10, 9, 5), (4, 4, 16, 6)],
)
def test_random_households_give_contiguous_balanced_regions(rows, cols, workers, seed):
    rnd = random.Random(seed)
    cells, graph = lattice(rows, cols, lambda r, c: float(rnd.randint(150, 650)))
    plan = propose(graph, [c.code for c in cells], list(range(workers)), {})
    assert plan.unassigned == []
    assert all(plan.contiguous.values())
    assert_contiguous_and_balanced(graph, plan, cells)
    if rows * cols >= 3 * workers:  # with several grids each, the loads end up close
        assert plan.balance()["max_over_target"] < 1.15


def test_equal_grids_split_exactly():
    cells, graph = lattice(4, 6)
    plan = propose(graph, [c.code for c in cells], [1, 2, 3], {})
    assert sorted(plan.loads.values()) == [8.0, 8.0, 8.0]
    assert plan.balance()["cv"] == 0.0


def test_existing_grids_seed_their_workers_and_never_move():
    cells, graph = lattice(4, 4)
    existing = {1: {"0000", "0001"}, 2: {"0303"}}
    vacant = [c.code for c in cells if c.code not in existing[1] | existing[2]]
    plan = propose(graph, vacant, [1, 2], existing)
    assert existing[1] <= plan.regions[1]
    assert existing[2] <= plan.regions[2]
    assert sorted(plan.loads.values()) == [8.0, 8.0]
    assert set(plan.proposed[1]).isdisjoint(existing[1])
    assert_contiguous_and_balanced(graph, plan, cells)


def test_a_component_no_worker_reaches_stays_unassigned():
    # Column 2 is held by someone else (not in the graph): the east part is cut off.
    cells, graph = lattice(3, 5, skip={(r, 2) for r in range(3)})
    plan = propose(graph, [c.code for c in cells if not c.code.endswith(("03", "04"))], [7], {})
    assert plan.unassigned == []
    assert sorted(plan.regions[7]) == ["0000", "0001", "0100", "0101", "0200", "0201"]
    two = propose(graph, [c.code for c in cells], [7], {7: {"0000"}})
    assert two.unassigned == ["0003", "0004", "0103", "0104", "0203", "0204"]
    assert two.contiguous[7]


def test_unseeded_workers_go_where_the_load_is():
    # Two separate blocks: 12 grids west, 4 east. Four new workers: three west, one east.
    east = [Cell(f"e{i}", 1.0, 5000.0 + 300 * i, 0.0) for i in range(4)]
    edges = [(f"e{i}", f"e{i + 1}", 300.0) for i in range(3)]
    _, west_graph = lattice(3, 4)
    graph = nx.compose(west_graph, build_graph(east, edges))
    plan = propose(graph, list(graph.nodes), [1, 2, 3, 4], {})
    east_workers = {w for w, r in plan.regions.items() if r & {c.code for c in east}}
    assert len(east_workers) == 1
    assert plan.unassigned == []
    assert sorted(plan.loads.values()) == [4.0, 4.0, 4.0, 4.0]
    assert all(plan.contiguous.values())


def test_corner_touching_grids_are_not_neighbours():
    cells = [Cell("a", 1, 0, 0), Cell("b", 1, 1, 1)]
    graph = build_graph(cells, [("a", "b", 0.0)])
    assert graph.number_of_edges() == 0
