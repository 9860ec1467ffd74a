"""CRS handling: names, GCJ-02/BD-09 round trips, swapped and impossible points, GK zone mix-ups."""

from __future__ import annotations

import prcoords
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from gridsvc.geo.crs import normalize_crs, point_to_wgs84, resolve_gk_crs, transform_geometries
from gridsvc.geo.errors import GeoInputError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("epsg:4547", "EPSG:4547"),
        (4490, "EPSG:4490"),
        ("gcj-02", "GCJ02"),
        ("BD09", "BD09"),
        ("WGS84", "EPSG:4326"),
        ("CGCS2000", "EPSG:4490"),
        (None, None),
    ],
)
def test_crs_names_normalise(given, expected):
    assert normalize_crs(given) == expected


@pytest.mark.parametrize("bad", ["EPSG:999999", "mars", "EPSG:abc"])
def test_unknown_crs_is_refused(bad):
    with pytest.raises(GeoInputError) as info:
        normalize_crs(bad)
    assert info.value.code == "crs.unknown"
    assert info.value.status == 422


def test_gcj02_and_bd09_points_come_back_to_wgs84_within_half_a_metre():
    geod = pyproj.Geod(ellps="WGS84")
    wgs = (27.85, 112.9)  # (lat, lon), prcoords' order
    for forward, name in ((prcoords.wgs_gcj, "GCJ02"), (prcoords.wgs_bd, "BD09")):
        shifted = forward(wgs)
        lon, lat = point_to_wgs84(shifted[1], shifted[0], name)
        _, _, error_m = geod.inv(lon, lat, wgs[1], wgs[0])
        _, _, offset_m = geod.inv(shifted[1], shifted[0], wgs[1], wgs[0])
        assert error_m < 0.5
        assert offset_m > 300  # the obfuscation itself is hundreds of metres here


def test_polygons_in_gcj02_move_back_by_the_same_offset():
    square = box(112.90, 27.85, 112.91, 27.86)
    shifted = shapely.transform(
        square, lambda xy: [[p[1], p[0]] for p in (prcoords.wgs_gcj((y, x)) for x, y in xy)]
    )
    back = transform_geometries(shifted, "GCJ02")
    assert back.symmetric_difference(square).area / square.area < 1e-4


def test_swapped_and_out_of_range_points_are_refused():
    with pytest.raises(GeoInputError) as swapped:
        point_to_wgs84(27.9, 112.8, None)
    assert swapped.value.code == "coordinates.swapped"
    for lon, lat in ((500, 27.9), (-0.1, 51.5)):
        with pytest.raises(GeoInputError) as out:
            point_to_wgs84(lon, lat, "EPSG:4326")
        assert out.value.code == "coordinates.out_of_range"


def test_projected_point_is_transformed():
    x, y = pyproj.Transformer.from_crs(4326, 4547, always_xy=True).transform(112.9, 27.85)
    lon, lat = point_to_wgs84(x, y, "EPSG:4547")
    assert (lon, lat) == pytest.approx((112.9, 27.85), abs=1e-7)


def test_gk_zone_prefix_mix_up_is_detected_both_ways():
    # EPSG:4547 is CGCS2000 3° zone 38 without the zone prefix (x ≈ 500 km), 4526 the same zone
    # with it (x ≈ 38,500 km). Files declare one and hold the other more often than one would hope.
    x, y = pyproj.Transformer.from_crs(4326, 4547, always_xy=True).transform(112.9, 27.85)
    plain = (x - 1000, y - 1000, x + 1000, y + 1000)
    crs, note = resolve_gk_crs(plain, "EPSG:4526")
    assert crs == "EPSG:4547"
    assert note["code"] == "crs.gk_zone_corrected"
    prefixed = (x + 38e6 - 1000, y - 1000, x + 38e6 + 1000, y + 1000)
    assert resolve_gk_crs(prefixed, "EPSG:4547")[0] == "EPSG:4526"
    assert resolve_gk_crs(plain, "EPSG:4547") == ("EPSG:4547", None)


def test_hostile_gdal_drivers_are_disabled():
    drivers = pyogrio.list_drivers()
    assert "GeoJSON" in drivers
    for name in ("OGR_VRT", "HTTP", "GPSBabel", "WFS", "OAPIF", "GDALG"):
        assert name not in drivers


def test_point_roundtrip_helpers():
    from gridsvc.geo.convert import point_from_geojson, to_geojson

    assert point_from_geojson({"type": "Point", "coordinates": [112.9, 27.85]}) == (112.9, 27.85)
    assert to_geojson(Point(112.123456789, 27.5))["coordinates"] == [112.1234568, 27.5]
    for bad in (
        {"type": "Point", "coordinates": [1]},
        {"type": "LineString"},
        [1, 2],
        {"type": "Point", "coordinates": [float("nan"), 1.0]},
    ):
        with pytest.raises(GeoInputError):
            point_from_geojson(bad)
