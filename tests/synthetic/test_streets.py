"""The demo's street network and the households the 综治 layer records."""

from __future__ import annotations

import numpy as np
import shapely

from gridsvc.synthetic import demo_specialist_layers, demo_streets


def test_streets_run_along_every_internal_grid_edge_and_mains_along_townships(hierarchy):
    grids = np.array([g.polygon for g in hierarchy.grids], dtype=object)
    towns = [t.polygon for t in hierarchy.townships]
    streets = demo_streets(towns, list(grids))
    assert {s.kind for s in streets} == {"main", "street"}
    network = shapely.union_all([s.line for s in streets])
    edges = shapely.union_all(shapely.boundary(grids))
    outline = shapely.boundary(shapely.coverage_union_all(grids))
    inner = shapely.difference(edges, shapely.buffer(outline, 1e-7))
    # Every internal grid edge is a street; none runs along the county's outer edge.
    assert shapely.difference(inner, shapely.buffer(network, 1e-7)).length < 1e-6 * inner.length
    assert shapely.intersection(network, shapely.buffer(outline, -1e-6).boundary).length < 1e-9
    mains = shapely.union_all([s.line for s in streets if s.kind == "main"])
    town_edges = shapely.union_all(shapely.boundary(np.array(towns, dtype=object)))
    assert shapely.difference(mains, shapely.buffer(town_edges, 1e-6)).length < 1e-6


def test_zongzhi_cells_carry_the_households_of_the_grids_they_cover(hierarchy):
    layers = demo_specialist_layers(
        [t.polygon for t in hierarchy.townships],
        seed=3,
        area_weights=[t.households for t in hierarchy.townships],
        households_from=hierarchy.grids,
    )
    counts = [c.households for c in layers["zongzhi"]]
    assert all(isinstance(h, int) and h >= 0 for h in counts)
    total = sum(g.households for g in hierarchy.grids)
    # Perturbed cells lose or gain a thin strip along the county line: within 1 %.
    assert abs(sum(counts) - total) < 0.01 * total
    assert all(c.households is None for c in layers["chengguan"])
