"""Reading real files: every format, encodings, CRS handling, and every hostile-file refusal."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import orjson
import prcoords
import pyproj
import pytest
import shapely
from shapely.geometry import Point, box

from gridsvc.geo.errors import GeoInputError
from gridsvc.geo.files import ReadLimits, inspect_file, read_boundary_file

GEOD = pyproj.Geod(ellps="WGS84")


def refused(code: str, status: int | None = None, **kwargs):
    """Assert that reading ``kwargs["path"]`` fails with ``code`` (and ``status``)."""
    path = kwargs.pop("path")
    with pytest.raises(GeoInputError) as info:
        read_boundary_file(path, **kwargs)
    assert info.value.code == code, info.value.detail
    if status is not None:
        assert info.value.status == status
    return info.value


def projected(geom, epsg: int, prefix: float = 0.0):
    to = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    shift = np.array([prefix, 0.0])
    return shapely.transform(geom, lambda xy: np.column_stack(to.transform(*xy.T)) + shift)


def same_shape(a, b) -> bool:
    """Equal up to ring orientation (Shapefiles store outer rings clockwise)."""
    return shapely.normalize(a).equals_exact(shapely.normalize(b), 1e-9)


def close_to(geom, expected, metres: float = 0.5) -> bool:
    got = shapely.get_coordinates(shapely.normalize(geom))
    want = shapely.get_coordinates(shapely.normalize(expected))
    return got.shape == want.shape and all(
        GEOD.inv(a[0], a[1], b[0], b[1])[2] < metres for a, b in zip(got, want, strict=True)
    )


# --- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "driver", "expected_driver"),
    [
        ("a.geojson", "GeoJSON", "GeoJSON"),
        ("a.gpkg", "GPKG", "GPKG"),
        ("a.kml", "KML", "LIBKML"),
    ],
)
def test_each_format_reads_with_chinese_attributes(
    write_layer, square, name, driver, expected_driver
):
    layer = read_boundary_file(write_layer(name, driver))
    assert layer.driver == expected_driver
    assert layer.source_crs == "EPSG:4326"
    [feature] = layer.features
    assert (feature.code, feature.name) == ("430302001", "雨湖路街道")
    assert (feature.households, feature.population) == (1200, 3400)
    assert feature.index == 0
    assert feature.geometry.equals_exact(square, 1e-9)
    orjson.dumps(feature.properties)  # properties are stored as JSON


def test_zipped_shapefile_reads(shapefile_zip, square):
    layer = read_boundary_file(shapefile_zip(crs="EPSG:4490"))
    assert layer.driver == "ESRI Shapefile"
    assert layer.source_crs == "EPSG:4490"
    assert layer.fields["code"] == "编码"
    assert same_shape(layer.features[0].geometry, square)


def test_format_comes_from_the_bytes_not_the_name(write_layer, tmp_path):
    disguised = tmp_path / "boundary.zip"
    disguised.write_bytes(write_layer("real.geojson", "GeoJSON").read_bytes())
    assert read_boundary_file(disguised, filename="boundary.zip").driver == "GeoJSON"


@pytest.mark.parametrize("inner", ["a.geojson", "a.gpkg", "doc.kml"])
def test_zip_with_one_other_file_and_kmz(write_layer, zip_members, inner):
    driver = {"geojson": "GeoJSON", "gpkg": "GPKG", "kml": "KML"}[inner.split(".")[1]]
    content = write_layer(f"src/{inner}", driver).read_bytes()
    # A KMZ is a zip holding doc.kml and usually some icons.
    archive = zip_members({inner: content, "files/icon.png": b"\x89PNG"}, name="a.kmz")
    assert read_boundary_file(archive).features[0].code == "430302001"


def test_macos_junk_in_zips_is_ignored(shapefile_zip, tmp_path):
    archive = shapefile_zip()
    with zipfile.ZipFile(archive, "a") as z:
        z.writestr("__MACOSX/._boundary.shp", b"\x00\x05\x16\x07")
        z.writestr("._boundary.shp", b"\x00\x05\x16\x07")
    assert len(read_boundary_file(archive).features) == 1


def test_kml_folders_are_read_together(tmp_path):
    placemark = (
        "<Placemark><name>{name}</name><ExtendedData><Data name='code'><value>{code}</value>"
        "</Data></ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        "{x},27.85 {x2},27.85 {x2},27.86 {x},27.86 {x},27.85"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
    )
    folders = "".join(
        f"<Folder><name>F{i}</name>"
        + placemark.format(
            name=f"网格{i}", code=f"43030200100{i}", x=112.9 + i / 100, x2=112.91 + i / 100
        )
        + "</Folder>"
        for i in range(2)
    )
    path = tmp_path / "grids.kml"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document>{folders}</Document></kml>",
        encoding="utf-8",
    )
    layer = read_boundary_file(path)
    assert [f.code for f in layer.features] == ["430302001000", "430302001001"]
    assert [f.name for f in layer.features] == ["网格0", "网格1"]
    assert "tessellate" not in layer.features[0].properties  # LIBKML's styling columns


def test_multigeometry_of_polygons_becomes_a_multipolygon(geojson_file):
    collection = shapely.GeometryCollection(
        [box(112.9, 27.85, 112.91, 27.86), box(113, 28, 113.1, 28.1)]
    )
    layer = read_boundary_file(geojson_file(geoms=[collection]))
    assert layer.features[0].geometry.geom_type == "MultiPolygon"


def test_non_polygons_are_skipped_with_a_note(geojson_file, square):
    path = geojson_file(
        geoms=[square, Point(112.9, 27.85), shapely.LineString([(112.9, 27.85), (113, 28)])],
        properties=[{"code": "430302001"}, {"code": "x"}, {"code": "y"}],
    )
    layer = read_boundary_file(path)
    assert [f.index for f in layer.features] == [0]
    [note] = [n for n in layer.notes if n["code"] == "upload.features_skipped"]
    assert note["indices"] == [1, 2]
    assert "Point" in note["detail"]


def test_invalid_polygons_are_kept_unrepaired(geojson_file):
    bowtie = shapely.Polygon([(112.9, 27.85), (112.91, 27.86), (112.91, 27.85), (112.9, 27.86)])
    layer = read_boundary_file(geojson_file(geoms=[bowtie]))
    assert not layer.features[0].geometry.is_valid  # validation decides, not the reader


def test_geopackage_layers(write_layer, tmp_path, square):
    path = write_layer("two.gpkg", "GPKG", layer="towns")
    write_layer("two.gpkg", "GPKG", layer="grids", fields={"WGBM": ["430302001001001"]})
    with pytest.raises(GeoInputError) as info:
        read_boundary_file(path)
    assert info.value.code == "upload.layer_required"
    assert sorted(info.value.extra["names"]) == ["grids", "towns"]
    assert read_boundary_file(path, layer="grids").features[0].code == "430302001001001"
    refused("upload.layer_missing", path=path, layer="roads")


def test_geopackage_views_are_refused(write_layer):
    path = write_layer("v.gpkg", "GPKG", layer="towns")
    with sqlite3.connect(path) as con:
        con.execute("CREATE VIEW towns_view AS SELECT * FROM towns")
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, srs_id) "
            "VALUES ('towns_view', 'features', 4326)"
        )
        con.execute(
            "INSERT INTO gpkg_geometry_columns VALUES ('towns_view', 'geom', 'POLYGON', 4326, 0, 0)"
        )
    refused("upload.gpkg_view", 422, path=path)


def test_sqlite_that_is_not_a_geopackage(tmp_path):
    path = tmp_path / "plain.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (a)")
    refused("upload.unsupported_format", 415, path=path)


# --- encodings and CRS ---------------------------------------------------------------------------


@pytest.mark.parametrize("cpg", ["GBK", "936"])
def test_gbk_shapefile_with_cpg(shapefile_zip, cpg):
    layer = read_boundary_file(shapefile_zip(encoding="GBK", cpg=cpg))
    assert layer.features[0].name == "雨湖路街道"
    assert {"code": "upload.encoding", "detail": layer.notes[0]["detail"]} in layer.notes
    assert "gbk" in layer.notes[0]["detail"]


def test_gbk_shapefile_without_cpg_needs_the_encoding(shapefile_zip):
    archive = shapefile_zip(encoding="GBK", cpg=None)
    with pytest.raises(GeoInputError) as info:
        inspect_file(archive)
    assert (info.value.code, info.value.status) == ("upload.encoding_required", 422)
    assert "GBK" in info.value.detail
    assert inspect_file(archive, encoding="GBK")["features"] == 1
    layer = read_boundary_file(archive, encoding="GBK")
    assert layer.features[0].name == "雨湖路街道"
    assert layer.fields["code"] == "编码"


def test_utf8_shapefile_without_cpg_is_not_read_as_latin1(shapefile_zip):
    layer = read_boundary_file(shapefile_zip(encoding="UTF-8", cpg=None))
    assert layer.features[0].name == "雨湖路街道"


def test_shapefile_without_prj_needs_a_crs(shapefile_zip, square):
    archive = shapefile_zip(skip=(".prj",))
    error = refused("upload.crs_required", 422, path=archive)
    assert "crs" in error.detail
    layer = read_boundary_file(archive, crs="EPSG:4490")
    assert layer.source_crs == "EPSG:4490"
    assert same_shape(layer.features[0].geometry, square)


def test_geopackage_without_a_crs_needs_one(write_layer):
    with pytest.warns(UserWarning, match="crs"):  # pyogrio, too, thinks this is a bad idea
        path = write_layer("nocrs.gpkg", "GPKG", crs=None)
    refused("upload.crs_required", path=path)


@pytest.mark.parametrize(
    ("labelled", "data_epsg", "prefix", "used"),
    [(4526, 4547, 0, "EPSG:4547"), (4547, 4547, 38_000_000, "EPSG:4526")],
)
def test_gk_zone_mix_up_in_a_shapefile_is_corrected(
    shapefile_zip, square, labelled, data_epsg, prefix, used
):
    archive = shapefile_zip(
        crs=f"EPSG:{labelled}",
        geoms=[projected(square, data_epsg, prefix)],
        fields={"CODE": ["430302001"]},
    )
    layer = read_boundary_file(archive)
    assert layer.source_crs == used
    assert [n["code"] for n in layer.notes if n["code"].startswith("crs.")] == [
        "crs.gk_zone_corrected"
    ]
    assert close_to(layer.features[0].geometry, square, metres=0.01)
    assert inspect_file(archive)["crs"] == used


def test_declared_gk_crs_is_corrected_too(geojson_file, square):
    path = geojson_file(geoms=[projected(square, 4547)])
    layer = read_boundary_file(path, crs="EPSG:4526")
    assert layer.source_crs == "EPSG:4547"
    assert close_to(layer.features[0].geometry, square, metres=0.01)


def test_projected_data_that_fits_no_zone_is_refused(shapefile_zip, square):
    archive = shapefile_zip(crs="EPSG:4547", geoms=[square])  # degrees labelled as metres
    refused("crs.mismatch", 422, path=archive)


def test_old_datum_gets_a_note(shapefile_zip, square):
    layer = read_boundary_file(shapefile_zip(crs="EPSG:2383", geoms=[projected(square, 2383)]))
    assert "crs.datum_approximate" in [n["code"] for n in layer.notes]


@pytest.mark.parametrize(
    ("name", "forward"), [("GCJ02", prcoords.wgs_gcj), ("BD09", prcoords.wgs_bd)]
)
def test_declared_obfuscated_datum_moves_vertices_back(geojson_file, square, name, forward):
    shifted = shapely.Polygon([forward((y, x))[::-1] for x, y in square.exterior.coords])
    layer = read_boundary_file(geojson_file(geoms=[shifted]), crs=name)
    assert layer.source_crs == name
    got = layer.features[0].geometry
    assert close_to(got, square, metres=0.5)
    offset = GEOD.inv(*shifted.exterior.coords[0], *got.exterior.coords[0])[2]
    assert 300 < offset < 1500  # the correction is the few hundred metres the SDK added


def test_obfuscated_datum_declared_for_projected_data_is_refused(geojson_file, square):
    refused("crs.mismatch", 422, path=geojson_file(geoms=[projected(square, 4547)]), crs="GCJ02")


def test_declared_crs_overrides_the_file_with_a_note(shapefile_zip, square):
    # The .prj says CGCS2000 lon/lat, but the coordinates are GK metres: the caller knows better.
    archive = shapefile_zip(crs="EPSG:4490", geoms=[projected(square, 4547)])
    layer = read_boundary_file(archive, crs="EPSG:4547")
    assert layer.source_crs == "EPSG:4547"
    assert close_to(layer.features[0].geometry, square, metres=0.01)
    [note] = [n for n in layer.notes if n["code"] == "crs.declared_overrides_file"]
    assert "EPSG:4490" in note["detail"]


def test_projected_shapefile_never_reaches_china_as_degrees(shapefile_zip, square):
    with pytest.raises(GeoInputError) as info:
        read_boundary_file(shapefile_zip(crs="EPSG:4326"), crs="EPSG:4547")
    assert info.value.code == "crs.mismatch"


@pytest.mark.parametrize(
    "crs_name",
    ["urn:ogc:def:crs:EPSG::4547", "EPSG:4547", "http://www.opengis.net/def/crs/EPSG/0/4547"],
)
def test_named_geojson_crs_is_honoured(geojson_file, square, crs_name):
    path = geojson_file(
        geoms=[projected(square, 4547)], crs={"type": "name", "properties": {"name": crs_name}}
    )
    layer = read_boundary_file(path)
    assert layer.source_crs == "EPSG:4547"
    assert close_to(layer.features[0].geometry, square, metres=0.01)


def test_cgcs2000_and_old_epsg_style_geojson_crs(geojson_file):
    by_name = geojson_file(crs={"type": "name", "properties": {"name": "CGCS2000"}})
    assert read_boundary_file(by_name).source_crs == "EPSG:4490"
    by_code = geojson_file("b.geojson", crs={"type": "EPSG", "properties": {"code": 4490}})
    assert read_boundary_file(by_code).source_crs == "EPSG:4490"


def test_unknown_geojson_crs_name_needs_a_declared_crs(geojson_file):
    path = geojson_file(crs={"type": "name", "properties": {"name": "Local Grid 7"}})
    refused("crs.unknown", 422, path=path)
    assert read_boundary_file(path, crs="EPSG:4326").source_crs == "EPSG:4326"


@pytest.mark.parametrize(
    "member",
    [
        {"type": "link", "properties": {"href": "{base}/crs.wkt", "type": "ogcwkt"}},
        {"type": "ogcwkt", "properties": {"href": "{base}/crs.wkt"}},
        {"type": "name", "properties": {"name": "{base}/def/crs/EPSG/0/4326"}},
    ],
)
def test_remote_geojson_crs_is_refused_before_gdal_fetches_it(
    geojson_file, http_hits, monkeypatch, member
):
    base, hits = http_hits
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # would let GDAL's own fetch through
    member = json.loads(json.dumps(member).replace("{base}", base))
    error = refused("upload.crs_remote", 400, path=geojson_file(crs=member), crs="EPSG:4326")
    assert "crs" in error.detail
    assert hits == []


def test_remote_crs_on_a_geometry_is_refused_too(tmp_path, http_hits):
    base, hits = http_hits
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "430302001"},
                "geometry": {
                    "type": "Point",
                    "coordinates": [112.9, 27.85],
                    "crs": {"type": "link", "properties": {"href": f"{base}/x"}},
                },
            }
        ],
    }
    path = tmp_path / "g.geojson"
    path.write_text(json.dumps(doc))
    refused("upload.crs_remote", 400, path=path)
    assert hits == []


# --- hostile and hopeless files ------------------------------------------------------------------


def test_vrt_disguised_as_geojson_is_refused(tmp_path):
    path = tmp_path / "evil.geojson"
    path.write_text(
        '<OGRVRTDataSource><OGRVRTLayer name="passwd"><SrcDataSource>/etc/passwd</SrcDataSource>'
        "</OGRVRTLayer></OGRVRTDataSource>"
    )
    refused("upload.unsupported_format", 415, path=path)


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        (b"\x00\x00\x27\x0a" + b"\x00" * 96, "zip"),  # a bare .shp
        (b"Rar!\x1a\x07\x00", "zip"),
        (b"\xff\xfe{\x00}\x00", "UTF-8"),
        (b"%PDF-1.7", "GeoJSON"),
        (b"<gml:FeatureCollection/>", "GeoJSON"),
        (b"", "GeoJSON"),
    ],
)
def test_unsupported_content(tmp_path, content, hint):
    path = tmp_path / "upload.geojson"
    path.write_bytes(content)
    error = refused("upload.unsupported_format", 415, path=path)
    assert hint in error.detail


@pytest.mark.parametrize(
    ("doc", "what"),
    [
        (
            {
                "type": "Topology",
                "objects": {"a": {"type": "GeometryCollection", "geometries": []}},
                "arcs": [],
            },
            "TopoJSON",
        ),
        ({"geometryType": "esriGeometryPolygon", "features": []}, "Esri JSON"),
        ([1, 2], "JSON"),
    ],
)
def test_json_that_is_not_geojson(tmp_path, doc, what):
    path = tmp_path / "x.json"
    path.write_text(json.dumps(doc))
    assert what in refused("upload.unsupported_format", 415, path=path).detail


def test_broken_geojson_is_unreadable(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [ {"type": ')
    refused("upload.unreadable", 422, path=path)


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE kml [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!doctype kml SYSTEM "http://example.invalid/kml.dtd">',
    ],
)
def test_kml_with_entities_is_refused(tmp_path, prolog):
    path = tmp_path / "evil.kml"
    path.write_text(
        f'<?xml version="1.0"?>{prolog}<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        "<Placemark><name>&b;</name></Placemark></Document></kml>"
    )
    refused("upload.kml_entities", 400, path=path)


@pytest.mark.parametrize(
    "member",
    ["../../etc/cron.d/x.shp", "/etc/x.shp", "C:/Windows/x.shp", "..\\..\\x.shp", "a/../../x.shp"],
)
def test_zip_traversal_is_refused(zip_members, member):
    refused("upload.zip_traversal", 400, path=zip_members({member: b"x"}))


def test_zip_symlink_is_refused(zip_members):
    archive = zip_members({"a.dbf": b"x"}, symlink=("a.shp", "/etc/passwd"))
    refused("upload.zip_link", 400, path=archive)


def test_zip_bomb_is_refused(zip_members):
    archive = zip_members({"a.shp": b"\0" * (8 << 20), "a.shx": b"x", "a.dbf": b"x"})
    assert archive.stat().st_size < 100_000  # 8 MiB of zeros deflate to almost nothing
    refused("upload.zip_bomb", 413, path=archive)


def test_zip_with_too_many_members_is_refused(zip_members):
    archive = zip_members({f"f{i}.txt": b"x" for i in range(51)})
    refused("upload.zip_too_many_members", 413, path=archive)


def test_zip_expanding_past_the_limit_is_refused(zip_members):
    rng = np.random.default_rng(1)  # incompressible, so it is not the ratio that trips
    archive = zip_members({"a.shp": rng.bytes(6000), "a.shx": rng.bytes(6000), "a.dbf": b"x"})
    refused("upload.zip_too_large", 413, path=archive, limits=ReadLimits(max_zip_total_bytes=8000))


def test_encrypted_zip_is_refused(zip_members):
    refused("upload.zip_encrypted", 400, path=zip_members({"a.shp": b"x"}, encrypted=True))


@pytest.mark.parametrize("name", ["inner.zip", "inner.KMZ"])
def test_nested_archive_is_refused(zip_members, name):
    refused("upload.zip_nested", 400, path=zip_members({name: b"PK\x03\x04"}))


def test_zip_disguised_inside_a_zip_is_refused(zip_members):
    inner = zip_members({"x.txt": b"x"}, name="inner.bin").read_bytes()
    refused("upload.zip_nested", 400, path=zip_members({"a.geojson": inner}))


def test_zip_whose_directory_lies_about_sizes_is_unreadable(zip_members, write_layer):
    archive = zip_members({"a.geojson": write_layer("a.geojson", "GeoJSON").read_bytes()})
    data = bytearray(archive.read_bytes())
    entry = data.index(b"PK\x01\x02")
    data[entry + 24 : entry + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes
    archive.write_bytes(bytes(data))
    refused("upload.unreadable", 422, path=archive)


@pytest.mark.parametrize(
    ("members", "code"),
    [
        ({"a.shp": b"x", "a.shx": b"x", "a.dbf": b"x", "b.shp": b"x"}, "upload.zip_many_layers"),
        ({"a.geojson": b"{}", "b.kml": b"<kml/>"}, "upload.zip_many_layers"),
        ({"a.shp": b"\x00\x00\x27\x0a"}, "upload.shapefile_incomplete"),
        ({"readme.txt": b"hello"}, "upload.unsupported_format"),
        ({"a.shp": b"not a shp", "a.shx": b"x", "a.dbf": b"x"}, "upload.unreadable"),
    ],
)
def test_zip_contents_that_cannot_be_read(zip_members, members, code):
    refused(code, path=zip_members(members))


def test_several_shapefiles_one_named_by_layer(write_layer, zip_folder, tmp_path):
    folder = tmp_path / "many"
    write_layer("many/towns.shp", "ESRI Shapefile")
    write_layer("many/grids.shp", "ESRI Shapefile", fields={"WGBM": ["430302001001001"]})
    archive = zip_folder(folder)
    error = refused("upload.zip_many_layers", 422, path=archive)
    assert sorted(error.extra["names"]) == ["grids.shp", "towns.shp"]
    assert read_boundary_file(archive, layer="grids").features[0].code == "430302001001001"


def test_file_too_large(write_layer):
    path = write_layer("b.geojson", "GeoJSON")
    with pytest.raises(GeoInputError) as info:
        inspect_file(path, limits=ReadLimits(max_bytes=100))
    assert (info.value.code, info.value.status) == ("upload.too_large", 413)


def test_too_many_features(geojson_file, square):
    path = geojson_file(geoms=[square] * 3)
    refused("upload.too_many_features", 413, path=path, limits=ReadLimits(max_features=2))


def test_too_many_vertices_names_the_feature(geojson_file, square):
    dense = shapely.segmentize(box(112.95, 27.85, 112.96, 27.86), 0.0001)  # ~400 vertices
    path = geojson_file(geoms=[square, dense], properties=[{"code": "A1"}, {"code": "430302002"}])
    limits = ReadLimits(max_vertices_per_feature=100)
    error = refused("upload.too_many_vertices", 413, path=path, limits=limits)
    assert "#1" in error.detail
    assert "430302002" in error.detail
    assert error.extra["feature"] == 1
    with pytest.raises(GeoInputError) as cheap:
        inspect_file(path, limits=limits)
    assert cheap.value.code == "upload.too_many_vertices"


def test_empty_layer(tmp_path):
    path = tmp_path / "e.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    refused("upload.empty", 422, path=path)


def test_layer_without_polygons(geojson_file):
    path = geojson_file(geoms=[Point(112.9, 27.85)], properties=[{"code": "430302"}])
    refused("upload.geometry_type", 422, path=path)


def test_gdal_errors_do_not_leak_server_paths(zip_members):
    broken = zip_members({"a.shp": b"\x00\x00\x27\x0a", "a.shx": b"x", "a.dbf": b"x"})
    error = refused("upload.unreadable", 422, path=broken, crs="EPSG:4326")
    assert "could not be read" in error.detail
    assert "gridsvc-read-" not in error.detail
    assert tempfile.gettempdir() not in error.detail


def test_temporary_copies_are_removed(shapefile_zip, zip_members):
    before = set(Path(tempfile.gettempdir()).glob("gridsvc-read-*"))
    read_boundary_file(shapefile_zip())
    with pytest.raises(GeoInputError):
        read_boundary_file(zip_members({"a.shp": b"x"}, encrypted=True))
    assert set(Path(tempfile.gettempdir()).glob("gridsvc-read-*")) == before


def test_inspect_summarises_without_reading_attributes(shapefile_zip):
    summary = inspect_file(shapefile_zip(crs="EPSG:4490"), crs=None)
    assert summary["format"] == "shp"
    assert summary["driver"] == "ESRI Shapefile"
    assert summary["features"] == 1
    assert summary["crs"] == "EPSG:4490"
