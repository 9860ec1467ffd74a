"""Parallel guesses really commit and still queue: the count is shared, none slips through."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from gridsvc.accounts.models import User
from gridsvc.extensions import db
from tests.factories import _PASSWORD_HASH


@pytest.fixture
def committed_user(app, db_session):
    """A user really committed (other connections see it); it and its traces go afterwards."""
    saved = db.session
    db.session = db._make_scoped_session({})
    session = db.session
    name = f"parallel-{time.time_ns()}"
    try:
        session.add(
            User(
                username=name,
                role="grid_worker",
                county_code="430399",
                password_hash=_PASSWORD_HASH,
            )
        )
        session.commit()
        yield name
    finally:
        session.rollback()
        for table in ("login_throttles", "account_events", "users"):
            session.execute(text(f"DELETE FROM {table} WHERE username = :u"), {"u": name})
        session.commit()
        session.remove()
        db.session = saved


def test_parallel_guesses_are_counted_one_after_another(app, committed_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_THROTTLE_BASE_SECONDS", 600)

    def guess(n):
        with app.test_client() as client:
            return client.post(
                "/api/v1/auth/login",
                json={"username": committed_user, "password": f"guess-{n}"},
                environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
            ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(guess, range(1, 13)))
    # Without the per-name queue all twelve would be checked at once (and race on the count).
    assert sorted(statuses) == [401] * 5 + [429] * 7
    with db.engine.connect() as conn:
        failures = conn.scalar(
            text("SELECT failures FROM login_throttles WHERE username = :u"),
            {"u": committed_user},
        )
    assert failures == 5
