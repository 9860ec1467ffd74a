"""Reading real files: each format, GBK Shapefiles with and without .cpg, GK zones, field names."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from pyogrio.raw import write
from shapely.geometry import box

from gridsvc.geo.errors import GeoInputError
from gridsvc.geo.fields import detect_fields
from gridsvc.geo.files import ReadLimits, inspect_file, read_boundary_file

SQUARE = box(112.90, 27.85, 112.91, 27.86)


def _write(path: Path, driver: str, *, crs="EPSG:4326", geoms=(SQUARE,), fields=None, **kw):
    fields = fields or {"编码": ["430302001"], "名称": ["雨湖路街道"]}
    write(
        path,
        np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
        field_data=[np.array(v, dtype=object) for v in fields.values()],
        fields=list(fields),
        geometry_type="Polygon",
        crs=crs,
        driver=driver,
        **kw,
    )
    return path


def _zip_dir(folder: Path, target: Path, skip: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for f in folder.iterdir():
            if f.suffix.lower() not in skip:
                archive.write(f, f.name)
    return target


@pytest.mark.parametrize(
    ("driver", "name"), [("GeoJSON", "a.geojson"), ("GPKG", "a.gpkg"), ("KML", "a.kml")]
)
def test_each_format_reads_with_chinese_field_names(tmp_path, driver, name):
    path = _write(tmp_path / name, driver)
    layer = read_boundary_file(path, filename=name)
    assert len(layer.features) == 1
    feature = layer.features[0]
    if driver != "KML":  # KML keeps only name/description attributes
        assert feature.code == "430302001"
        assert feature.name == "雨湖路街道"
    assert feature.geometry.symmetric_difference(SQUARE).area < 1e-12


def test_gbk_shapefile_with_cpg(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    _write(folder / "t.shp", "ESRI Shapefile", encoding="GBK")
    (folder / "t.cpg").write_text("GBK")
    layer = read_boundary_file(_zip_dir(folder, tmp_path / "t.zip"))
    assert layer.features[0].name == "雨湖路街道"
    assert layer.fields["code"] == "编码"


def test_gbk_shapefile_without_cpg_asks_for_the_encoding(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    _write(folder / "t.shp", "ESRI Shapefile", encoding="GBK")
    for cpg in folder.glob("*.cpg"):
        cpg.unlink()
    archive = _zip_dir(folder, tmp_path / "t.zip")
    with pytest.raises(GeoInputError) as info:
        inspect_file(archive)
    assert info.value.code == "upload.encoding_required"
    assert "GBK" in info.value.detail
    layer = read_boundary_file(archive, encoding="GBK")
    assert layer.features[0].name == "雨湖路街道"


def test_projected_shapefile_with_the_wrong_gk_code_is_corrected(tmp_path):
    to_gk = pyproj.Transformer.from_crs(4326, 4547, always_xy=True)
    projected = shapely.transform(SQUARE, lambda xy: np.column_stack(to_gk.transform(*xy.T)))
    folder = tmp_path / "shp"
    folder.mkdir()
    # Coordinates without the zone prefix, labelled with the zone-prefixed code.
    _write(folder / "t.shp", "ESRI Shapefile", crs="EPSG:4526", geoms=(projected,))
    layer = read_boundary_file(_zip_dir(folder, tmp_path / "t.zip"))
    assert layer.source_crs == "EPSG:4547"
    assert [n["code"] for n in layer.notes] == ["crs.gk_zone_corrected"]
    assert layer.features[0].geometry.symmetric_difference(SQUARE).area / SQUARE.area < 1e-6


def test_declared_gcj02_moves_the_polygon(tmp_path):
    path = _write(tmp_path / "a.geojson", "GeoJSON")
    layer = read_boundary_file(path, crs="GCJ02")
    shifted = layer.features[0].geometry
    assert not shifted.equals(SQUARE)
    assert 0.003 < SQUARE.centroid.x - shifted.centroid.x < 0.007  # ~500 m west


def test_geojson_without_polygons_is_refused(tmp_path):
    path = tmp_path / "p.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "430302"},
                        "geometry": {"type": "Point", "coordinates": [112.9, 27.8]},
                    }
                ],
            }
        )
    )
    with pytest.raises(GeoInputError) as info:
        read_boundary_file(path)
    assert info.value.code == "upload.geometry_type"


def test_empty_and_oversized_files(tmp_path):
    empty = tmp_path / "e.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(GeoInputError) as info:
        inspect_file(empty)
    assert info.value.code == "upload.empty"
    big = _write(tmp_path / "b.geojson", "GeoJSON")
    with pytest.raises(GeoInputError) as too_big:
        inspect_file(big, limits=ReadLimits(max_bytes=100))
    assert (too_big.value.code, too_big.value.status) == ("upload.too_large", 413)


def test_field_detection():
    chosen = detect_fields(["OBJECTID", "WGBM", "WGMC", "户数"], [{"WGBM": "430302001001001"}])
    assert chosen["code"] == "WGBM"
    assert chosen["name"] == "WGMC"
    assert chosen["households"] == "户数"
    by_values = detect_fields(["fid", "xx"], [{"fid": "a", "xx": "430302001001"}])
    assert by_values["code"] == "xx"
    with pytest.raises(GeoInputError) as info:
        detect_fields(["a", "b"], [{"a": "x", "b": "y"}])
    assert info.value.code == "upload.code_field_missing"
    with pytest.raises(GeoInputError) as missing:
        detect_fields(["a"], [], {"code": "nope"})
    assert missing.value.code == "upload.field_missing"


def _zip_bytes(path: Path, members: dict[str, bytes], *, encrypted: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    if encrypted:
        # Set the "encrypted" bit in the central directory entry, as an encrypting zip tool does.
        data = bytearray(path.read_bytes())
        entry = data.index(b"PK\x01\x02")
        data[entry + 8] |= 0x1
        path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("members", "code", "limits"),
    [
        ({"inner.zip": b"PK"}, "upload.zip_nested", ReadLimits()),
        ({"a.shp": b"x"}, "upload.zip_encrypted", ReadLimits()),
        (
            {"a.shp": b"x" * 5000, "a.dbf": b"y" * 5000},
            "upload.zip_too_large",
            ReadLimits(max_zip_total_bytes=8000),
        ),
        ({"a.shp": b"x", "b.shp": b"x"}, "upload.zip_many_layers", ReadLimits()),
        ({"readme.txt": b"hello"}, "upload.unsupported_format", ReadLimits()),
    ],
)
def test_zip_refusals(tmp_path, members, code, limits):
    encrypted = "a.shp" if code == "upload.zip_encrypted" else None
    archive = _zip_bytes(tmp_path / "t.zip", members, encrypted=encrypted)
    with pytest.raises(GeoInputError) as info:
        inspect_file(archive, limits=limits)
    assert info.value.code == code
    assert 400 <= info.value.status < 500


def test_broken_geojson_is_unreadable(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [ {"type": ')
    with pytest.raises(GeoInputError) as info:
        inspect_file(path)
    assert (info.value.code, info.value.status) == ("upload.unreadable", 422)


def test_gk_coordinates_that_fit_neither_zone_variant_are_refused():
    from gridsvc.geo.crs import resolve_gk_crs

    # Eastings near 500 km but northings far outside China: neither 4526 nor 4547 fits.
    with pytest.raises(GeoInputError) as info:
        resolve_gk_crs((499_000.0, -9_000_000.0, 501_000.0, -8_990_000.0), "EPSG:4526")
    assert info.value.code == "crs.mismatch"
