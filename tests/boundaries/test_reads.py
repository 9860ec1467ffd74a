"""Reading boundaries: areas, grids (GeoJSON), generations, history, locate (single, bulk, CRS)."""

from __future__ import annotations

import pytest
from shapely.geometry import box, shape

from tests.boundaries.conftest import grids_of
from tests.conftest import bearer
from tests.test_app import assert_problem


@pytest.fixture
def reader(make_user):
    return bearer(make_user(role="grid_worker", township_code="430302001"))


def test_areas_by_level_and_parent(client, hierarchy, reader):
    townships = client.get("/api/v1/areas?level=township", headers=reader).get_json()
    assert [f["properties"]["code"] for f in townships["features"]] == ["430302001", "430302002"]
    villages = client.get(
        "/api/v1/areas?parent=430302002&geometry=false", headers=reader
    ).get_json()
    assert [f["id"] for f in villages["features"]] == ["430302002001", "430302002002"]
    assert villages["features"][0]["geometry"] is None
    one = client.get("/api/v1/areas/430302001", headers=reader).get_json()
    assert one["type"] == "Feature"
    assert shape(one["geometry"]).equals(box(112.80, 27.85, 112.85, 27.95))
    assert one["properties"]["area_m2"] == pytest.approx(0.05 * 98_400 * 0.1 * 110_760, rel=0.02)


def test_grids_filtered_by_village_bbox_and_paged(client, hierarchy, reader):
    by_village = client.get("/api/v1/grids?village=430302001001", headers=reader).get_json()
    assert [f["id"] for f in by_village["features"]] == ["430302001001001", "430302001001002"]
    by_box = client.get("/api/v1/grids?bbox=112.86,27.91,112.87,27.92", headers=reader).get_json()
    assert [f["id"] for f in by_box["features"]] == ["430302002002001"]
    page = client.get("/api/v1/grids?limit=3", headers=reader).get_json()
    assert len(page["features"]) == 3
    rest = client.get(
        f"/api/v1/grids?limit=10&cursor={page['next_cursor']}", headers=reader
    ).get_json()
    assert len(rest["features"]) == 5
    assert rest["next_cursor"] is None
    grid = client.get("/api/v1/grids/430302002001002", headers=reader).get_json()
    assert grid["properties"]["village_code"] == "430302002001"
    assert grid["properties"]["households"] == 400


def test_bad_bbox_is_422(client, hierarchy, reader):
    body = assert_problem(
        client.get("/api/v1/grids?bbox=1,2,3", headers=reader), 422, "request.validation_failed"
    )
    assert "bbox" in body["errors"]


def test_other_county_reads_as_404(client, hierarchy, make_user):
    stranger = bearer(make_user(role="grid_worker", township_code="430321001"))
    assert_problem(
        client.get("/api/v1/grids/430302002001002", headers=stranger), 404, "grid.not_found"
    )
    listed = client.get("/api/v1/areas?level=township", headers=stranger).get_json()
    assert listed["features"] == []


def test_new_generation_keeps_history_and_old_generations_queryable(
    client, hierarchy, publish, reader
):
    old_number = hierarchy.number
    # Re-draw village 430302001001 into three grids: its two old grids are replaced as a set.
    publish("grid", grids_of("430302001001", n=3))
    current = client.get("/api/v1/grids?village=430302001001", headers=reader).get_json()
    assert len(current["features"]) == 3
    assert current["generation"] == old_number + 1
    old = client.get(
        f"/api/v1/grids?village=430302001001&generation={old_number}", headers=reader
    ).get_json()
    assert len(old["features"]) == 2
    history = client.get("/api/v1/grids/430302001001001/history", headers=reader).get_json()
    versions = [
        (f["properties"]["generation_from"], f["properties"]["generation_to"])
        for f in history["features"]
    ]
    assert versions == [(old_number, old_number), (old_number + 1, None)]
    gens = client.get("/api/v1/generations", headers=reader).get_json()
    statuses = {g["number"]: g["status"] for g in gens}
    assert statuses[old_number + 1] == "published"
    assert statuses[old_number] == "retired"
    # The point in the third strip lies in grid 003 now, in grid 002 before.
    now = client.get("/api/v1/locate?lon=112.845&lat=27.87", headers=reader).get_json()
    then = client.get(
        f"/api/v1/locate?lon=112.845&lat=27.87&generation={old_number}", headers=reader
    ).get_json()
    assert now["grid"]["code"] == "430302001001003"
    assert then["grid"]["code"] == "430302001001002"


def test_unknown_generation_is_404(client, hierarchy, reader):
    assert_problem(
        client.get("/api/v1/grids?generation=999", headers=reader), 404, "generation.not_found"
    )


def test_locate_returns_every_level(client, hierarchy, reader):
    body = client.get("/api/v1/locate?lon=112.87&lat=27.93", headers=reader).get_json()
    assert body["county"]["code"] == "430302"
    assert body["township"]["code"] == "430302002"
    assert body["village"]["code"] == "430302002002"
    assert body["grid"]["code"] == "430302002002001"
    assert body["generation"] == hierarchy.number


def test_locate_outside_coverage_names_the_nearest_grid(client, hierarchy, reader):
    response = client.get("/api/v1/locate?lon=112.95&lat=27.90", headers=reader)
    body = assert_problem(response, 404, "locate.outside_coverage")
    assert body["nearest"]["code"] == "430302002001002"
    # 0.05° east of the edge at 27.9°N ≈ 4.9 km
    assert body["nearest"]["distance_m"] == pytest.approx(0.05 * 98_400, rel=0.02)


def test_locate_rejects_bad_coordinates(client, hierarchy, reader):
    assert_problem(
        client.get("/api/v1/locate?lon=27.9&lat=112.8", headers=reader), 422, "coordinates.swapped"
    )
    assert_problem(
        client.get("/api/v1/locate?lon=500&lat=27.9", headers=reader),
        422,
        "coordinates.out_of_range",
    )
    assert_problem(
        client.get("/api/v1/locate?lon=112.8&lat=27.9&crs=FOO", headers=reader), 422, "crs.unknown"
    )


def test_locate_gcj02_point_lands_where_its_wgs84_twin_is(client, hierarchy, reader):
    import prcoords

    # A WGS84 point 100 m west of the township line; its GCJ-02 form lies ~500 m further east.
    wgs = (27.90 + 0.01, 112.85 - 0.001)  # prcoords takes (lat, lon)
    gcj = prcoords.wgs_gcj(wgs)
    assert gcj[1] > 112.85  # read as WGS84 the raw numbers would fall in the other township
    body = client.get(
        f"/api/v1/locate?lon={gcj[1]}&lat={gcj[0]}&crs=GCJ02", headers=reader
    ).get_json()
    assert body["township"]["code"] == "430302001"
    raw = client.get(f"/api/v1/locate?lon={gcj[1]}&lat={gcj[0]}", headers=reader).get_json()
    assert raw["township"]["code"] == "430302002"


def test_bulk_locate_keeps_order_and_ids(client, hierarchy, reader):
    points = [
        {"lon": 112.81, "lat": 27.86, "id": "a"},
        {"lon": 112.99, "lat": 27.86, "id": "outside"},
        {"lon": 112.89, "lat": 27.94, "id": "c"},
    ]
    body = client.post("/api/v1/locate", json={"points": points}, headers=reader).get_json()
    results = body["results"]
    assert [r["id"] for r in results] == ["a", "outside", "c"]
    assert results[0]["grid"]["code"] == "430302001001001"
    assert results[1]["county"] is None
    assert results[2]["grid"]["code"] == "430302002002002"


def test_at_and_generation_together_are_422_in_query_and_body(client, hierarchy, reader):
    both = "at=2026-01-01T00:00:00%2B08:00&generation=1"
    for url in (f"/api/v1/locate?lon=112.81&lat=27.86&{both}", f"/api/v1/grids?{both}"):
        body = assert_problem(client.get(url, headers=reader), 422, "request.validation_failed")
        assert "at" in body["errors"]
    sent = {"points": [{"lon": 112.81, "lat": 27.86}], "at": "2026-01-01T00:00:00+08:00"}
    response = client.post("/api/v1/locate", json={**sent, "generation": 1}, headers=reader)
    assert "at" in assert_problem(response, 422, "request.validation_failed")["errors"]


def test_bulk_locate_caps_points(client, hierarchy, reader):
    points = [{"lon": 112.81, "lat": 27.86}] * 10_001
    response = client.post("/api/v1/locate", json={"points": points}, headers=reader)
    assert_problem(response, 422, "request.validation_failed")


def test_single_locate_uses_the_warm_index_and_notices_a_new_generation(
    client, hierarchy, publish, reader
):
    # A bulk request builds the in-process index; single lookups then answer from it.
    client.post("/api/v1/locate", json={"points": [{"lon": 112.81, "lat": 27.86}]}, headers=reader)
    from gridsvc.boundaries import lookup_index

    assert lookup_index.warm_index("unified") is not None
    warm = client.get("/api/v1/locate?lon=112.845&lat=27.87", headers=reader).get_json()
    assert warm["grid"]["code"] == "430302001001002"
    outside = client.get("/api/v1/locate?lon=112.95&lat=27.90", headers=reader)
    assert_problem(outside, 404, "locate.outside_coverage")
    # A publish makes the index stale: the next lookup sees the new grids, not the cached ones.
    publish("grid", grids_of("430302001001", n=3))
    fresh = client.get("/api/v1/locate?lon=112.845&lat=27.87", headers=reader).get_json()
    assert fresh["grid"]["code"] == "430302001001003"
    assert fresh["generation"] == warm["generation"] + 1


def test_warm_index_notices_a_publish_made_by_another_process(
    client, hierarchy, publish, reader, monkeypatch
):
    from gridsvc.boundaries import lookup_index

    client.post("/api/v1/locate", json={"points": [{"lon": 112.81, "lat": 27.86}]}, headers=reader)
    assert lookup_index.warm_index("unified") is not None
    # Another process publishes: nothing in this process is told; the ``generations`` version the
    # publish bumped is what sends the lookup past the stale index.
    publish("grid", grids_of("430302001001", n=3))
    assert lookup_index.warm_index("unified") is None
    fresh = client.get("/api/v1/locate?lon=112.845&lat=27.87", headers=reader).get_json()
    assert fresh["grid"]["code"] == "430302001001003"
