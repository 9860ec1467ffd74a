"""GeoJSON / EWKB conversions."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from gridsvc.geo.convert import (
    from_geojson,
    point_from_geojson,
    to_geojson,
    to_geojson_many,
    to_wkb_hex,
)
from gridsvc.geo.errors import GeoInputError


def test_geojson_out_is_rounded_to_seven_decimals():
    assert to_geojson(Point(112.123456789, 27.5))["coordinates"] == [112.1234568, 27.5]
    assert to_geojson(None) is None


def test_rounding_never_changes_topology():
    # A sliver narrower than 1e-7: snapping to a grid would collapse it, rounding keeps it.
    sliver = Polygon([(112.9, 27.85), (112.91, 27.85), (112.91, 27.85000004), (112.9, 27.85)])
    out = to_geojson(sliver)
    assert out["type"] == "Polygon"
    assert len(out["coordinates"][0]) == 4


def test_many_at_once():
    out = to_geojson_many([box(0, 0, 1, 1), None, Point(1.000000001, 2)])
    assert out[0]["type"] == "Polygon"
    assert out[1] is None
    assert out[2] == {"type": "Point", "coordinates": [1.0, 2.0]}


def test_geojson_round_trip():
    square = box(112.9, 27.85, 112.91, 27.86)
    assert from_geojson(to_geojson(square)).equals(square)


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]},  # ring not closed
        {"type": "Polygon"},
        {"type": "Point", "coordinates": [float("nan"), 1.0]},
        {"type": "Point", "coordinates": "112,27"},
        [112.9, 27.85],
        "POINT (1 2)",
    ],
)
def test_invalid_geojson_is_refused(bad):
    with pytest.raises(GeoInputError) as info:
        from_geojson(bad)
    assert (info.value.code, info.value.status) == ("geometry.invalid_geojson", 422)


def test_feature_gets_a_hint():
    with pytest.raises(GeoInputError) as info:
        from_geojson({"type": "Feature", "geometry": None})
    assert "geometry member" in info.value.detail


def test_ewkb_carries_the_srid():
    hexed = to_wkb_hex(Point(112.9, 27.85))
    assert hexed.startswith("0101000020E6100000")  # little-endian point, SRID flag, 4326
    assert shapely.get_srid(shapely.from_wkb(hexed)) == 4326
    assert shapely.from_wkb(to_wkb_hex(Point(1, 2), srid=4490)).equals(Point(1, 2))
    assert to_wkb_hex(None) is None


def test_point_from_geojson():
    assert point_from_geojson({"type": "Point", "coordinates": [112.9, 27.85]}) == (112.9, 27.85)
    assert point_from_geojson({"type": "Point", "coordinates": [112.9, 27.85, 40]}) == (
        112.9,
        27.85,
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "Point", "coordinates": [1]},
        {"type": "Point", "coordinates": [1, 2, 3, 4]},
        {"type": "Point", "coordinates": [True, 2]},
        {"type": "Point", "coordinates": ["112.9", "27.85"]},
        {"type": "Point", "coordinates": [float("inf"), 1.0]},
        {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
        [1, 2],
        None,
    ],
)
def test_point_from_geojson_refuses_anything_else(bad):
    with pytest.raises(GeoInputError) as info:
        point_from_geojson(bad)
    assert info.value.code == "geometry.invalid_geojson"
