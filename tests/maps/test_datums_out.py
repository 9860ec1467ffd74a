"""?crs=GCJ02|BD09 on the GeoJSON reads: geometries moved to the datum of China's map SDKs."""

from __future__ import annotations

import shapely
from shapely.geometry import shape

from gridsvc.geo.crs import transform_geometries
from tests.conftest import bearer
from tests.test_app import assert_problem


def moved_back(geometry: dict, datum: str):
    return transform_geometries([shape(geometry)], datum)[0]


def test_boundary_reads_in_gcj02_and_bd09(client, make_user, hierarchy):
    headers = bearer(make_user(role="supervisor", township_code=None))
    for url, pick in (
        ("/api/v1/grids", lambda b: b["features"][0]["geometry"]),
        ("/api/v1/areas?level=village", lambda b: b["features"][0]["geometry"]),
        ("/api/v1/grids/430302001001001", lambda b: b["geometry"]),
        ("/api/v1/areas/430302001", lambda b: b["geometry"]),
        ("/api/v1/grids/430302001001001/history", lambda b: b["features"][0]["geometry"]),
    ):
        stored = shape(pick(client.get(url, headers=headers).get_json()))
        joiner = "&" if "?" in url else "?"
        for datum in ("GCJ02", "BD09"):
            body = client.get(f"{url}{joiner}crs={datum}", headers=headers).get_json()
            moved = pick(body)
            assert shape(moved).centroid.distance(stored.centroid) > 0.001, (url, datum)
            assert shapely.hausdorff_distance(moved_back(moved, datum), stored) < 1e-6
    assert_problem(
        client.get("/api/v1/grids?crs=EPSG:3857", headers=headers), 422, "request.validation_failed"
    )


def test_incident_geojson_in_gcj02(client, people, report):
    report("0501")
    headers = bearer(people["lead"])
    plain = client.get("/api/v1/incidents?format=geojson", headers=headers).get_json()
    gcj = client.get("/api/v1/incidents?format=geojson&crs=GCJ02", headers=headers).get_json()
    stored = shape(plain["features"][0]["geometry"])
    moved = gcj["features"][0]["geometry"]
    assert shape(moved).distance(stored) > 0.001
    assert moved_back(moved, "GCJ02").distance(stored) < 1e-6
