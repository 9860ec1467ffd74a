"""Group overlay pieces into grids of a target size, inside each village, preferring street cuts.

The pieces are the faces of the overlay of every specialist boundary, the village boundaries and
(when given) the streets. They form a graph: two pieces are neighbours when they share an edge,
and the edge is weighted by how much of it runs along a street. Inside one village at a time the
smallest group is merged into the neighbour that best keeps three promises of the county's
principles:

* 规模适度 — the merged group stays within the households range (a merge past the maximum costs
  most); merging the *smallest* group first keeps groups balanced;
* 街巷定界 — the shared edge is not a street (merging across a street leaves the street inside a
  grid, the one thing a grid worker cannot walk around);
* compact shapes — the longer the shared edge relative to the group's perimeter, the rounder the
  result.

It stops when the village has the number of grids its households call for. Groups only ever merge
with a neighbour, so every grid is contiguous; pieces of one village never join another's.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.strtree import STRtree

#: A piece edge within this many metres of a street line runs along it (streets are noded into
#: the overlay, so edges on streets coincide with them up to floating point).
STREET_TOLERANCE_M = 1.0

# Weights of the merge cost (see the module doc); a merge past the maximum outweighs the rest.
_OVER_MAX = 4.0
_STREET = 1.5
_SIZE = 0.6
_COMPACT = 1.0


@dataclass
class Adjacency:
    """Neighbouring piece pairs (i < j) with their shared edge length and its part on streets."""

    i: np.ndarray
    j: np.ndarray
    shared_m: np.ndarray
    street_m: np.ndarray


def adjacency(metric: np.ndarray, streets_metric: np.ndarray | None) -> Adjacency:
    """Shared edges between pieces (given in metres), and how much of each lies on a street."""
    i, j = STRtree(metric).query(metric, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    bounds = shapely.boundary(metric)
    shared = shapely.intersection(bounds[i], bounds[j])
    shared_m = shapely.length(shared)
    on = shared_m > 0
    i, j, shared, shared_m = i[on], j[on], shared[on], shared_m[on]
    street_m = np.zeros(len(i))
    if streets_metric is not None and len(streets_metric) and len(i):
        zones = shapely.buffer(streets_metric, STREET_TOLERANCE_M, quad_segs=2)
        tree = STRtree(zones)
        e, z = tree.query(shared, predicate="intersects")
        if len(e):
            # An edge near several street zones: union them per edge (few, and only those).
            order = np.argsort(e, kind="stable")
            e, z = e[order], z[order]
            starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]])
            ends = np.r_[starts[1:], len(e)]
            cover = np.empty(len(starts), dtype=object)
            for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
                cover[k] = zones[z[a]] if b - a == 1 else shapely.union_all(zones[z[a:b]])
            edges = e[starts]
            street_m[edges] = shapely.length(shapely.intersection(shared[edges], cover))
    return Adjacency(i, j, shared_m, np.minimum(street_m, shared_m))


def partition(
    village: np.ndarray,
    size: np.ndarray,
    perimeter: np.ndarray,
    adj: Adjacency,
    grids_wanted: dict[int, int],
    max_size: dict[int, float],
) -> np.ndarray:
    """Label every piece with its group, merging smallest-first inside each village.

    Args:
        village: village index per piece.
        size: a piece's size in units of its village's target grid (households / target, or the
            area share when the area cap governs), so 1.0 is a grid of exactly the target size.
        perimeter: piece perimeter in metres (for the compactness term).
        adj: the piece graph (pairs across villages are ignored).
        grids_wanted: village index -> number of grids to stop at.
        max_size: village index -> the largest size (in the same units) a grid may reach.

    Returns:
        A group label per piece: the index of the piece the group grew from (its smallest member
        id); callers renumber.
    """
    n = len(village)
    size = size.astype(float).copy()
    perim = perimeter.astype(float).copy()
    nbr: list[dict[int, list[float]]] = [{} for _ in range(n)]
    same = village[adj.i] == village[adj.j]
    for a, b, s, r in zip(
        adj.i[same].tolist(),
        adj.j[same].tolist(),
        adj.shared_m[same].tolist(),
        adj.street_m[same].tolist(),
        strict=True,
    ):
        nbr[a][b] = [s, r]
        nbr[b][a] = [s, r]
    parent = np.arange(n)
    alive = {v: int(c) for v, c in zip(*np.unique(village, return_counts=True), strict=True)}
    heap = [(size[p], p) for p in range(n)]
    heapq.heapify(heap)
    while heap:
        s, g = heapq.heappop(heap)
        v = int(village[g])
        if parent[g] != g or s != size[g] or alive[v] <= grids_wanted.get(v, 1) or not nbr[g]:
            continue
        limit = max_size.get(v, 1.5)

        def cost(h: int, g: int = g, limit: float = limit) -> tuple[float, int]:
            shared, street = nbr[g][h]
            merged = size[g] + size[h]
            over = max(0.0, merged - limit) / limit
            return (
                _OVER_MAX * (merged > limit)
                + over
                + _STREET * street / shared
                + _SIZE * merged
                - _COMPACT * shared / max(perim[g], 1e-9),
                h,
            )

        target = min(nbr[g], key=cost)
        shared, _ = nbr[g].pop(target)
        nbr[target].pop(g)
        for h, (s2, r2) in nbr[g].items():
            nbr[h].pop(g)
            edge = nbr[target].setdefault(h, [0.0, 0.0])
            edge[0] += s2
            edge[1] += r2
            nbr[h][target] = edge
        nbr[g] = {}
        keep, gone = min(g, target), max(g, target)
        if keep != target:  # the survivor is the lower id: relabel the neighbour lists
            nbr[keep] = nbr[target]
            nbr[target] = {}
            for h in nbr[keep]:
                nbr[h][keep] = nbr[h].pop(target)
        parent[gone] = keep
        size[keep] = size[g] + size[target]
        perim[keep] = perim[g] + perim[target] - 2 * shared
        alive[v] -= 1
        heapq.heappush(heap, (size[keep], keep))
    # Path-compress the merge forest to its roots.
    root = parent.copy()
    while True:
        nxt = root[root]
        if (nxt == root).all():
            return root
        root = nxt


def _connected(members: set[int], nbrs: list[dict[int, tuple[float, float]]]) -> bool:
    start = next(iter(members))
    seen, stack = {start}, [start]
    while stack:
        p = stack.pop()
        for q in nbrs[p]:
            if q in members and q not in seen:
                seen.add(q)
                stack.append(q)
    return len(seen) == len(members)


def refine(
    label: np.ndarray,
    village: np.ndarray,
    size: np.ndarray,
    adj: Adjacency,
    bounds: dict[int, tuple[float, float]],
    max_moves: int = 100_000,
) -> np.ndarray:
    """Move boundary pieces between neighbouring grids of a village to bring sizes into range.

    Agglomeration alone leaves some grids just outside the range (it can only merge whole
    groups). A piece moves from its grid to a neighbouring grid of the same village when that
    lowers the two grids' total distance from the range and leaves the donor connected; among
    such moves the one that leaves the least non-street edge between grids wins, so the
    boundary keeps to the streets. ``bounds``: village -> (low, high) size.
    """
    label = label.copy()
    nbrs: list[dict[int, tuple[float, float]]] = [{} for _ in range(len(label))]
    same = village[adj.i] == village[adj.j]
    for a, b, s, r in zip(
        adj.i[same].tolist(),
        adj.j[same].tolist(),
        adj.shared_m[same].tolist(),
        adj.street_m[same].tolist(),
        strict=True,
    ):
        nbrs[a][b] = nbrs[b][a] = (s, s - r)  # (shared, of it not on a street)
    members: dict[int, set[int]] = {}
    for p, g in enumerate(label.tolist()):
        members.setdefault(g, set()).add(p)
    total = {g: float(size[list(m)].sum()) for g, m in members.items()}

    def dev(g: int, s: float) -> float:
        lo, hi = bounds.get(int(village[next(iter(members[g]))]), (0.0, np.inf))
        return max(0.0, lo - s, s - hi)

    moves = 0
    todo = [g for g in members if dev(g, total[g]) > 0]
    while todo and moves < max_moves:
        g = todo.pop()
        if g not in members or dev(g, total[g]) == 0:
            continue
        lo = bounds.get(int(village[next(iter(members[g]))]), (0.0, np.inf))[0]
        pairs = [(p, q) for p in members[g] for q in nbrs[p] if label[q] != g]
        if total[g] < lo:  # too small: pull a piece in from a neighbour
            pairs = [(q, p) for p, q in pairs]
        options = []
        for p, q in set(pairs):
            src, dst = int(label[p]), int(label[q])
            if len(members[src]) == 1:
                continue
            before = dev(src, total[src]) + dev(dst, total[dst])
            after = dev(src, total[src] - size[p]) + dev(dst, total[dst] + size[p])
            if after >= before - 1e-9:
                continue
            # Change in non-street edge between grids: p's edges to src become boundaries,
            # its edges to dst stop being ones.
            bare = sum(
                e[1] * (int(label[r] == src) - int(label[r] == dst)) for r, e in nbrs[p].items()
            )
            options.append((bare > 1.0, round(after - before, 6), bare, p, src, dst))
        options.sort()
        chosen = next((o for o in options if _connected(members[o[4]] - {o[3]}, nbrs)), None)
        if chosen is None:
            continue
        *_, p, src, dst = chosen
        members[src].discard(p)
        members[dst].add(p)
        label[p] = dst
        total[src] -= size[p]
        total[dst] += size[p]
        moves += 1
        for h in (src, dst, g):
            if dev(h, total[h]) > 0:
                todo.append(h)
    return label
