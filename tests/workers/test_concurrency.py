"""Concurrent assignments really commit: one winner and a clean 409, or the same row on a retry.

To make the race deterministic, a third connection holds a lock on ``assignment_needs``: the first
request inserts its row and then waits on that lock (assigning a primary resolves needs), the
second request runs into the unique index behind it; then the lock is released.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from gridsvc.accounts.models import User
from gridsvc.extensions import db
from gridsvc.workers.models import WorkerProfile
from tests.conftest import bearer
from tests.factories import _PASSWORD_HASH

CODE = "430399001001001"  # a county of its own, so nothing else in the test database meets it


@pytest.fixture
def committed(app, db_session):
    """Real commits through the app's engine; everything written is deleted afterwards."""
    saved = db.session
    db.session = db._make_scoped_session({})
    session = db.session
    ids: list[int] = []
    try:
        generation = session.execute(
            text(
                "INSERT INTO generations (status, level, layer, county_code, source)"
                " VALUES ('draft', 'grid', 'unified', '430399', 'upload') RETURNING id"
            )
        ).scalar_one()
        session.execute(
            text(
                "INSERT INTO areas (level, layer, code, county_code, township_code, geom,"
                " generation_id, gen_from) VALUES ('grid', 'unified', :c, '430399', '430399001',"
                " ST_Multi(ST_MakeEnvelope(112.0, 27.0, 112.01, 27.01, 4326)), :g, 1)"
            ),
            {"c": CODE, "g": generation},
        )
        users = []
        for i, role in enumerate(("admin", "grid_worker", "grid_worker")):
            user = User(
                username=f"race-{i}-{time.time_ns()}",
                role=role,
                county_code="430399",
                township_code="430399001",
                password_hash=_PASSWORD_HASH,
            )
            session.add(user)
            session.flush()
            ids.append(user.id)
            users.append(user)
            if role == "grid_worker":
                session.add(
                    WorkerProfile(user_id=user.id, county_code="430399", township_code="430399001")
                )
        session.commit()
        yield users
    finally:
        session.rollback()
        session.execute(text("DELETE FROM grid_assignments WHERE grid_code = :c"), {"c": CODE})
        session.execute(text("DELETE FROM worker_profiles WHERE user_id = ANY(:i)"), {"i": ids})
        session.execute(text("DELETE FROM users WHERE id = ANY(:i)"), {"i": ids})
        session.execute(text("DELETE FROM areas WHERE code = :c"), {"c": CODE})
        session.execute(text("DELETE FROM generations WHERE county_code = '430399'"))
        session.commit()
        session.remove()
        db.session = saved


def _race(app, admin, first_user, second_user):
    """Post two primary assignments of CODE whose transactions overlap; their responses."""
    blocker = db.engine.connect()
    blocker_tx = blocker.begin()
    blocker.execute(text("LOCK TABLE assignment_needs IN ACCESS EXCLUSIVE MODE"))
    headers = bearer(admin)
    url = f"/api/v1/grids/{CODE}/assignments"

    def post(user_id: int):
        with app.test_client() as client:
            return client.post(url, json={"user_id": user_id}, headers=headers)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(post, first_user.id)
        _wait_for_waiters(1)  # the first insert is in, parked on the lock
        second = pool.submit(post, second_user.id)
        _wait_for_waiters(2)  # the second waits on the first's index entry
        blocker_tx.rollback()
        blocker.close()
        return first.result(timeout=30), second.result(timeout=30)


def _wait_for_waiters(n: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar()
            if waiting >= n:
                return
            time.sleep(0.02)
    raise AssertionError(f"expected {n} sessions waiting on a lock")


def test_concurrent_primaries_one_wins_the_other_gets_409(app, committed):
    admin, a, b = committed
    first, second = _race(app, admin, a, b)
    assert first.status_code == 201, first.get_json()
    assert second.status_code == 409, second.get_json()
    assert second.get_json()["code"] == "assignment.primary_taken"
    rows = db.session.execute(
        text("SELECT user_id, role, valid_to FROM grid_assignments WHERE grid_code = :c"),
        {"c": CODE},
    ).all()
    assert [(r.user_id, r.role, r.valid_to) for r in rows] == [(a.id, "primary", None)]


def test_concurrent_retries_of_one_assignment_make_one_row(app, committed):
    admin, a, _b = committed
    first, second = _race(app, admin, a, a)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json()["id"] == second.get_json()["id"]
    count = db.session.execute(
        text("SELECT count(*) FROM grid_assignments WHERE grid_code = :c"), {"c": CODE}
    ).scalar()
    assert count == 1
