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
        try:
            first = pool.submit(post, first_user.id)
            _wait_for_waiters(1, early=first)  # the first insert is in, parked on the lock
            second = pool.submit(post, second_user.id)
            _wait_for_waiters(2, early=second)  # the second waits on the first's index entry
        finally:
            blocker_tx.rollback()
            blocker.close()
        return first.result(timeout=30), second.result(timeout=30)


WAITING_SQL = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock'"
)


def _wait_for_waiters(n: int, timeout: float = 20.0, early=None) -> None:
    """Until ``n`` sessions wait on a lock; ``early``: a request that must not finish first."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(WAITING_SQL).scalar()
            conn.rollback()  # pg_stat_activity is read once per transaction
            if waiting >= n:
                return
            if early is not None and early.done():
                raise AssertionError(f"finished without waiting: {early.result().get_json()}")
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


def test_two_batches_racing_into_a_new_month_create_its_partition_once(app, committed):
    """Both batches find the month missing, then queue on the creators' advisory lock (held here
    by a third connection); the second re-reads the catalogue and creates nothing."""
    from gridsvc.workers.partitions import LOCK_KEY, list_partitions, partition_name

    _admin, a, b = committed
    name = partition_name(2020, 1)
    app.config["TRACK_MAX_AGE_DAYS"] = 100_000
    holder = db.engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
    holder.commit()

    def upload(headers: dict, second: int):
        with app.test_client() as client:
            point = {"t": f"2020-01-15T09:00:{second:02d}+08:00", "lon": 112.005, "lat": 27.005}
            return client.post("/api/v1/tracks", json={"points": [point]}, headers=headers)

    try:
        with ThreadPoolExecutor(2) as pool:
            try:
                first = pool.submit(upload, bearer(a), 1)
                second = pool.submit(upload, bearer(b), 2)
                _wait_for_waiters(2)  # both wait for the right to create the month
            finally:
                holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                holder.commit()
            results = [first.result(timeout=30), second.result(timeout=30)]
        assert [r.status_code for r in results] == [200, 200], [r.get_json() for r in results]
        assert [r.get_json()["created"] for r in results] == [1, 1]
        assert list_partitions().count(name) == 1
    finally:
        app.config["TRACK_MAX_AGE_DAYS"] = 30
        holder.close()
        db.session.rollback()
        db.session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        db.session.commit()
