"""POST /sync: per-item results in order, partial success, safe to resend whole."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from gridsvc.incidents.models import Incident
from tests.incidents.conftest import payload
from tests.test_app import assert_problem


def _batch():
    return {
        "incidents": [
            payload(),
            payload(category="9999"),
            payload(112.95, 27.87),  # outside the county
            {"client_id": str(uuid.uuid4()), "category": "0501"},  # no location
            payload(112.86, 27.91, category="0102", crs="GCJ02"),
            "not an object",
        ]
    }


def test_partial_success_then_a_whole_resend(client, hierarchy, as_worker, db_session):
    batch = _batch()
    first = client.post("/api/v1/sync", json=batch, headers=as_worker)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    results = body["incidents"]
    assert [r["index"] for r in results] == list(range(6))
    assert [r["result"] for r in results] == [
        "created",
        "error",
        "error",
        "error",
        "created",
        "error",
    ]
    assert results[1]["problem"]["code"] == "incident.unknown_category"
    assert results[2]["problem"]["code"] == "incident.outside_jurisdiction"
    assert results[2]["problem"]["status"] == 422
    assert results[3]["problem"]["code"] == "request.validation_failed"
    assert "location" in results[3]["problem"]["errors"]
    assert results[0]["incident"]["source"] == "sync"
    assert results[0]["client_id"] == batch["incidents"][0]["client_id"]
    assert results[4]["incident"]["township"]["code"] == "430302002"
    assert body["summary"] == {
        "created": 2,
        "replayed": 0,
        "error": 4,
        "track_points": {"created": 0, "replayed": 0, "error": 0},
    }
    count = db_session.scalar(select(func.count()).select_from(Incident))

    again = client.post("/api/v1/sync", json=batch, headers=as_worker).get_json()
    assert [r["result"] for r in again["incidents"]] == [
        "replayed",
        "error",
        "error",
        "error",
        "replayed",
        "error",
    ]
    assert again["incidents"][0]["incident"]["id"] == results[0]["incident"]["id"]
    assert db_session.scalar(select(func.count()).select_from(Incident)) == count


def test_a_single_report_resent_in_a_batch_is_a_replay(client, hierarchy, as_worker):
    body = payload()
    single = client.post("/api/v1/incidents", json=body, headers=as_worker).get_json()
    batch = client.post("/api/v1/sync", json={"incidents": [body]}, headers=as_worker).get_json()
    (item,) = batch["incidents"]
    assert item["result"] == "replayed"
    assert item["incident"]["id"] == single["id"]


def test_same_client_id_twice_in_one_batch(client, hierarchy, as_worker):
    body = payload()
    changed = dict(body, description="另一个描述")
    results = client.post(
        "/api/v1/sync", json={"incidents": [body, body, changed]}, headers=as_worker
    ).get_json()["incidents"]
    assert [r["result"] for r in results] == ["created", "replayed", "error"]
    assert results[1]["incident"]["id"] == results[0]["incident"]["id"]
    assert results[2]["problem"]["code"] == "incident.client_id_reused"


def test_batch_finds_duplicates_of_existing_incidents(client, hierarchy, as_worker):
    original = client.post("/api/v1/incidents", json=payload(), headers=as_worker).get_json()
    near = payload(112.8102, 27.87)
    results = client.post("/api/v1/sync", json={"incidents": [near]}, headers=as_worker).get_json()
    assert results["incidents"][0]["incident"]["probable_duplicate_of"] == original["id"]


def test_limits(client, hierarchy, as_worker, app, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_MAX_INCIDENTS", 3)
    body = assert_problem(
        client.post(
            "/api/v1/sync", json={"incidents": [payload() for _ in range(4)]}, headers=as_worker
        ),
        422,
        "request.validation_failed",
    )
    assert "incidents" in body["errors"]
    monkeypatch.setitem(app.config, "SYNC_MAX_BYTES", 500)
    assert_problem(
        client.post(
            "/api/v1/sync", json={"incidents": [payload() for _ in range(3)]}, headers=as_worker
        ),
        413,
        "request.too_large",
    )


def test_track_points_ride_along_and_are_stored_once(client, hierarchy, as_worker, db_session):

    now = datetime.now(UTC).replace(microsecond=0)
    points = [
        {"t": (now - timedelta(minutes=10 - i)).isoformat(), "lon": 112.81 + i * 1e-4,
         "lat": 27.87, "accuracy_m": 5}
        for i in range(3)
    ]  # fmt: skip
    body = {
        "incidents": [payload()],
        "track_points": [*points, {"t": "not a time", "lon": 112.81, "lat": 27.87}],
    }
    first = client.post("/api/v1/sync", json=body, headers=as_worker).get_json()
    assert first["incidents"][0]["result"] == "created"
    assert [t["result"] for t in first["track_points"]] == ["created"] * 3 + ["error"]
    assert first["track_points"][3]["problem"]["code"]
    assert first["summary"]["track_points"] == {"created": 3, "replayed": 0, "error": 1}
    again = client.post("/api/v1/sync", json=body, headers=as_worker).get_json()
    assert [t["result"] for t in again["track_points"]] == ["replayed"] * 3 + ["error"]
    stored = db_session.execute(text("SELECT count(*) FROM track_points")).scalar()
    assert stored == 3


def test_sync_idempotency_key_replays_the_whole_answer(client, hierarchy, as_worker):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    batch = {"incidents": [payload(), payload()]}
    first = client.post("/api/v1/sync", json=batch, headers=as_worker | key)
    again = client.post("/api/v1/sync", json=batch, headers=as_worker | key)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_every_failed_item_is_a_whole_problem_whichever_room_it_went_through(
    client, hierarchy, as_worker
):
    body = {
        "incidents": [payload(category="9999"), payload(112.95, 27.87)],
        "track_points": [
            {"t": "not a time", "lon": 112.81, "lat": 27.87},
            {"t": datetime.now(UTC).isoformat(), "lon": 27.87, "lat": 112.81},  # swapped
        ],
        "track_crs": "EPSG:4326",
    }
    answer = client.post("/api/v1/sync", json=body, headers=as_worker).get_json()
    problems = [i["problem"] for i in answer["incidents"] + answer["track_points"]]
    assert len(problems) == 4
    for problem in problems:
        assert {"type", "title", "status", "detail", "code"} <= problem.keys(), problem
        assert problem["type"].endswith(problem["code"])
        assert problem["status"] in (403, 404, 409, 422)
    assert answer["track_points"][0]["problem"]["code"] == "track.bad_time"
    assert answer["track_points"][0]["problem"]["status"] == 422


def test_a_non_worker_s_track_points_are_refused_as_403_problems(client, hierarchy, make_user):
    from tests.conftest import bearer

    lead = make_user(role="team_lead", county_code="430302", township_code="430302001")
    body = {
        "incidents": [],
        "track_points": [{"t": datetime.now(UTC).isoformat(), "lon": 112.81, "lat": 27.87}],
    }
    answer = client.post("/api/v1/sync", json=body, headers=bearer(lead)).get_json()
    problem = answer["track_points"][0]["problem"]
    assert (problem["status"], problem["code"]) == (403, "track.role_forbidden")


def test_an_empty_body_is_422_not_an_empty_success(client, hierarchy, as_worker):
    for sent in ({}, {"data": b"", "content_type": "application/json"}, {"json": {}}):
        response = client.post("/api/v1/sync", headers=as_worker, **sent)
        body = assert_problem(response, 422, "request.validation_failed")
        assert "_schema" in body["errors"]
    # An explicitly empty list is still a (trivial) batch.
    assert client.post("/api/v1/sync", json={"incidents": []}, headers=as_worker).status_code == 200
