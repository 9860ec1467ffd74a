"""perturb_boundaries: misaligned copies stay valid coverages of the same outline."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
import shapely
from shapely import Polygon, box

from gridsvc.synthetic import perturb_boundaries, perturbing
from tests.synthetic.conftest import M_PER_DEG, assert_partition, wkb


def _local_m(xy: np.ndarray, lat0: float) -> np.ndarray:
    return xy * [M_PER_DEG * math.cos(math.radians(lat0)), M_PER_DEG]


def test_perturbation_moves_interior_vertices_by_the_requested_distance(hierarchy, yuhu):
    villages = [v.polygon for v in hierarchy.villages]
    moved = perturb_boundaries(villages, shift_m=(10.0, 60.0), seed=3)
    assert_partition(moved, yuhu, len(villages))
    outline = shapely.coverage_union_all(villages)
    assert shapely.symmetric_difference(shapely.coverage_union_all(moved), outline).area < 1e-12
    lat0 = yuhu.centroid.y
    before, after = shapely.get_coordinates(villages), shapely.get_coordinates(moved)
    shift = np.hypot(*_local_m(after - before, lat0).T)
    to_edge = shapely.distance(shapely.points(before), outline.boundary) * M_PER_DEG
    interior = to_edge > 400  # beyond the 300 m taper, with margin for the degree scale
    assert interior.sum() > 1000
    assert shift[interior].min() >= 9.99
    assert shift[interior].max() <= 60.01
    assert shift[to_edge == 0].max() == 0.0
    assert wkb(moved) == wkb(perturb_boundaries(villages, shift_m=(10.0, 60.0), seed=3))


def _notched_pair() -> list[Polygon]:
    """Two cells whose shared edge passes 3 m below the tip of a notch in the outline."""
    kx, ky = M_PER_DEG * math.cos(math.radians(28.0)), M_PER_DEG

    def deg(pts):
        return [(113.0 + x / kx, 28.0 + y / ky) for x, y in pts]

    lower = Polygon(deg([(0, 0), (2000, 0), (2000, 998), (1500, 998), (0, 995)]))
    notch = [(1050, 2000), (1000, 1000), (950, 2000)]
    upper = Polygon(deg([(0, 995), (1500, 998), (2000, 998), (2000, 2000), *notch, (0, 2000)]))
    return [lower, upper]


@pytest.mark.parametrize(("seed", "folds"), [(0, False), (1, True)])
def test_perturbation_keeps_folding_vertices_in_place(caplog, seed, folds):
    cells = _notched_pair()
    assert shapely.coverage_is_valid(cells)
    with caplog.at_level(logging.DEBUG, logger=perturbing.__name__):
        moved = perturb_boundaries(cells, seed=seed)
    assert ("keeping their vertices in place" in caplog.text) is folds
    assert shapely.coverage_is_valid(moved)
    assert shapely.is_valid(moved).all()
    before = shapely.coverage_union_all(cells)
    assert shapely.symmetric_difference(shapely.coverage_union_all(moved), before).area < 1e-15
    # Vertex 3 is the interior end of the shared edge: moved unless it had to stay.
    b0, b1 = shapely.get_coordinates(cells[0])[3], shapely.get_coordinates(moved[0])[3]
    assert bool((b0 == b1).all()) is folds


def test_perturbation_rejects_bad_input():
    with pytest.raises(ValueError, match="valid coverage"):
        perturb_boundaries([box(0, 0, 2, 2), box(1, 1, 3, 3)], seed=1)
    with pytest.raises(ValueError, match="shift_m"):
        perturb_boundaries([box(0, 0, 1, 1)], shift_m=(60.0, 10.0), seed=1)
    with pytest.raises(ValueError, match="taper_m"):
        perturb_boundaries([box(0, 0, 1, 1)], seed=1, taper_m=-1.0)
