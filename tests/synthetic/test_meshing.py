"""partition_polygon and its input repair: exact counts, valid coverages, determinism, fallbacks."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import shapely
from shapely import LineString, MultiPolygon, Polygon, box

from gridsvc.synthetic import GRID_SIZE, PartitionError, meshing, partition_polygon, polygonal
from tests.synthetic.conftest import SNAPPED_TOL, assert_partition, wkb

# --------------------------------------------------------------------------- input handling


def test_polygonal_repairs_the_self_intersecting_county_outline(yuhu_raw, yuhu):
    assert not yuhu_raw.is_valid
    assert yuhu.is_valid
    assert isinstance(yuhu, MultiPolygon)  # 雨湖区 has exclaves
    assert yuhu.area == pytest.approx(yuhu_raw.buffer(0).area, rel=1e-3)


def _nan_polygon() -> Polygon:
    with np.errstate(invalid="ignore"):
        return shapely.polygons([[0.0, 0.0], [np.nan, 0.0], [1.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: LineString([(0, 0), (1, 1)]), TypeError),
        (Polygon, ValueError),  # empty
        (lambda: Polygon([(0, 0), (1, 1), (2, 2)]), ValueError),  # collapses to a line
        (_nan_polygon, ValueError),
    ],
)
def test_polygonal_rejects_non_areal_input(make, error):
    with pytest.raises(error):
        polygonal(make())


@pytest.mark.parametrize(
    "kwargs",
    [{"n": 0}, {"n": 3, "relax": -1}, {"n": 3, "weights": [1, 2]}, {"n": 2, "weights": [1, -1]}],
)
def test_partition_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="must be"):
        partition_polygon(box(0, 0, 1, 1), seed=1, **kwargs)


# --------------------------------------------------------------------------- partition_polygon


@pytest.mark.parametrize("n", [12, 106, 473])
def test_partition_of_the_real_outline_is_an_exact_coverage(yuhu, n):
    parts = partition_polygon(yuhu, n, seed=n)
    assert_partition(parts, yuhu, n)
    # Only the outline's exclaves may make a part multi-piece.
    pieces = len(shapely.get_parts(parts))
    assert pieces <= n + len(yuhu.geoms) - 1


def test_partition_is_deterministic_per_seed(yuhu):
    first = partition_polygon(yuhu, 473, seed=5)
    assert wkb(first) == wkb(partition_polygon(yuhu, 473, seed=5))
    assert wkb(first) != wkb(partition_polygon(yuhu, 473, seed=6))


def _comb(teeth: int = 6) -> Polygon:
    spine = box(0, 0, 2 * teeth - 1, 1)
    return shapely.union_all([spine, *(box(2 * i, 1, 2 * i + 1, 8) for i in range(teeth))])


def test_cells_cut_apart_by_a_concave_outline_are_rejoined():
    comb = _comb()
    # Clipped as is, the Voronoi cells of these seeds span several teeth and fall apart ...
    pts = meshing.sample_points(comb, 5, np.random.default_rng(1))
    mesh = meshing.voronoi_mesh(np.array([comb]), pts)
    assert (np.bincount(mesh.seed) > 1).any()
    # ... but the partition hands stray pieces to neighbours: every part is one polygon.
    parts = partition_polygon(comb, 5, seed=1, relax=0)
    assert_partition(parts, comb, 5)
    assert all(isinstance(p, Polygon) for p in parts)


def test_partition_of_disjoint_pieces():
    two = MultiPolygon([box(0, 0, 1, 1), box(5, 0, 6, 1)])
    assert partition_polygon(two, 1, seed=1) == [two]
    parts = partition_polygon(two, 6, seed=1)
    assert_partition(parts, two, 6)
    assert len(shapely.get_parts(parts)) <= 7


def test_weights_set_relative_sizes():
    weights = [1, 2, 3, 4]
    parts = partition_polygon(box(0, 0, 10, 10), 4, seed=3, weights=weights)
    assert_partition(parts, box(0, 0, 10, 10), 4)
    assert all(isinstance(p, Polygon) for p in parts)
    share = shapely.area(parts) / 100.0
    assert np.abs(share - np.array(weights) / 10).max() < 0.03


def test_grid_size_puts_every_vertex_on_the_grid(yuhu):
    parts = partition_polygon(yuhu, 473, seed=2, grid_size=1e-7)
    assert_partition(parts, yuhu, 473, nested_tol=SNAPPED_TOL)
    units_ = shapely.get_coordinates(parts) / 1e-7
    assert np.abs(units_ - np.round(units_)).max() < 1e-3


def test_cells_lost_to_grid_snapping_are_reseeded(caplog):
    tiny = box(0, 0, 1e-6, 1e-6)  # 10 x 10 grid steps for 40 cells: some collapse at first
    with caplog.at_level(logging.DEBUG, logger=meshing.__name__):
        parts = partition_polygon(tiny, 40, seed=4, relax=0, grid_size=1e-7)
    assert "re-seeding" in caplog.text
    assert len(parts) == 40
    assert shapely.coverage_is_valid(parts)
    assert shapely.area(parts).sum() == pytest.approx(tiny.area, rel=1e-9)


def test_too_many_cells_for_the_grid_raises():
    with pytest.raises(PartitionError, match="cannot split"):
        partition_polygon(box(0, 0, 5e-7, 5e-7), 40, seed=1, grid_size=1e-7)


def test_unmatched_floating_clip_falls_back_to_noding(yuhu, monkeypatch, caplog):
    real = shapely.coverage_is_valid
    calls = []

    def first_check_fails(geoms, *args, **kwargs):
        calls.append(1)
        return False if len(calls) == 1 else real(geoms, *args, **kwargs)

    monkeypatch.setattr(meshing.shapely, "coverage_is_valid", first_check_fails)
    with caplog.at_level(logging.WARNING, logger=meshing.__name__):
        parts = partition_polygon(yuhu, 106, seed=1)
    monkeypatch.undo()
    assert "noding on a 1e-07 grid" in caplog.text
    assert_partition(parts, yuhu, 106, nested_tol=SNAPPED_TOL)
    units_ = shapely.get_coordinates(parts) / GRID_SIZE
    assert np.abs(units_ - np.round(units_)).max() < 1e-3
