"""The team queue: open cases as GeoJSON, soonest deadline first, filters, cursor, counts, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from tests.conftest import bearer


def _queue(client, user, team_id, query=""):
    response = client.get(f"/api/v1/teams/{team_id}/queue{query}", headers=bearer(user))
    assert response.status_code == 200, response.json
    return response.json


def test_queue_order_filters_paging_and_counts(client, db_session, people, report, act):
    lead, officer, t1 = people["lead"], people["officer"], people["teams"]["t1"]
    made = [report("0501", lonlat=(112.801 + i * 0.004, 27.86)) for i in range(5)]
    ids = [m["id"] for m in made]
    # Stagger the deadlines (newest first) so due order differs from id order.
    for n, incident_id in enumerate(ids):
        db_session.execute(
            text("UPDATE cases SET due_at = :d WHERE incident_id = :i"),
            {"d": datetime.now(UTC) + timedelta(hours=5 - n), "i": incident_id},
        )
    db_session.execute(
        text("UPDATE cases SET due_at = :d WHERE incident_id = :i"),
        {"d": datetime.now(UTC) - timedelta(hours=1), "i": ids[0]},
    )
    for step, body in (("accept", {}), ("dispatch", {"assignee_id": officer.id})):
        assert act(lead, ids[1], step, **body).status_code == 200

    page = _queue(client, lead, t1, "?limit=2")
    assert [f["id"] for f in page["features"]] == [ids[0], ids[4]]
    assert page["features"][0]["properties"]["overdue"] is True
    rest = _queue(client, lead, t1, f"?limit=10&cursor={page['next_cursor']}")
    assert [f["id"] for f in rest["features"]] == [ids[3], ids[2], ids[1]]
    assert rest["next_cursor"] is None
    assert page["counts"] == {
        "by_status": {"dispatched": 1, "reported": 4},
        "total": 5,
        "overdue": 1,
    }
    assert [f["id"] for f in _queue(client, lead, t1, "?overdue=true")["features"]] == [ids[0]]
    assert [f["id"] for f in _queue(client, lead, t1, "?status=dispatched")["features"]] == [ids[1]]
    mine = _queue(client, officer, t1, "?assignee=me")
    assert [f["id"] for f in mine["features"]] == [ids[1]]
    assert len(_queue(client, lead, t1, "?assignee=none")["features"]) == 4
    box = _queue(client, lead, t1, "?bbox=112.800&bbox=27.85&bbox=112.806&bbox=27.87")
    assert [f["id"] for f in box["features"]] == [ids[0], ids[1]]
    assert _queue(client, lead, t1, "?category=0601")["features"] == []
    etag = page["features"][0]["properties"]["etag"]
    assert etag == client.get(f"/api/v1/incidents/{ids[0]}", headers=bearer(lead)).headers["ETag"]


def test_queue_scope(client, people, report):
    report("0501")
    t1 = people["teams"]["t1"]
    for who in ("lead2", "zhifa", "worker"):
        response = client.get(f"/api/v1/teams/{t1}/queue", headers=bearer(people[who]))
        assert (response.status_code, response.json["code"]) == (404, "team.not_found"), who
    for who in ("dispatcher", "supervisor", "officer"):
        assert (
            client.get(f"/api/v1/teams/{t1}/queue", headers=bearer(people[who])).status_code == 200
        )
    bad = client.get(f"/api/v1/teams/{t1}/queue?assignee=somebody", headers=bearer(people["lead"]))
    assert bad.status_code == 422
    assert client.get("/api/v1/triage", headers=bearer(people["lead"])).status_code == 403
