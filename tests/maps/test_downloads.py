"""Boundary downloads: files GDAL opens, with the codes, names, parents and areas of the API."""

from __future__ import annotations

import io
import zipfile

import pyogrio
import pyogrio.raw
import pytest
from sqlalchemy import text

from gridsvc.extensions import db
from tests.conftest import bearer
from tests.test_app import assert_problem


def grid_generation_id() -> int:
    return db.session.scalar(
        text("SELECT id FROM generations WHERE level = 'grid' ORDER BY number DESC LIMIT 1")
    )


def test_the_gpkg_opens_and_matches_the_api(client, make_user, hierarchy, tmp_path):
    headers = bearer(make_user(role="gis_staff", township_code=None))
    answer = client.get(f"/api/v1/generations/{hierarchy.id}/download?format=gpkg", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "attachment" in answer.headers["Content-Disposition"]
    path = tmp_path / "grids.gpkg"
    path.write_bytes(answer.data)
    meta, _fids, geometry, fields = pyogrio.raw.read(path)
    assert meta["crs"] == "EPSG:4490"
    columns = dict(zip(meta["fields"], fields, strict=True))
    api = client.get("/api/v1/grids?limit=500", headers=headers).get_json()["features"]
    assert sorted(columns["code"]) == sorted(f["properties"]["code"] for f in api)
    by_code = {f["properties"]["code"]: f["properties"] for f in api}
    for code, area, parent, name in zip(
        columns["code"], columns["area_m2"], columns["parent"], columns["name"], strict=True
    ):
        assert area == pytest.approx(by_code[code]["area_m2"], abs=0.1)
        assert parent == by_code[code]["parent_code"]
        assert name == by_code[code]["name"]
    assert all(g is not None for g in geometry)


def test_shapefile_zip_has_a_cpg_and_chinese_names_survive(client, make_user, hierarchy, tmp_path):
    headers = bearer(make_user(role="gis_staff", township_code=None))
    answer = client.get(
        "/api/v1/generations/current/download?level=township&format=shp&crs=EPSG:4326",
        headers=headers,
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        names = archive.namelist()
        assert {n.rsplit(".", 1)[1] for n in names} >= {"shp", "shx", "dbf", "prj", "cpg"}
        archive.extractall(tmp_path)
        assert (
            archive.read(next(n for n in names if n.endswith(".cpg"))).decode().strip() == "UTF-8"
        )
    shp = next(tmp_path.glob("*.shp"))
    meta, _fids, _geometry, fields = pyogrio.raw.read(shp)
    assert meta["crs"] == "EPSG:4326"
    assert sorted(fields[meta["fields"].tolist().index("name")]) == ["乡镇001", "乡镇002"]


@pytest.mark.parametrize(("fmt", "driver"), [("geojson", ("GeoJSON",)), ("kml", ("KML", "LIBKML"))])
def test_geojson_and_kml(client, make_user, hierarchy, tmp_path, fmt, driver):
    headers = bearer(make_user(role="supervisor", township_code=None))
    answer = client.get(
        f"/api/v1/generations/current/download?level=village&format={fmt}", headers=headers
    )
    assert answer.status_code == 200
    path = tmp_path / f"villages.{fmt}"
    path.write_bytes(answer.data)
    assert pyogrio.read_info(path)["features"] == 4
    assert pyogrio.read_info(path)["driver"] in driver


def test_downloads_stay_in_scope_and_refuse_bad_asks(client, make_user, hierarchy):
    elsewhere = bearer(make_user(role="gis_staff", county_code="430321", township_code=None))
    # The fixture's generations were loaded from the shell (no county): read through the
    # caller's county, another county finds nothing in them.
    assert_problem(
        client.get(f"/api/v1/generations/{hierarchy.id}/download", headers=elsewhere),
        404,
        "download.empty",
    )
    assert_problem(
        client.get("/api/v1/generations/current/download?level=grid", headers=elsewhere),
        404,
        "download.empty",
    )
    home = bearer(make_user(role="gis_staff", township_code=None))
    assert_problem(
        client.get("/api/v1/generations/99999999/download", headers=home),
        404,
        "generation.not_found",
    )
    assert_problem(
        client.get(f"/api/v1/generations/{hierarchy.id}/download?format=dwg", headers=home),
        422,
        "request.validation_failed",
    )


def test_a_countys_own_generation_is_hidden_from_other_counties(client, make_user, hierarchy):
    db.session.execute(
        text("UPDATE generations SET county_code = '430302' WHERE id = :g"), {"g": hierarchy.id}
    )
    elsewhere = bearer(make_user(role="gis_staff", county_code="430321", township_code=None))
    assert_problem(
        client.get(f"/api/v1/generations/{hierarchy.id}/download", headers=elsewhere),
        404,
        "generation.not_found",
    )
    home = bearer(make_user(role="gis_staff", township_code=None))
    assert (
        client.get(f"/api/v1/generations/{hierarchy.id}/download", headers=home).status_code == 200
    )
