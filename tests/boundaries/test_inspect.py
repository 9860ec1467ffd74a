"""POST /boundary-uploads/inspect: a file's columns before it is uploaded (the console's field
pickers for the formats a browser cannot read), through the upload's own safe reader and caps."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write
from shapely.geometry import box

from gridsvc.boundaries.models import BoundaryUpload
from tests.boundaries.conftest import feature, geojson_bytes
from tests.conftest import bearer
from tests.test_app import assert_problem

ZH = {"Accept-Language": "zh-CN"}
CELLS = [box(112.80, 27.85, 112.85, 27.90), box(112.85, 27.85, 112.90, 27.90)]


def _inspect(client, headers, content: bytes, filename: str, **form):
    data = {k: str(v) for k, v in form.items()}
    data["file"] = (io.BytesIO(content), filename)
    return client.post(
        "/api/v1/boundary-uploads/inspect",
        data=data,
        headers={**headers, **ZH},
        content_type="multipart/form-data",
    )


def _write(path: Path, driver: str, *, layer: str | None = None, crs="EPSG:4490", **columns):
    geometry = np.array([shapely.to_wkb(g) for g in CELLS], dtype=object)
    write(
        path,
        geometry,
        field_data=[np.array(v, dtype=object) for v in columns.values()],
        fields=list(columns),
        geometry_type="Polygon",
        crs=crs,
        driver=driver,
        layer=layer,
        **({"encoding": "UTF-8"} if driver == "ESRI Shapefile" else {}),
    )


def _zipped(folder: Path, *, keep=lambda p: True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in sorted(folder.iterdir()):
            if keep(member):
                archive.writestr(member.name, member.read_bytes())
    return buffer.getvalue()


@pytest.fixture
def gis(make_user):
    return bearer(make_user(role="gis_staff", township_code=None))


@pytest.fixture
def upload_dir(app, monkeypatch, tmp_path):
    """A folder of this test's own: the shared test UPLOAD_DIR sees other runs' uploads."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


def _folders(path: Path) -> set[str]:
    return {p.name for p in path.iterdir()} if path.exists() else set()


def test_a_zipped_shapefile_shows_its_columns_samples_and_detected_roles(
    client, gis, tmp_path, upload_dir, db_session
):
    shp = tmp_path / "shp"
    shp.mkdir()
    _write(
        shp / "网格.shp",
        "ESRI Shapefile",
        WGDM=["430302001001001", "430302001001002"],
        WGMC=["第一网格", "第二网格"],
        CJDM=["430302001001", "430302001001"],
    )
    before = _folders(upload_dir)
    response = _inspect(client, gis, _zipped(shp), "网格.zip")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["format"] == "shp"
    assert body["features"] == 2
    assert body["crs"] == "EPSG:4490"
    columns = {c["name"]: c["samples"] for c in body["columns"]}
    assert columns["WGMC"] == ["第一网格", "第二网格"]
    assert columns["WGDM"][0] == "430302001001001"
    assert body["detected"]["code"] == "WGDM"
    # Nothing is kept: no upload row, no file left behind.
    assert db_session.query(BoundaryUpload).count() == 0
    assert _folders(upload_dir) == before


def test_a_geopackage_with_two_polygon_layers_asks_which_then_reads_that_one(client, gis, tmp_path):
    path = tmp_path / "two.gpkg"
    _write(path, "GPKG", layer="grids", code=["430302001001001", "430302001001002"])
    _write(path, "GPKG", layer="villages", bianma=["430302001001", "430302001002"])
    refused = assert_problem(
        _inspect(client, gis, path.read_bytes(), "two.gpkg"), 422, "upload.layer_required"
    )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused["detail"]), refused["detail"]
    assert sorted(refused["names"]) == ["grids", "villages"]  # the console offers these
    answer = _inspect(client, gis, path.read_bytes(), "two.gpkg", layer_name="villages")
    assert answer.status_code == 200, answer.get_json()
    assert [c["name"] for c in answer.get_json()["columns"]] == ["bianma"]
    assert answer.get_json()["layers"] == ["villages"]


def test_a_shapefile_without_prj_needs_a_crs_then_answers(client, gis, tmp_path):
    shp = tmp_path / "shp"
    shp.mkdir()
    with pytest.warns(UserWarning, match="crs"):
        _write(shp / "t.shp", "ESRI Shapefile", crs=None, code=["430302", "430303"])
    content = _zipped(shp, keep=lambda p: p.suffix != ".prj")
    assert_problem(_inspect(client, gis, content, "t.zip"), 422, "upload.crs_required")
    answer = _inspect(client, gis, content, "t.zip", crs="EPSG:4490")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["crs"] == "EPSG:4490"


def test_a_file_without_a_code_column_still_lists_its_columns(client, gis):
    content = geojson_bytes([feature(g, 名称="某网格") for g in CELLS])
    answer = _inspect(client, gis, content, "a.geojson")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["detected"]["code"] is None
    assert answer.get_json()["columns"] == [{"name": "名称", "samples": ["某网格", "某网格"]}]


def test_limits_and_hostile_files_are_refused_and_leave_nothing(
    client, app, gis, monkeypatch, upload_dir
):
    before = _folders(upload_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.shp", b"x")
    assert_problem(_inspect(client, gis, buffer.getvalue(), "t.zip"), 400, "upload.zip_traversal")
    assert_problem(
        _inspect(client, gis, b"not a map", "t.geojson"), 415, "upload.unsupported_format"
    )
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FEATURES", 1)
    many = geojson_bytes([feature(g, code=str(i)) for i, g in enumerate(CELLS)])
    assert_problem(_inspect(client, gis, many, "a.geojson"), 413, "upload.too_many_features")
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 100)
    assert_problem(
        _inspect(client, gis, b"{" + b" " * 500 + b"}", "a.geojson"), 413, "upload.too_large"
    )
    assert _folders(upload_dir) == before


def test_only_boundary_editors_may_inspect(client, make_user):
    content = geojson_bytes([feature(CELLS[0], code="430302")])
    for role in ("grid_worker", "team_lead", "county_dispatcher"):
        headers = bearer(make_user(role=role))
        assert_problem(_inspect(client, headers, content, "a.geojson"), 403, "auth.role_forbidden")
    anonymous = client.post("/api/v1/boundary-uploads/inspect", data={}, headers=ZH)
    assert anonymous.status_code == 401
