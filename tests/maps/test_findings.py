"""An upload's findings as a layer: GeoJSON and a GeoPackage GDAL opens, scoped to editors."""

from __future__ import annotations

import pyogrio.raw
from shapely.geometry import box

from tests.boundaries.conftest import TOWNSHIPS, feature, geojson_bytes, upload_request
from tests.conftest import bearer
from tests.test_app import assert_problem


def invalid_upload(client, headers, publish) -> dict:
    publish("county", [feature(box(112.80, 27.85, 112.90, 27.95), code="430302", name="雨湖区")])
    publish("township", [feature(g, code=c, name=c) for c, g in TOWNSHIPS.items()])
    villages = [  # an overlap strip between the two villages and a hole at the top
        feature(box(112.80, 27.85, 112.83, 27.95), code="430302001001", name="甲村"),
        feature(box(112.82, 27.85, 112.85, 27.945), code="430302001002", name="乙村"),
    ]
    response = upload_request(
        client, headers, geojson_bytes(villages), "villages.geojson", level="village"
    )
    return client.get(response.headers["Location"], headers=headers).get_json()


def test_findings_as_geojson_and_gpkg(client, make_user, publish, tmp_path):
    headers = bearer(make_user(role="gis_staff", township_code=None))
    upload = invalid_upload(client, headers, publish)
    assert upload["status"] == "invalid"
    report = upload["report"]["findings"]
    url = f"/api/v1/boundary-uploads/{upload['id']}/findings"
    layer = client.get(url, headers=headers)
    assert layer.status_code == 200
    assert layer.mimetype == "application/geo+json"
    features = layer.get_json()["features"]
    assert [f["properties"]["code"] for f in features] == [f["code"] for f in report]
    overlap = next(f for f in features if f["properties"]["code"] == "coverage.overlap")
    assert overlap["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert overlap["properties"]["area_m2"] > 1_000_000

    gpkg = client.get(f"{url}?format=gpkg", headers=headers)
    assert gpkg.status_code == 200
    path = tmp_path / "findings.gpkg"
    path.write_bytes(gpkg.data)
    meta, _fids, geometry, fields = pyogrio.raw.read(path)
    assert meta["crs"] == "EPSG:4326"
    columns = dict(zip(meta["fields"], fields, strict=True))
    assert list(columns["code"]) == [f["code"] for f in report]
    assert sum(g is not None for g in geometry) == sum(
        f.get("location") is not None for f in report
    )


def test_findings_are_the_editors_of_the_upload(client, make_user, publish):
    headers = bearer(make_user(role="gis_staff", township_code=None))
    upload = invalid_upload(client, headers, publish)
    url = f"/api/v1/boundary-uploads/{upload['id']}/findings"
    worker = bearer(make_user(role="grid_worker"))
    assert_problem(client.get(url, headers=worker), 403, "auth.role_forbidden")
    elsewhere = bearer(make_user(role="gis_staff", county_code="430321", township_code=None))
    assert_problem(client.get(url, headers=elsewhere), 404, "upload.not_found")
