"""Reading incidents: scope (404 outside it), filters, cursor paging, GeoJSON, ETag, delta feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import bearer
from tests.incidents.conftest import HOME, OTHER_TOWNSHIP, assign
from tests.test_app import assert_problem


@pytest.fixture
def scene(report, make_user, db_session, as_dispatcher):
    """Two reports in township 001 (one by the worker in another grid), one in township 002."""
    home = report().get_json()
    grid2 = report(lonlat=(112.83, 27.87), category="0503").get_json()
    colleague = make_user(role="grid_worker", township_code="430302002")
    assign(db_session, colleague, "430302002001001")
    other = report(headers=bearer(colleague), lonlat=OTHER_TOWNSHIP).get_json()
    own_abroad = report(lonlat=(112.87, 27.92), category="0201").get_json()  # by our worker
    return {"home": home, "grid2": grid2, "other": other, "own_abroad": own_abroad}


def _ids(response) -> list[int]:
    return [i["id"] for i in response.get_json()["items"]]


def test_scope_decides_what_a_list_shows(client, scene, as_worker, as_dispatcher, make_user):
    mine = _ids(client.get("/api/v1/incidents", headers=as_worker))
    # Township 001, newest first, plus the worker's own report from township 002.
    assert mine == [scene["own_abroad"]["id"], scene["grid2"]["id"], scene["home"]["id"]]
    county = _ids(client.get("/api/v1/incidents", headers=as_dispatcher))
    assert sorted(county) == sorted(s["id"] for s in scene.values())
    stranger = bearer(make_user(role="county_dispatcher", county_code="430321", township_code=None))
    assert _ids(client.get("/api/v1/incidents", headers=stranger)) == []


def test_out_of_scope_incident_is_404(client, scene, as_worker):
    assert_problem(
        client.get(f"/api/v1/incidents/{scene['other']['id']}", headers=as_worker),
        404,
        "incident.not_found",
    )
    own = client.get(f"/api/v1/incidents/{scene['own_abroad']['id']}", headers=as_worker)
    assert own.status_code == 200


def test_etag_and_conditional_get(client, scene, as_worker):
    url = f"/api/v1/incidents/{scene['home']['id']}"
    first = client.get(url, headers=as_worker)
    assert first.headers["ETag"] == f'"incident-{scene["home"]["id"]}-v1"'
    again = client.get(url, headers=as_worker | {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=0503", ["grid2"]),
        ("township=430302002", ["own_abroad", "other"]),
        ("grid=430302001001001", ["home"]),
        ("bbox=112.80,27.86,112.82,27.88", ["home"]),
        ("status=reported,accepted", ["own_abroad", "other", "grid2", "home"]),
        ("status=closed", []),
        ("county=430302", ["own_abroad", "other", "grid2", "home"]),
        ("county=430321", []),
    ],
)
def test_filters(client, scene, as_dispatcher, query, expected):
    got = _ids(client.get(f"/api/v1/incidents?{query}", headers=as_dispatcher))
    assert got == [scene[name]["id"] for name in expected]


def test_a_global_admin_reads_one_county_at_a_time(client, scene, make_user):
    """The desk's county picker: a global admin names the county; it narrows, never widens."""
    admin = bearer(make_user(role="admin", county_code=None, township_code=None))
    everything = sorted(s["id"] for s in scene.values())
    assert sorted(_ids(client.get("/api/v1/incidents?county=430302", headers=admin))) == everything
    assert _ids(client.get("/api/v1/incidents?county=430321", headers=admin)) == []


def test_updated_since_and_mine(client, scene, as_dispatcher, as_worker):
    future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert (
        _ids(client.get(f"/api/v1/incidents?updated_since={future}", headers=as_dispatcher)) == []
    )
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert (
        len(_ids(client.get(f"/api/v1/incidents?updated_since={past}", headers=as_dispatcher))) == 4
    )
    assert len(_ids(client.get("/api/v1/incidents?mine=true", headers=as_worker))) == 3


def test_bad_filters_are_422(client, scene, as_dispatcher):
    for query in ("status=lost", "bbox=1,2", "category=x", "cursor=%%%", "county=4303"):
        response = client.get(f"/api/v1/incidents?{query}", headers=as_dispatcher)
        assert response.status_code in (400, 422), query


def test_cursor_paging(client, scene, as_dispatcher):
    first = client.get("/api/v1/incidents?limit=3", headers=as_dispatcher).get_json()
    assert len(first["items"]) == 3
    assert first["next_cursor"]
    rest = client.get(
        f"/api/v1/incidents?limit=3&cursor={first['next_cursor']}", headers=as_dispatcher
    ).get_json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    all_ids = [i["id"] for i in first["items"] + rest["items"]]
    assert all_ids == sorted(all_ids, reverse=True)


def test_geojson_on_request(client, scene, as_worker):
    for response in (
        client.get("/api/v1/incidents?format=geojson", headers=as_worker),
        client.get("/api/v1/incidents", headers=as_worker | {"Accept": "application/geo+json"}),
    ):
        assert response.mimetype == "application/geo+json"
        body = response.get_json(force=True)
        assert body["type"] == "FeatureCollection"
        feature = body["features"][-1]
        assert feature["geometry"] == {"type": "Point", "coordinates": list(HOME)}
        assert feature["properties"]["grid"]["code"] == "430302001001001"
        assert "location" not in feature["properties"]


def test_feed_holds_my_grids_and_my_reports(client, scene, as_worker, worker):
    feed = client.get("/api/v1/me/feed", headers=as_worker).get_json()
    got = {i["id"] for i in feed["items"]}
    # Grid 001 (assigned) and everything the worker reported; not the colleague's report.
    assert got == {scene["home"]["id"], scene["grid2"]["id"], scene["own_abroad"]["id"]}
    assert feed["has_more"] is False
    seqs = [i["id"] for i in feed["items"]]
    assert len(seqs) == 3
    again = client.get(f"/api/v1/me/feed?cursor={feed['cursor']}", headers=as_worker).get_json()
    assert again["items"] == []


def test_feed_pages(client, scene, as_worker):
    page = client.get("/api/v1/me/feed?limit=2", headers=as_worker).get_json()
    assert len(page["items"]) == 2
    assert page["has_more"] is True
    rest = client.get(
        f"/api/v1/me/feed?limit=2&cursor={page['cursor']}", headers=as_worker
    ).get_json()
    assert len(rest["items"]) == 1
    assert rest["has_more"] is False


def test_feed_rejects_a_forged_cursor(client, scene, as_worker):
    from gridsvc.paging import encode_cursor

    forged = encode_cursor(["a", 1, 2])
    assert_problem(
        client.get(f"/api/v1/me/feed?cursor={forged}", headers=as_worker),
        400,
        "request.invalid_cursor",
    )
