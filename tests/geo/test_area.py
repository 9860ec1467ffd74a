"""gridsvc.geo.area: metric areas, lengths, buffers and distances for lon/lat geometry in China."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import LineString, Point, Polygon, box

from gridsvc.geo.area import area_m2, buffer_m, distance_m, from_metric, length_m, to_metric

GEOD = Geod(ellps="GRS80")
# One degree near 湘潭 (27.9°N) on GRS80: ~98,450 m east-west, ~110,770 m north-south.
M_PER_DEG_LON = 98_450
M_PER_DEG_LAT = 110_770


def geodesic_area(geom) -> float:
    """Reference: pyproj's ellipsoidal area, on a densified ring so both follow the parallels."""
    return abs(GEOD.geometry_area_perimeter(shapely.segmentize(geom, 0.01))[0])


def test_area_of_a_box_near_xiangtan_matches_the_hand_computed_figure():
    cell = box(112.90, 27.90, 112.91, 27.91)
    expected = 0.01 * M_PER_DEG_LON * 0.01 * M_PER_DEG_LAT  # ≈ 1.09 km²
    assert float(area_m2(cell)) == pytest.approx(expected, rel=0.005)
    assert float(area_m2(cell)) == pytest.approx(geodesic_area(cell), rel=1e-5)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(112.9, 27.9), (87.6, 43.8), (126.6, 45.8), (110.3, 18.3), (91.1, 29.6), (121.5, 31.2)],
)
def test_albers_area_is_exact_across_china(lon, lat):
    # Equal-area projection: even a 1°x1° box far from the standard parallels (Harbin, Sanya,
    # Urumqi, Lhasa) agrees with the ellipsoidal area once both follow the same edges.
    cell = shapely.segmentize(box(lon, lat, lon + 1, lat + 1), 0.01)
    assert float(area_m2(cell)) == pytest.approx(geodesic_area(cell), rel=1e-4)


def test_area_is_vectorised_and_zero_for_non_areal_input():
    geoms = [
        box(112.9, 27.9, 112.91, 27.91),
        None,
        Point(112.9, 27.9),
        LineString([(112.9, 27.9), (113, 28)]),
        Polygon(),
    ]
    areas = area_m2(geoms)
    assert isinstance(areas, np.ndarray)
    assert areas.shape == (5,)
    assert areas[0] > 1e6
    assert areas[1:].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert area_m2(np.array(geoms, dtype=object)).tolist() == areas.tolist()
    assert area_m2(geoms[0]).shape == ()  # one geometry in, a 0-d array out (float() works)


def test_to_metric_and_back_round_trips():
    cell = box(112.90, 27.90, 112.91, 27.91)
    metric = to_metric(cell)
    x0, y0, x1, y1 = metric.bounds
    assert 900 < x1 - x0 < 1100
    assert 1000 < y1 - y0 < 1200
    back = from_metric(metric)
    assert shapely.equals_exact(back, cell, tolerance=1e-9)
    arr = to_metric([cell, None])
    assert arr[1] is None
    assert shapely.equals_exact(arr[0], metric)


def test_length_m_of_a_parallel_segment():
    line = LineString([(112.90, 27.90), (112.91, 27.90)])
    # Albers' linear scale at 27.9°N is ~0.992 along the parallel: good to ~1%.
    assert float(length_m(line)) == pytest.approx(0.01 * M_PER_DEG_LON, rel=0.01)


@pytest.mark.parametrize(("lon", "lat"), [(112.9, 27.9), (126.6, 45.8), (110.3, 18.3)])
def test_buffer_m_is_true_to_the_metre(lon, lat):
    ring = buffer_m(Point(lon, lat), 100.0)
    xs, ys = shapely.get_coordinates(ring).T
    _, _, dists = GEOD.inv(np.full(len(xs), lon), np.full(len(ys), lat), xs, ys)
    # Every vertex of the buffer is 100 m from the centre (Albers alone would be 1-2.5% off).
    assert np.allclose(dists, 100.0, atol=0.05)


def test_negative_buffer_shrinks_a_polygon():
    cell = box(112.90, 27.90, 112.91, 27.91)
    inner = buffer_m(cell, -50.0, join_style="mitre")
    assert cell.contains(inner)
    width = (0.01 * M_PER_DEG_LON - 100) * (0.01 * M_PER_DEG_LAT - 100)
    assert float(area_m2(inner)) == pytest.approx(width, rel=0.005)
    assert buffer_m(Polygon(), 10).is_empty


def test_distance_between_points_is_geodesic():
    assert distance_m(Point(112.90, 27.90), Point(112.91, 27.90)) == pytest.approx(
        0.01 * M_PER_DEG_LON, rel=0.001
    )
    assert distance_m(Point(112.9, 27.9), Point(112.9, 27.9)) == 0.0


def test_distance_between_geometries_uses_the_nearest_points():
    cell = box(112.90, 27.90, 112.91, 27.91)
    outside = Point(112.92, 27.905)  # 0.01° east of the box's east edge
    _, _, expected = GEOD.inv(112.91, 27.905, 112.92, 27.905)
    assert distance_m(cell, outside) == pytest.approx(expected, rel=1e-4)
    assert distance_m(cell, Point(112.905, 27.905)) == 0.0
    with pytest.raises(ValueError, match="non-empty"):
        distance_m(cell, Polygon())
