"""Balanced, contiguous assignment of grids to workers (pure: no database, no Flask).

The problem is a small graph partitioning: nodes are grids (weighted by households, or area where
households are unknown), edges join grids that share a boundary line. Each worker gets a set of
grids that is connected in that graph (one walkable patch, not scattered cells) with a load close
to the township's average. Exact balanced connected partitioning is NP-hard; townships have tens
of grids, so a greedy region growing plus a local search is quick and good enough:

1. **Seeds.** A worker's existing grids are their seed region. Workers without grids are placed in
   the connected components with the most load per worker, each on the free grid farthest from the
   seeds already there (spreads them out, so regions can grow without walling each other in).
2. **Growth.** Repeatedly the least-loaded worker that still has a free neighbouring grid takes the
   one nearest the centre of their region (compact shapes), ties broken by the longest shared edge.
3. **Refinement.** A proposed grid on the edge between two regions moves to the neighbour when
   that lowers the sum of squared deviations from the target and leaves the donor's region as
   connected as it was. Existing assignments never move.

Loads end within ``target ± the largest single grid load`` on ordinary layouts (the tests check
this bound); a component no worker can reach stays unassigned and is reported.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

MAX_REFINE_ROUNDS = 500


@dataclass(frozen=True)
class Cell:
    code: str
    load: float
    x: float  # metres in any local plane (only distances between cells matter)
    y: float


@dataclass
class Plan:
    target: float
    regions: dict[int, set[str]]  # worker -> all grids (existing + proposed)
    proposed: dict[int, list[str]]  # worker -> proposed grids only
    loads: dict[int, float]
    contiguous: dict[int, bool]
    unassigned: list[str] = field(default_factory=list)

    def balance(self) -> dict:
        """How even the loads are: max and min over target, coefficient of variation."""
        loads = list(self.loads.values())
        if not loads or self.target <= 0:
            return {"target": self.target, "max_over_target": None, "min_over_target": None}
        mean = sum(loads) / len(loads)
        spread = math.sqrt(sum((v - mean) ** 2 for v in loads) / len(loads))
        return {
            "target": round(self.target, 2),
            "max_over_target": round(max(loads) / self.target, 3),
            "min_over_target": round(min(loads) / self.target, 3),
            "cv": round(spread / mean, 3) if mean else None,
        }


def build_graph(cells: Iterable[Cell], edges: Iterable[tuple[str, str, float]]) -> nx.Graph:
    graph = nx.Graph()
    for cell in cells:
        graph.add_node(cell.code, cell=cell)
    for a, b, shared in edges:
        if a in graph and b in graph and a != b and shared > 0:
            graph.add_edge(a, b, shared=shared)
    return graph


def propose(
    graph: nx.Graph,
    vacant: Iterable[str],
    workers: list[int],
    existing: dict[int, set[str]],
) -> Plan:
    """Give every vacant grid to one of ``workers`` (see the module docstring for how)."""
    vacant = {c for c in vacant if c in graph}
    regions = {w: {c for c in existing.get(w, set()) if c in graph} for w in workers}
    load_of = {c: graph.nodes[c]["cell"].load for c in graph}
    total = sum(load_of[c] for c in vacant) + sum(load_of[c] for r in regions.values() for c in r)
    target = total / len(workers) if workers else 0.0
    owner = {c: w for w, r in regions.items() for c in r}
    _seed(graph, vacant, regions, owner, load_of, target)
    _grow(graph, vacant, regions, owner, load_of)
    _refine(graph, vacant, regions, owner, load_of, target)
    loads = {w: sum(load_of[c] for c in r) for w, r in regions.items()}
    return Plan(
        target=target,
        regions=regions,
        proposed={w: sorted(c for c in r if c in vacant) for w, r in regions.items()},
        loads=loads,
        contiguous={w: bool(r) and nx.is_connected(graph.subgraph(r)) for w, r in regions.items()},
        unassigned=sorted(c for c in vacant if c not in owner),
    )


def _distance(graph: nx.Graph, a: str, b: str) -> float:
    ca, cb = graph.nodes[a]["cell"], graph.nodes[b]["cell"]
    return math.hypot(ca.x - cb.x, ca.y - cb.y)


def _seed(graph, vacant, regions, owner, load_of, target) -> None:
    """Place workers that hold no grid yet, where the most load per worker waits."""
    unseeded = [w for w, r in regions.items() if not r]
    components = [set(c) for c in nx.connected_components(graph) if c & vacant]
    for worker in unseeded:
        best, best_gap = None, -math.inf
        for comp in components:
            free = [c for c in comp if c in vacant and c not in owner]
            if not free:
                continue
            present = len({owner[c] for c in comp if c in owner})
            gap = sum(load_of[c] for c in comp) - present * target
            if gap > best_gap:
                best, best_gap = (comp, free), gap
        if best is None:
            return
        comp, free = best
        taken = [c for c in comp if c in owner]
        if taken:
            seed = max(free, key=lambda c: (min(_distance(graph, c, t) for t in taken), c))
        else:  # the grid farthest from the component's middle: a corner
            cx = sum(graph.nodes[c]["cell"].x for c in comp) / len(comp)
            cy = sum(graph.nodes[c]["cell"].y for c in comp) / len(comp)
            seed = max(
                free,
                key=lambda c: (
                    math.hypot(graph.nodes[c]["cell"].x - cx, graph.nodes[c]["cell"].y - cy),
                    c,
                ),
            )
        regions[worker].add(seed)
        owner[seed] = worker


def _centre(graph, region: set[str]) -> tuple[float, float]:
    cells = [graph.nodes[c]["cell"] for c in region]
    return sum(c.x for c in cells) / len(cells), sum(c.y for c in cells) / len(cells)


def _grow(graph, vacant, regions, owner, load_of) -> None:
    heap = [(sum(load_of[c] for c in r), w) for w, r in regions.items() if r]
    heapq.heapify(heap)
    while heap:
        load, worker = heapq.heappop(heap)
        region = regions[worker]
        frontier = {n for c in region for n in graph.neighbors(c) if n in vacant and n not in owner}
        if not frontier:
            continue  # walled in: this worker is done
        cx, cy = _centre(graph, region)

        def preference(code: str, cx=cx, cy=cy, region=region) -> tuple:
            cell = graph.nodes[code]["cell"]
            shared = sum(
                graph.edges[code, n]["shared"] for n in graph.neighbors(code) if n in region
            )
            return (math.hypot(cell.x - cx, cell.y - cy), -shared, code)

        chosen = min(frontier, key=preference)
        region.add(chosen)
        owner[chosen] = worker
        heapq.heappush(heap, (load + load_of[chosen], worker))


def _pieces(graph, region: set[str]) -> int:
    return nx.number_connected_components(graph.subgraph(region)) if region else 0


def _refine(graph, vacant, regions, owner, load_of, target) -> None:
    loads = {w: sum(load_of[c] for c in r) for w, r in regions.items()}
    for _ in range(MAX_REFINE_ROUNDS):
        best_gain, best_move = 1e-9, None
        for code, donor in owner.items():
            if code not in vacant:
                continue  # existing assignments stay where they are
            for n in graph.neighbors(code):
                taker = owner.get(n)
                if taker is None or taker == donor:
                    continue
                before = (loads[donor] - target) ** 2 + (loads[taker] - target) ** 2
                after = (loads[donor] - load_of[code] - target) ** 2 + (
                    loads[taker] + load_of[code] - target
                ) ** 2
                gain = before - after
                if gain > best_gain:
                    remaining = regions[donor] - {code}
                    if remaining and _pieces(graph, remaining) <= _pieces(graph, regions[donor]):
                        best_gain, best_move = gain, (code, taker, donor)
        if best_move is None:
            return
        code, taker, donor = best_move
        regions[donor].discard(code)
        regions[taker].add(code)
        owner[code] = taker
        loads[donor] -= load_of[code]
        loads[taker] += load_of[code]
