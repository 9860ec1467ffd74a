"""Tests that really commit: concurrent retries create one row; the delta feed loses nothing.

They run on the app's own sessions (not the rolled-back test connection) against a tiny county
committed for the test and removed afterwards. The audit trail refuses DELETE, so the clean-up
runs with ``session_replication_role = replica``, the DBA's deliberate way around triggers.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import text

from gridsvc.extensions import db
from tests.conftest import bearer
from tests.incidents.conftest import payload

COUNTY = "430399"
BOX = (113.50, 27.50, 113.52, 27.52)
POINT = (113.505, 27.505)


def _publish_tiny_county(session) -> dict:
    number = session.execute(text("SELECT coalesce(max(number), 0) + 1 FROM generations")).scalar()
    generation = session.execute(
        text(
            "INSERT INTO generations (number, status, level, layer, county_code, source,"
            " published_at) VALUES (:n, 'published', 'grid', 'unified', :c, 'upload', now())"
            " RETURNING id"
        ),
        {"n": number, "c": COUNTY},
    ).scalar()
    levels = [
        ("county", "admin", COUNTY, None),
        ("township", "admin", COUNTY + "001", COUNTY),
        ("village", "admin", COUNTY + "001001", COUNTY + "001"),
        ("grid", "unified", COUNTY + "001001001", COUNTY + "001001"),
    ]
    for level, layer, code, parent in levels:
        session.execute(
            text(
                "INSERT INTO areas (level, layer, code, name, parent_code, county_code,"
                " township_code, village_code, geom, generation_id, gen_from) VALUES (:level,"
                " :layer, :code, :name, :parent, :county, :township, :village,"
                " ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)), :g, :n)"
            ),
            {
                "level": level,
                "layer": layer,
                "code": code,
                "name": f"测试{level}",
                "parent": parent,
                "county": COUNTY,
                "township": code[:9] if len(code) >= 9 else None,
                "village": code[:12] if len(code) >= 12 else None,
                "x0": BOX[0],
                "y0": BOX[1],
                "x1": BOX[2],
                "y1": BOX[3],
                "g": generation,
                "n": number,
            },
        )
    session.execute(
        text(
            "INSERT INTO area_parts (area_id, level, layer, gen_from, geom)"
            " SELECT id, level, layer, gen_from, ST_GeometryN(geom, 1) FROM areas"
            " WHERE generation_id = :g"
        ),
        {"g": generation},
    )
    return {"generation": generation}


@pytest.fixture
def committed(app, db_session):
    """A committed county, township, village, grid and grid worker; all removed afterwards."""
    from gridsvc.accounts.models import User
    from gridsvc.workers.models import GridAssignment
    from tests.factories import _PASSWORD_HASH

    test_session = db.session
    db.session = db._make_scoped_session({})  # the app's normal sessions: commits are real
    session = db.session
    created = _publish_tiny_county(session)
    worker = User(
        username=f"committing-{uuid.uuid4().hex[:8]}",
        password_hash=_PASSWORD_HASH,
        role="grid_worker",
        county_code=COUNTY,
        township_code=COUNTY + "001",
    )
    session.add(worker)
    session.flush()
    session.add(
        GridAssignment(
            county_code=COUNTY,
            township_code=COUNTY + "001",
            grid_code=COUNTY + "001001001",
            user_id=worker.id,
        )
    )
    session.commit()
    try:
        yield {"worker": worker, "headers": bearer(worker), **created}
    finally:
        session.rollback()
        session.execute(text("SET session_replication_role = replica"))
        ids = {"u": worker.id, "g": created["generation"]}
        for statement in (
            # What routing added for these reports (cases, calls, notices) goes with them.
            "DELETE FROM supervision_notices WHERE incident_id IN (SELECT id FROM incidents"
            " WHERE reporter_id = :u)",
            "DELETE FROM calls WHERE incident_id IN (SELECT id FROM incidents WHERE reporter_id = :u)",
            "DELETE FROM cases WHERE incident_id IN (SELECT id FROM incidents WHERE reporter_id = :u)",
            "DELETE FROM notifications WHERE incident_id IN (SELECT id FROM incidents"
            " WHERE reporter_id = :u)",
            "DELETE FROM incident_events WHERE actor_id = :u OR incident_id IN (SELECT id FROM"
            " incidents WHERE reporter_id = :u)",
            "DELETE FROM incident_photos WHERE uploaded_by = :u",
            "DELETE FROM incidents WHERE reporter_id = :u",
            "DELETE FROM idempotency_keys WHERE user_id = :u",
            "DELETE FROM grid_assignments WHERE user_id = :u",
            "DELETE FROM area_parts WHERE area_id IN (SELECT id FROM areas WHERE generation_id = :g)",
            "DELETE FROM areas WHERE generation_id = :g",
            "DELETE FROM generations WHERE id = :g",
            "DELETE FROM users WHERE id = :u",
        ):
            session.execute(text(statement), ids)
        session.execute(text("SET session_replication_role = origin"))
        # The clean-up ran without triggers: move the cache versions by hand, as such scripts must.
        session.execute(text("UPDATE cache_versions SET version = nextval('cache_version_seq')"))
        session.commit()
        db.session.remove()
        db.session = test_session


def _together(app, requests: list) -> list:
    """Send the requests from separate threads released at the same instant."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)

    def run(i, call):
        client = app.test_client()
        barrier.wait()
        responses[i] = call(client)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def _count(sql: str, **params) -> int:
    return db.session.execute(text(sql), params).scalar()


def test_concurrent_identical_reports_create_one_row(app, committed):
    body = payload(*POINT)
    headers = committed["headers"]
    responses = _together(
        app, [lambda c: c.post("/api/v1/incidents", json=body, headers=headers)] * 2
    )
    assert [r.status_code for r in responses] == [201, 201], [r.get_json() for r in responses]
    ids = {r.get_json()["id"] for r in responses}
    assert len(ids) == 1
    assert sorted("Idempotent-Replayed" in r.headers for r in responses) == [False, True]
    (incident_id,) = ids
    uid = committed["worker"].id
    assert _count("SELECT count(*) FROM incidents WHERE reporter_id = :u", u=uid) == 1
    events = "SELECT count(*) FROM incident_events WHERE incident_id = :i AND action = :a"
    assert _count(events, i=incident_id, a="reported") == 1
    assert _count(events, i=incident_id, a="routed") == 1  # routed once, too


def test_concurrent_requests_with_one_idempotency_key_run_once(app, committed):
    headers = committed["headers"] | {"Idempotency-Key": str(uuid.uuid4())}
    batch = {"incidents": [payload(*POINT), payload(POINT[0] + 0.005, POINT[1])]}
    responses = _together(app, [lambda c: c.post("/api/v1/sync", json=batch, headers=headers)] * 2)
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].get_json() == responses[1].get_json()
    assert (
        _count("SELECT count(*) FROM incidents WHERE reporter_id = :u", u=committed["worker"].id)
        == 2
    )


def _feed_until(client, headers, cursor, want: set[int], seconds: float = 60.0):
    """Read the feed until ``want`` arrived (other databases' transactions may hold it back)."""
    got: dict[int, dict] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        url = "/api/v1/me/feed" + (f"?cursor={cursor}" if cursor else "")
        page = client.get(url, headers=headers).get_json()
        got.update({item["id"]: item for item in page["items"]})
        cursor = page["cursor"]
        if want <= set(got) and not page["has_more"]:
            return got, cursor
        time.sleep(0.1)
    raise AssertionError(f"feed never delivered {want - set(got)}")


def test_feed_never_skips_a_change_committed_late(app, committed):
    client, headers = app.test_client(), committed["headers"]
    first = client.post("/api/v1/incidents", json=payload(*POINT), headers=headers).get_json()
    got, cursor = _feed_until(client, headers, None, {first["id"]})
    assert got[first["id"]]["description"] == first["description"]

    # A slow transaction changes the first incident (taking the next change number) and stays
    # open while a second report is filed and committed (taking a later number).
    slow = db.engine.connect()
    slow_txn = slow.begin()
    slow.execute(
        text("UPDATE incidents SET description = '慢事务改的' WHERE id = :i"), {"i": first["id"]}
    )
    second = client.post(
        "/api/v1/incidents", json=payload(POINT[0] + 0.003, POINT[1]), headers=headers
    ).get_json()
    try:
        # Nothing after the open transaction is handed out yet, or its change would be skipped.
        page = client.get(f"/api/v1/me/feed?cursor={cursor}", headers=headers).get_json()
        assert second["id"] not in {item["id"] for item in page["items"]}
        cursor = page["cursor"]
        slow_txn.commit()
    finally:
        slow.close()
    got, _ = _feed_until(client, headers, cursor, {first["id"], second["id"]})
    assert got[first["id"]]["description"] == "慢事务改的"
