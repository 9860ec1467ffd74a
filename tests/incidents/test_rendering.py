"""The plain-dict answers of POST /incidents and POST /sync are exactly the schemas' dumps.

``gridsvc.incidents.rendering`` replaces ``IncidentOut`` / ``SyncOut`` on the hot paths; the
schemas stay what the OpenAPI document says. Every test here compares the two, as parsed JSON and
as the bytes the app would send (so the key order holds too), on incidents that exercise each
field: null places and texts, another datum, a probable duplicate, a replay, batch errors.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_jwt_extended import current_user, verify_jwt_in_request
from sqlalchemy import select

from gridsvc.accounts import current_scope
from gridsvc.incidents import sync
from gridsvc.incidents.models import Incident
from gridsvc.incidents.rendering import incident_dict, sync_dict
from gridsvc.incidents.schemas import IncidentOut, SyncIn, SyncOut
from tests.conftest import bearer
from tests.incidents.conftest import HOME, OTHER_TOWNSHIP, payload


def _same(plain: dict, dumped: dict) -> None:
    assert plain == dumped
    json = current_app.json
    assert json.dumps(plain) == json.dumps(dumped)


def test_a_report_answers_what_reading_it_answers(client, report, as_worker):
    first = report()
    assert first.status_code == 201, first.get_json()
    read = client.get(first.headers["Location"], headers=as_worker)
    assert read.status_code == 200
    assert first.get_json() == read.get_json()
    assert first.headers["Content-Type"] == read.headers["Content-Type"] == "application/json"
    assert first.headers["ETag"] == read.headers["ETag"]


def test_every_field_as_the_schema_dumps_it(app, client, report, as_worker, db_session):
    bodies = [
        report().get_json(),
        # Nulls where a report may leave things out; a probable duplicate of the first.
        report(description=None, address=None, accuracy_m=None, reported_at=None).get_json(),
        report(lonlat=OTHER_TOWNSHIP, crs="GCJ02", category="0102").get_json(),
        report(lonlat=(HOME[0] + 0.001, HOME[1]), accuracy_m=3).get_json(),
    ]
    assert any(b["probable_duplicate_of"] for b in bodies)
    assert any(b["outside_own_grids"] for b in bodies)
    with app.test_request_context():
        for body in bodies:
            # The ORM's row (bytes geometry), as a read loads it.
            db_session.expire_all()
            incident = db_session.get(Incident, body["id"])
            _same(incident_dict(incident), IncidentOut().dump(incident))
            assert incident_dict(incident) == body


def test_fields_the_report_path_leaves_empty(app, report, db_session):
    """A village-less place, no routing, a duplicate mark, photos: still the schema's dump."""
    incident = db_session.get(Incident, report().get_json()["id"])
    incident.village_code = None
    incident.grid_code = None
    incident.routing = None
    incident.duplicate_of = incident.id
    incident.photo_count = 2
    incident.place_names = None
    db_session.flush()
    with app.test_request_context():
        _same(incident_dict(incident), IncidentOut().dump(incident))


def test_a_replayed_report_answers_the_first_answer(client, hierarchy, as_worker):
    body = payload()
    first = client.post("/api/v1/incidents", json=body, headers=as_worker)
    again = client.post("/api/v1/incidents", json=body, headers=as_worker)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()


def test_a_sync_batch_as_the_schema_dumps_it(app, hierarchy, worker, db_session):
    earlier = payload()
    items = [
        payload(),
        payload(category="9999"),  # an error with a problem
        payload(112.95, 27.87),  # outside the county
        {"client_id": str(uuid.uuid4()), "category": "0501"},  # invalid: no "incident" key
        {"client_id": "not-a-uuid", "category": "0501"},
        payload(*OTHER_TOWNSHIP, category="0102", crs="GCJ02", description=None),
        "not an object",
        earlier,
        earlier,  # the same report twice in one batch
    ]
    now = datetime.now(UTC)
    points = [
        {"t": (now - timedelta(seconds=30 - i)).isoformat(), "lon": HOME[0], "lat": HOME[1]}
        for i in range(3)
    ]
    headers = bearer(worker)
    with app.test_request_context(headers=headers):
        verify_jwt_in_request()
        scope = current_scope()
        data = SyncIn().load({"incidents": items, "track_points": points})
        batch = sync.sync_batch(scope, current_user, data["incidents"], data["track_points"], None)
        results = [o["result"] for o in batch["incidents"]]
        assert {"created", "error", "replayed"} <= set(results)
        assert any("incident" not in o for o in batch["incidents"])
        assert batch["track_points"]
        _same(sync_dict(batch), SyncOut().dump(batch))
        # A resend: every item replayed or refused the same way.
        again = sync.sync_batch(scope, current_user, data["incidents"], [], None)
        _same(sync_dict(again), SyncOut().dump(again))


def test_sync_over_http_answers_the_schemas_shape(client, hierarchy, as_worker, db_session):
    batch = {"incidents": [payload(), payload(category="9999"), "not an object"]}
    answer = client.post("/api/v1/sync", json=batch, headers=as_worker)
    assert answer.status_code == 200
    body = answer.get_json()
    created = body["incidents"][0]["incident"]
    incident = db_session.scalars(select(Incident).where(Incident.id == created["id"])).one()
    assert created == IncidentOut().dump(incident)
    assert "incident" not in body["incidents"][2]
