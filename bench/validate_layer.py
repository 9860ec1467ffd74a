"""Validation benchmark: a 10,000-cell grid layer with one injected overlap and one gap.

Requirement: validity, overlaps and gaps of a 10,000-cell layer in well under 10 s on 2 cores.
The layer is a Voronoi partition of a ~10 km x 9 km township near 湘潭 (10,000 seeded points,
clipped to the envelope), grouped into 20 villages of 500 grids each (villages are the unions of
their grids, so nesting is exact); then one grid is grown into its neighbour (one overlap) and one
gets a hole punched in it (one gap). Also timed once each: a worst case (every cell shifted ~1 m,
so no edge matches) and, for scale, the naive overlap scan — an ``intersection`` for every pair
of touching cells, what one would write without the coverage validator.

Run: ``.venv/bin/python bench/validate_layer.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridsvc.geo.area import area_m2
from gridsvc.geo.validate import Cell, validate_layer

N_CELLS = 10_000
N_VILLAGES = 20
TOWNSHIP = (112.85, 27.85, 112.95, 27.93)  # ~9.8 km x 8.9 km
ROUNDS = 5
SEED = 20240601


def build_layer() -> tuple[list[Cell], dict[str, shapely.Geometry]]:
    rng = np.random.default_rng(SEED)
    x0, y0, x1, y1 = TOWNSHIP
    envelope = shapely.box(*TOWNSHIP)
    seeds = shapely.points(
        np.column_stack([rng.uniform(x0, x1, N_CELLS), rng.uniform(y0, y1, N_CELLS)])
    )
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=envelope)
    cells = shapely.intersection(shapely.get_parts(diagram), envelope)
    # Villages: 20 west-to-east bands of 500 cells by centroid, each the exact union of its cells.
    order = np.argsort(shapely.get_x(shapely.centroid(cells)), kind="stable")
    village_of = np.empty(N_CELLS, dtype=int)
    village_of[order] = np.arange(N_CELLS) // (N_CELLS // N_VILLAGES)
    codes = [f"430302001{v + 1:03d}" for v in range(N_VILLAGES)]
    villages = {
        code: shapely.coverage_union_all(cells[village_of == v]) for v, code in enumerate(codes)
    }
    print(
        f"layer built: {N_CELLS:,} cells in {N_VILLAGES} villages, "
        f"coverage valid before injection: {shapely.coverage_is_valid(cells)}, "
        f"township {float(area_m2(envelope)) / 1e6:.1f} km²"
    )

    # One overlap: grow cell a 10 m into a same-village neighbour b.
    a = int(order[N_CELLS // 2])
    tree = shapely.STRtree(cells)
    b = next(
        int(k) for k in tree.query(cells[a], predicate="touches") if village_of[k] == village_of[a]
    )
    grown = shapely.intersection(shapely.buffer(cells[a], 1e-4), cells[b])
    cells[a] = shapely.union(cells[a], grown)
    # One gap: punch a ~20 m square hole into cell c.
    c = int(order[N_CELLS // 4])
    px, py = shapely.get_coordinates(shapely.point_on_surface(cells[c]))[0]
    cells[c] = shapely.difference(cells[c], shapely.box(px - 1e-4, py - 1e-4, px + 1e-4, py + 1e-4))

    seq = Counter()
    layer = []
    for i, geom in enumerate(cells):
        village = codes[village_of[i]]
        seq[village] += 1
        layer.append(
            Cell(
                index=i,
                code=f"{village}{seq[village]:03d}",
                name=None,
                parent_code=village,
                geometry=geom,
                households=400,
            )
        )
    return layer, villages


def misaligned(layer: list[Cell], seed: int = 1) -> list[Cell]:
    """Worst case: every cell shifted ~1 m at random, so no edge matches its neighbour's and the
    validator must intersect every touching pair and overlay every village's cells."""
    rng = np.random.default_rng(seed)
    shifts = rng.normal(0, 1e-5, (len(layer), 2))
    return [
        replace(c, geometry=shapely.affinity.translate(c.geometry, *shift))
        for c, shift in zip(layer, shifts, strict=True)
    ]


def naive_overlap_scan(geoms: np.ndarray) -> int:
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    areas = area_m2(shapely.intersection(geoms[i[keep]], geoms[j[keep]]))
    return int((areas > 0.01).sum())


def main() -> None:
    layer, villages = build_layer()
    times, report = [], None
    for _ in range(ROUNDS):
        start = time.perf_counter()
        report = validate_layer(layer, level="grid", parents=villages)
        times.append(time.perf_counter() - start)
    print(
        f"validate_layer, {len(layer):,} cells: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}, {ROUNDS} rounds)"
    )
    print("findings:", dict(report.summary["by_code"]), "ok:", report.ok)
    for f in report.findings:
        if f.severity == "error":
            print(f"  {f.code:<22} {f.feature}  {f.detail}")
    worst = misaligned(layer)
    start = time.perf_counter()
    report = validate_layer(worst, level="grid", parents=villages)
    print(
        f"worst case, every cell shifted ~1 m: {time.perf_counter() - start:.2f} s (1 round), "
        f"{report.summary['errors']:,} errors, {report.summary['warnings']:,} warnings"
    )
    start = time.perf_counter()
    pairs = naive_overlap_scan(np.array([c.geometry for c in layer], dtype=object))
    print(
        f"for scale, naive overlap scan (intersection of every touching pair): "
        f"{time.perf_counter() - start:.2f} s, {pairs} overlapping pair(s)"
    )


if __name__ == "__main__":
    main()
