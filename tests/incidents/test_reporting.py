"""POST /incidents: location in the right grid, CRS conversion, exactly once, every refusal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import prcoords
import pytest
from sqlalchemy import func, select, text

from gridsvc.boundaries import queries
from gridsvc.incidents.handoff import EXTENSION_KEY
from gridsvc.incidents.models import Incident, IncidentEvent
from tests.conftest import bearer
from tests.incidents.conftest import HOME, OTHER_TOWNSHIP, payload
from tests.test_app import assert_problem


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_report_is_located_and_recorded(client, report, worker):
    response = report()
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "reported"
    assert body["county"] == {"code": "430302", "name": "雨湖区"}
    assert body["township"]["code"] == "430302001"
    assert body["village"]["code"] == "430302001001"
    assert body["grid"] == {"code": "430302001001001", "name": "第1网格"}
    assert body["generation"] >= 1
    # This county has no teams or responsibility list: routing sends it to the dispatchers.
    assert body["routing"]["target"] == "triage"
    assert body["outside_own_grids"] is False
    assert body["probable_duplicate_of"] is None
    assert body["location"] == {"type": "Point", "coordinates": list(HOME)}
    assert body["reporter_id"] == worker.id
    assert body["source"] == "app"
    assert body["category_name"] == "占道经营"
    assert response.headers["Location"] == f"/api/v1/incidents/{body['id']}"
    assert response.headers["ETag"] == f'"incident-{body["id"]}-v1"'
    # Device time and server time are both kept.
    assert body["reported_at"]
    assert body["received_at"]
    history = client.get(
        f"/api/v1/incidents/{body['id']}/events", headers=bearer(worker)
    ).get_json()
    event, routed = history["items"]
    assert routed["action"] == "routed"
    assert (event["action"], event["from_status"], event["to_status"]) == (
        "reported",
        None,
        "reported",
    )
    assert event["actor_id"] == worker.id
    assert event["data"]["grid"] == "430302001001001"


def test_gcj02_point_lands_in_the_grid_of_its_wgs84_position(report):
    # WGS84 point 150 m west of the border between grids 001 and 002 of village 430302001001.
    wgs_lon, wgs_lat = 112.8235, 27.87
    gcj_lat, gcj_lon = prcoords.wgs_gcj((wgs_lat, wgs_lon))
    # The raw GCJ-02 numbers, read as WGS84, lie several hundred metres away, in the other grid.
    raw_as_wgs = queries.locate(gcj_lon, gcj_lat, number=None)
    assert raw_as_wgs["grid"]["code"] == "430302001001002"
    assert abs(gcj_lon - wgs_lon) * 98_000 > 300

    body = report(
        location={"type": "Point", "coordinates": [gcj_lon, gcj_lat]}, crs="GCJ02"
    ).get_json()
    assert body["grid"]["code"] == "430302001001001"
    lon, lat = body["location"]["coordinates"]
    assert lon == pytest.approx(wgs_lon, abs=1e-6)
    assert lat == pytest.approx(wgs_lat, abs=1e-6)
    assert body["raw_location"] == {
        "type": "Point",
        "coordinates": [gcj_lon, gcj_lat],
        "crs": "GCJ02",
    }


@pytest.mark.parametrize("crs", ["BD09", "EPSG:4490", "cgcs2000", "epsg:4326"])
def test_other_device_crs_are_accepted(report, crs):
    lat, lon = (27.87, 112.81)
    if crs == "BD09":
        lat, lon = prcoords.wgs_bd((lat, lon))
    body = report(location={"type": "Point", "coordinates": [lon, lat]}, crs=crs).get_json()
    assert body["grid"]["code"] == "430302001001001"


def test_resend_returns_the_same_incident_and_creates_nothing(
    client, report, as_worker, db_session
):
    first = report()
    body = payload(client_id=first.get_json()["client_id"])
    body.update(
        {k: first.get_json()[k] for k in ("reported_at", "description", "address", "accuracy_m")}
    )
    incidents, events = _count(db_session, Incident), _count(db_session, IncidentEvent)
    again = client.post("/api/v1/incidents", json=body, headers=as_worker)
    assert again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(db_session, Incident) == incidents
    assert _count(db_session, IncidentEvent) == events


def test_same_client_id_with_a_changed_payload_is_422(client, hierarchy, as_worker):
    body = payload()
    assert client.post("/api/v1/incidents", json=body, headers=as_worker).status_code == 201
    body["description"] = "改过的描述"
    assert_problem(
        client.post("/api/v1/incidents", json=body, headers=as_worker),
        422,
        "incident.client_id_reused",
    )


def test_time_spelling_does_not_change_the_payload(client, hierarchy, as_worker):
    moment = datetime.now(UTC).replace(microsecond=0)
    body = payload(reported_at=moment.isoformat())
    first = client.post("/api/v1/incidents", json=body, headers=as_worker).get_json()
    body["reported_at"] = moment.astimezone(
        timezone(timedelta(hours=8))
    ).isoformat()  # same instant
    again = client.post("/api/v1/incidents", json=body, headers=as_worker)
    assert again.status_code == 201
    assert again.get_json()["id"] == first["id"]


def test_another_users_identical_client_id_never_returns_their_incident(
    client, hierarchy, as_worker, make_user
):
    body = payload()
    mine = client.post("/api/v1/incidents", json=body, headers=as_worker).get_json()
    colleague = bearer(make_user(role="grid_worker", township_code="430302001"))
    theirs = client.post("/api/v1/incidents", json=body, headers=colleague)
    assert theirs.status_code == 201
    assert theirs.get_json()["id"] != mine["id"]
    assert "Idempotent-Replayed" not in theirs.headers


def test_replay_is_answered_even_when_the_report_would_be_refused_today(
    client, hierarchy, as_worker, app, monkeypatch
):
    body = payload(reported_at=(datetime.now(UTC) - timedelta(days=2)).isoformat())
    first = client.post("/api/v1/incidents", json=body, headers=as_worker).get_json()
    monkeypatch.setitem(app.config, "INCIDENT_MAX_AGE_DAYS", 1)
    again = client.post("/api/v1/incidents", json=body, headers=as_worker)
    assert again.status_code == 201
    assert again.get_json()["id"] == first["id"]
    new = dict(body, client_id=str(uuid.uuid4()))
    assert_problem(
        client.post("/api/v1/incidents", json=new, headers=as_worker),
        422,
        "incident.reported_at_too_old",
    )


def test_point_outside_the_county_is_422_with_the_nearest_grid(report):
    body = assert_problem(report(lonlat=(112.95, 27.87)), 422, "incident.outside_jurisdiction")
    assert body["nearest"]["code"].startswith("430302002")
    assert body["nearest"]["distance_m"] > 4000


def test_county_staff_reporting_outside_their_county_is_422(report, make_user):
    stranger = bearer(make_user(role="grid_worker", township_code="430321001"))
    assert_problem(report(headers=stranger), 422, "incident.outside_jurisdiction")


def test_reports_outside_the_workers_own_grids_are_accepted_and_flagged(report, make_user):
    assert report(lonlat=(112.83, 27.87)).get_json()["outside_own_grids"] is True  # grid 002
    neighbour = report(lonlat=OTHER_TOWNSHIP)
    assert neighbour.status_code == 201
    assert neighbour.get_json()["outside_own_grids"] is True
    assert neighbour.get_json()["township"]["code"] == "430302002"
    officer = bearer(make_user(role="officer", township_code="430302001"))
    assert report(headers=officer).get_json()["outside_own_grids"] is False
    assert report(headers=officer, lonlat=OTHER_TOWNSHIP).get_json()["outside_own_grids"] is True


def test_hotline_entries_by_dispatchers_are_web_reports(report, as_dispatcher):
    body = report(headers=as_dispatcher).get_json()
    assert body["source"] == "web"
    assert body["outside_own_grids"] is False


def test_naive_device_time_is_beijing_time(report):
    body = report(reported_at="2026-01-01T08:00:00")
    # Older than the default 30 days, so refused - but the message proves how it was read.
    assert body.status_code == 422
    now_beijing = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None)
    ok = report(reported_at=(now_beijing - timedelta(minutes=5)).isoformat(timespec="seconds"))
    assert ok.status_code == 201
    received = datetime.fromisoformat(ok.get_json()["received_at"])
    reported = datetime.fromisoformat(ok.get_json()["reported_at"])
    assert timedelta(minutes=4) < received - reported < timedelta(minutes=6)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        (
            {"reported_at": (datetime.now(UTC) + timedelta(minutes=30)).isoformat()},
            "incident.reported_at_future",
        ),
        (
            {"reported_at": (datetime.now(UTC) - timedelta(days=31)).isoformat()},
            "incident.reported_at_too_old",
        ),
        ({"crs": "WGS-1066"}, "crs.unknown"),
        ({"crs": "EPSG:4547"}, "crs.unsupported"),
        ({"location": {"type": "Point", "coordinates": [27.87, 112.81]}}, "coordinates.swapped"),
        ({"location": {"type": "Point", "coordinates": [2.35, 48.85]}}, "coordinates.out_of_range"),
        ({"category": "9999"}, "incident.unknown_category"),
    ],
)
def test_refusals(report, overrides, code):
    assert_problem(report(**overrides), 422, code)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "5"}, "category"),
        ({"location": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}}, "location"),
        ({"location": {"type": "Point", "coordinates": ["a", 2]}}, "location"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"description": "长" * 2001}, "description"),
        ({"accuracy_m": -1}, "accuracy_m"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_malformed_reports_are_422_with_field_errors(report, overrides, field):
    body = assert_problem(report(**overrides), 422, "request.validation_failed")
    assert field in body["errors"]


def test_missing_location_is_422(client, hierarchy, as_worker):
    body = payload()
    del body["location"]
    problem = assert_problem(
        client.post("/api/v1/incidents", json=body, headers=as_worker),
        422,
        "request.validation_failed",
    )
    assert "location" in problem["errors"]


def test_inactive_category_refuses_new_reports(report, db_session):
    from gridsvc.incidents.models import Category

    db_session.get(Category, "0504").active = False
    db_session.flush()
    assert_problem(report(category="0504"), 422, "incident.category_inactive")


def test_oversized_body_is_413(report):
    assert_problem(report(padding="x" * 70_000), 413, "request.too_large")


@pytest.mark.parametrize("role", ["gis_staff", "supervisor", "department_handler"])
def test_roles_that_do_not_report(report, make_user, role):
    user = make_user(role=role, county_code="430302", township_code=None)
    assert_problem(report(headers=bearer(user)), 403, "auth.role_forbidden")


class RecordingRouter:
    """A router that records the hand-off and stores a marker decision."""

    def __init__(self):
        self.decided: list[list[str]] = []
        self.opened: list[list[int]] = []

    def decide(self, reports):
        self.decided.append([r.category_code for r in reports])
        return [{"target": "test", "trace": ["router ran"]} for _ in reports]

    def open_cases(self, incidents):
        self.opened.append([i.id for i in incidents])

    def fixable_on_site(self, county_code, category_code):
        return False

    def photo_added(self, scope, incident):
        return None

    def readable_as_party(self, scope):
        return None  # no cases here: the area scope alone


def test_router_gets_each_new_incident_once_and_never_replays(
    app, client, hierarchy, as_worker, monkeypatch
):
    router = RecordingRouter()
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, router)
    body = payload()
    first = client.post("/api/v1/incidents", json=body, headers=as_worker).get_json()
    client.post("/api/v1/incidents", json=body, headers=as_worker)  # replay
    batch = {"incidents": [payload(), payload(), body]}
    results = client.post("/api/v1/sync", json=batch, headers=as_worker).get_json()
    assert first["routing"] == {"target": "test", "trace": ["router ran"]}
    created = [r["incident"]["id"] for r in results["incidents"] if r["result"] == "created"]
    assert router.opened == [[first["id"]], created]
    # Decided before the INSERT (a replay is found by its conflict there), opened only when filed.
    assert [len(d) for d in router.decided] == [1, 1, 3]
    assert len(created) == 2
    stored = client.get(f"/api/v1/incidents/{first['id']}", headers=as_worker).get_json()
    assert stored["routing"]["target"] == "test"


def test_idempotency_key_header_replays_the_stored_response(
    client, hierarchy, as_worker, make_user
):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = payload()
    del body["client_id"]  # the header alone must make the retry safe
    first = client.post("/api/v1/incidents", json=body, headers=as_worker | key)
    again = client.post("/api/v1/incidents", json=body, headers=as_worker | key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    changed = dict(body, description="别的")
    assert_problem(
        client.post("/api/v1/incidents", json=changed, headers=as_worker | key),
        422,
        "idempotency.key_reused",
    )
    # Keys belong to their user: another user's identical key is a new request.
    other = bearer(make_user(role="grid_worker", township_code="430302001"))
    theirs = client.post("/api/v1/incidents", json=body, headers=other | key)
    assert theirs.status_code == 201
    assert theirs.get_json()["id"] != first.get_json()["id"]


def test_failed_requests_do_not_burn_the_key(client, hierarchy, as_worker):
    key = {"Idempotency-Key": "retry-after-fix-1"}
    bad = payload(category="9999")
    assert client.post("/api/v1/incidents", json=bad, headers=as_worker | key).status_code == 422
    bad["category"] = "0501"
    assert client.post("/api/v1/incidents", json=bad, headers=as_worker | key).status_code == 201


def test_invalid_idempotency_key_is_422(report, as_worker):
    headers = as_worker | {"Idempotency-Key": "x" * 300}
    assert_problem(report(headers=headers), 422, "idempotency.key_invalid")


def test_expired_idempotency_keys_are_purged_and_reusable(client, hierarchy, as_worker, db_session):
    from gridsvc.incidents.tasks import purge_idempotency_keys

    key = {"Idempotency-Key": "old-key"}
    first = client.post("/api/v1/incidents", json=payload(), headers=as_worker | key)
    assert first.status_code == 201
    db_session.execute(text("UPDATE idempotency_keys SET expires_at = now() - interval '1 hour'"))
    # An expired key starts a new life: a different payload is accepted, not refused.
    fresh = client.post("/api/v1/incidents", json=payload(), headers=as_worker | key)
    assert fresh.status_code == 201
    assert fresh.get_json()["id"] != first.get_json()["id"]
    db_session.execute(text("UPDATE idempotency_keys SET expires_at = now() - interval '1 hour'"))
    assert purge_idempotency_keys.apply().get() == 1
