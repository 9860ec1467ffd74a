"""CRS handling: names, GCJ-02/BD-09 round trips, points, layer extent, GK zone mix-ups, GDAL hardening."""

from __future__ import annotations

import json

import numpy as np
import prcoords
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from gridsvc.geo.crs import (
    check_china_extent,
    datum_note,
    file_crs,
    normalize_crs,
    point_to_wgs84,
    resolve_gk_crs,
    transform_geometries,
)
from gridsvc.geo.errors import GeoInputError

GEOD = pyproj.Geod(ellps="WGS84")
XIANGTAN = (112.9, 27.85)


def metres(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def to_crs(code: int, lon: float = XIANGTAN[0], lat: float = XIANGTAN[1]) -> tuple[float, float]:
    return pyproj.Transformer.from_crs(4326, code, always_xy=True).transform(lon, lat)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("EPSG:4326", "EPSG:4326"),
        ("epsg:4547", "EPSG:4547"),
        (" EPSG:4490 ", "EPSG:4490"),
        ("4490", "EPSG:4490"),
        (4490, "EPSG:4490"),
        ("GCJ02", "GCJ02"),
        ("gcj-02", "GCJ02"),
        ("gcj_02", "GCJ02"),
        ("BD09", "BD09"),
        ("bd-09", "BD09"),
        ("bd09ll", "BD09"),
        ("WGS84", "EPSG:4326"),
        ("WGS 84", "EPSG:4326"),
        ("CGCS2000", "EPSG:4490"),
        ("urn:ogc:def:crs:EPSG::4490", "EPSG:4490"),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"),
        ("http://www.opengis.net/def/crs/EPSG/0/4547", "EPSG:4547"),
        (None, None),
        ("", None),
    ],
)
def test_crs_names_normalise(given, expected):
    assert normalize_crs(given) == expected


@pytest.mark.parametrize(
    "bad",
    ["EPSG:999999", "mars", "EPSG:abc", "EPSG:5773", "EPSG:4978", True, "bd09mc", "EPSG:6326"],
)
def test_unknown_or_non_horizontal_crs_is_refused(bad):
    # 5773 is a vertical CRS, 4978 geocentric, 6326 a datum: none can place a boundary.
    with pytest.raises(GeoInputError) as info:
        normalize_crs(bad)
    assert (info.value.code, info.value.status) == ("crs.unknown", 422)


def test_file_crs_keeps_unmatched_wkt_and_transforms_from_it():
    local_tm = pyproj.CRS.from_proj4(
        "+proj=tmerc +lon_0=112.9 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    ).to_wkt()
    source = file_crs(local_tm)
    assert source.startswith("PROJCRS")
    x, y = pyproj.Transformer.from_crs(4326, local_tm, always_xy=True).transform(*XIANGTAN)
    back = transform_geometries(np.array([Point(x, y)]), source)[0]
    assert metres((back.x, back.y), XIANGTAN) < 0.01
    assert file_crs(pyproj.CRS.from_epsg(4547).to_wkt()) == "EPSG:4547"
    assert file_crs("EPSG:4490") == "EPSG:4490"
    with pytest.raises(GeoInputError) as info:
        file_crs("PROJCS[nonsense")
    assert info.value.code == "crs.unknown"


@pytest.mark.parametrize(
    ("forward", "name"), [(prcoords.wgs_gcj, "GCJ02"), (prcoords.wgs_bd, "BD09")]
)
def test_obfuscated_points_come_back_to_wgs84_within_half_a_metre(forward, name):
    shifted = forward((XIANGTAN[1], XIANGTAN[0]))  # prcoords speaks (lat, lon)
    lon, lat = point_to_wgs84(shifted.lon, shifted.lat, name)
    assert metres((lon, lat), XIANGTAN) < 0.5
    assert metres((shifted.lon, shifted.lat), XIANGTAN) > 300  # the shift itself is ~500 m


@pytest.mark.parametrize(
    ("forward", "name"), [(prcoords.wgs_gcj, "GCJ02"), (prcoords.wgs_bd, "BD09")]
)
def test_obfuscated_polygons_move_back_vertex_by_vertex(forward, name):
    square = box(112.90, 27.85, 112.91, 27.86)
    ring = [forward((y, x)) for x, y in square.exterior.coords]
    shifted = shapely.Polygon([(c.lon, c.lat) for c in ring])
    back = transform_geometries(np.array([shifted, None]), name)
    assert back[1] is None
    for got, want in zip(back[0].exterior.coords, square.exterior.coords, strict=True):
        assert metres(got, want) < 0.5


def test_wgs84_and_cgcs2000_pass_through_untouched():
    geoms = np.array([box(112.9, 27.85, 112.91, 27.86)])
    assert transform_geometries(geoms, "EPSG:4490") is geoms
    assert transform_geometries(geoms, None) is geoms


def test_projected_geometries_are_transformed():
    x, y = to_crs(4547)
    back = transform_geometries([Point(x, y)], "EPSG:4547")[0]
    assert metres((back.x, back.y), XIANGTAN) < 0.01


def test_projected_point_is_transformed_and_then_checked():
    x, y = to_crs(4547)
    assert point_to_wgs84(x, y, "EPSG:4547") == pytest.approx(XIANGTAN, abs=1e-7)
    with pytest.raises(GeoInputError) as info:  # metres that land in the Indian Ocean
        point_to_wgs84(x, 100.0, "EPSG:4547")
    assert info.value.code == "coordinates.out_of_range"


def test_swapped_point_is_refused():
    with pytest.raises(GeoInputError) as info:
        point_to_wgs84(27.85, 112.9, None)
    assert (info.value.code, info.value.status) == ("coordinates.swapped", 422)
    with pytest.raises(GeoInputError) as gcj:
        point_to_wgs84(28, 112, "GCJ02")
    assert gcj.value.code == "coordinates.swapped"


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(500, 27.9), (112.9, -95), (-0.1, 51.5), (float("nan"), 27.9), (112.9, float("inf")),
     ("abc", 27.9), (True, 27.9)],
)  # fmt: skip
def test_impossible_points_are_out_of_range(lon, lat):
    with pytest.raises(GeoInputError) as info:
        point_to_wgs84(lon, lat, "EPSG:4326")
    assert (info.value.code, info.value.status) == ("coordinates.out_of_range", 422)


def test_point_accepts_numeric_strings():
    assert point_to_wgs84("112.9", "27.85", None) == (112.9, 27.85)


def test_layer_extent_inside_swapped_and_outside():
    inside = [box(112.9, 27.85, 112.91, 27.86), None]
    assert check_china_extent(inside) == []
    assert check_china_extent([]) == []
    swapped = check_china_extent([box(27.85, 112.9, 27.86, 112.91)])
    assert [p["code"] for p in swapped] == ["extent.swapped_axes"]
    assert swapped[0]["bounds"] == pytest.approx([27.85, 112.9, 27.86, 112.91])
    metres_not_degrees = check_china_extent([box(500_000, 3_080_000, 501_000, 3_081_000)])
    assert [p["code"] for p in metres_not_degrees] == ["extent.outside_china"]
    assert "CRS" in metres_not_degrees[0]["detail"]
    json.dumps(metres_not_degrees)  # goes into the validation report as it is


@pytest.mark.parametrize(
    ("declared", "epsg_of_data", "prefix", "expected"),
    [
        (4526, 4547, 0, 4547),  # 3° zone 38 declared, eastings without the prefix
        (4547, 4547, 38_000_000, 4526),  # 3° CM 114E declared, eastings with "38"
        (4497, 4508, 0, 4508),  # 6° zone 19 (CM 111E) declared, plain eastings
        (4508, 4508, 19_000_000, 4497),  # 6° CM 111E declared, eastings with "19"
        (2362, 2383, 0, 2383),  # Xian 1980 3° zone 38 declared, plain eastings
        (4527, 4547, 38_000_000, 4526),  # zone 39 declared, the data says zone 38
    ],
)
def test_gk_zone_mix_ups_are_corrected(declared, epsg_of_data, prefix, expected):
    x, y = to_crs(epsg_of_data)
    bounds = (x + prefix - 2000, y - 2000, x + prefix + 2000, y + 2000)
    crs, note = resolve_gk_crs(bounds, f"EPSG:{declared}")
    assert crs == f"EPSG:{expected}"
    assert note["code"] == "crs.gk_zone_corrected"
    assert note["declared"] == f"EPSG:{declared}"
    assert f"EPSG:{expected}" in note["detail"]


def test_consistent_gk_and_other_crs_pass_through():
    x, y = to_crs(4547)
    assert resolve_gk_crs((x - 1, y - 1, x + 1, y + 1), "EPSG:4547") == ("EPSG:4547", None)
    assert resolve_gk_crs((x - 1, y - 1, x + 1, y + 1), "EPSG:32649") == ("EPSG:32649", None)
    assert resolve_gk_crs((112.9, 27.8, 113.0, 27.9), "EPSG:4490") == ("EPSG:4490", None)


@pytest.mark.parametrize(
    ("bounds", "declared"),
    [
        ((499_000.0, -9_000_000.0, 501_000.0, -8_990_000.0), "EPSG:4526"),  # south of the equator
        ((38_499_000.0, 3_080_000.0, 39_501_000.0, 3_081_000.0), "EPSG:4526"),  # two zone prefixes
        ((99_499_000.0, 3_080_000.0, 99_501_000.0, 3_081_000.0), "EPSG:4547"),  # zone 99
        ((112.9, 27.8, 113.0, 27.9), "EPSG:4547"),  # degrees labelled as metres
    ],
)
def test_gk_coordinates_that_fit_no_variant_are_refused(bounds, declared):
    with pytest.raises(GeoInputError) as info:
        resolve_gk_crs(bounds, declared)
    assert (info.value.code, info.value.status) == ("crs.mismatch", 422)


def test_old_chinese_datums_get_an_accuracy_note():
    note = datum_note("EPSG:2383")  # Xian 1980 / 3-degree GK CM 114E
    assert note["code"] == "crs.datum_approximate"
    assert "Xian 1980" in note["detail"]
    assert datum_note("EPSG:4547") is None
    assert datum_note("GCJ02") is None


def test_hostile_gdal_drivers_are_not_registered():
    drivers = pyogrio.list_drivers()
    assert {"GeoJSON", "ESRI Shapefile", "GPKG", "LIBKML"} <= set(drivers)
    for name in ("OGR_VRT", "HTTP", "GPSBabel", "WFS", "OAPIF", "GDALG", "Elasticsearch", "ADBC"):
        assert name not in drivers


def test_gdal_cannot_fetch_a_geojson_crs_link(tmp_path, http_hits, monkeypatch):
    # GDAL itself fetches a "link" crs while opening; the proxy setting must stop it even if
    # gridsvc.geo.files' own refusal were bypassed.
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    base, hits = http_hits
    path = tmp_path / "link.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {
                    "type": "link",
                    "properties": {"href": f"{base}/crs.wkt", "type": "ogcwkt"},
                },
                "features": [],
            }
        )
    )
    pyogrio.read_info(path)
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_info(f"/vsicurl/{base}/remote.geojson")
    assert hits == []
