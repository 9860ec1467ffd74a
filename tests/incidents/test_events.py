"""The audit trail is append-only in the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import bearer
from tests.test_app import assert_problem


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE incident_events SET note = 'rewritten' WHERE incident_id = :id",
        "DELETE FROM incident_events WHERE incident_id = :id",
        "TRUNCATE incident_events CASCADE",
    ],
)
def test_events_cannot_be_changed(report, db_session, statement):
    incident = report().get_json()
    count_sql = text("SELECT count(*) FROM incident_events WHERE incident_id = :id")
    before = db_session.execute(count_sql, {"id": incident["id"]}).scalar()
    assert before >= 1  # reported (and routed)
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text(statement), {"id": incident["id"]})
    assert db_session.execute(count_sql, {"id": incident["id"]}).scalar() == before


def test_record_event_appends(report, db_session, worker):
    from gridsvc.incidents.events import record_event
    from gridsvc.incidents.models import Incident

    incident = db_session.get(Incident, report().get_json()["id"])
    event = record_event(
        incident,
        "accept",
        actor_id=worker.id,
        from_status="reported",
        to_status="accepted",
        note="立案",
        evidence={"photo_ids": [1]},
    )
    assert event.id
    assert event.county_code == "430302"
    assert event.township_code == "430302001"


def test_events_of_an_incident_out_of_scope_are_404(client, report, make_user):
    incident = report().get_json()
    stranger = bearer(make_user(role="grid_worker", township_code="430302002"))
    assert_problem(
        client.get(f"/api/v1/incidents/{incident['id']}/events", headers=stranger),
        404,
        "incident.not_found",
    )
