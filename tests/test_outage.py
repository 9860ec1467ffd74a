"""A database that is gone, or went away between requests, answers 503 with Retry-After.

Real outages, without touching the shared PostgreSQL server: an app pointed at a port where
nothing listens, and an app whose own connections are ended with ``pg_terminate_backend`` (what
a restart or an administrator does to them) between two requests.
"""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from gridsvc import create_app
from gridsvc.config import Config, TestConfig
from gridsvc.extensions import db
from tests.test_app import assert_problem

LOGIN = "/api/v1/auth/login"
NOBODY = {"username": "nobody-here", "password": "not-the-password"}


def standalone_app(
    monkeypatch, url: str, *, web: bool = False, settings: dict | None = None, **engine_options
):
    """An app with an engine and sessions of its own (the harness binds db.session to the
    test's connection, which no outage may touch). ``web``: as gridsvc/wsgi.py builds it;
    ``settings``: further config overrides."""
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {**Config.SQLALCHEMY_ENGINE_OPTIONS, **engine_options},
            "SECRET_KEY": TestConfig.SECRET_KEY,
            "JWT_SECRET_KEY": TestConfig.JWT_SECRET_KEY,
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": True,
            "LOCATE_INDEX_BACKGROUND": False,
            "UPLOAD_DIR": TestConfig.UPLOAD_DIR,
            "MEDIA_DIR": TestConfig.MEDIA_DIR,
            **(settings or {}),
        },
        web=web,
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def assert_retry_later(response, code: str, seconds: int | None = 5) -> None:
    """503 with the delay from DATABASE_RETRY_AFTER; on a rate-limited route (login) the
    limiter may raise it to the end of its window (``seconds=None``)."""
    assert_problem(response, 503, code)
    if seconds is None:
        assert int(response.headers["Retry-After"]) >= 5
    else:
        assert response.headers["Retry-After"] == str(seconds)


def test_no_database_at_all_is_503_with_retry_after(monkeypatch):
    app = standalone_app(monkeypatch, "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    client = app.test_client()
    assert_retry_later(client.post(LOGIN, json=NOBODY), "server.database_unavailable", None)
    assert_retry_later(client.get("/readyz"), "server.not_ready")
    assert client.get("/healthz").status_code == 200


@pytest.fixture
def terminator():
    """terminate(name): end every backend of connections named ``name``, as a restart would,
    from a connection of its own that commits; returns once they are gone."""
    engine = sa.create_engine(TestConfig.SQLALCHEMY_DATABASE_URI, isolation_level="AUTOCOMMIT")
    backends = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")

    def terminate(name: str) -> int:
        with engine.connect() as conn:
            pids = list(conn.scalars(backends, {"name": name}))
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while conn.scalars(backends, {"name": name}).first() is not None:
                assert time.monotonic() < deadline, "backends still alive"
                time.sleep(0.05)
        return len(pids)

    yield terminate
    engine.dispose()


def fill_pool(app, connections: int) -> None:
    """Leave ``connections`` idle connections in the app's pool, as a busy process would."""
    with app.app_context():
        held = [db.engine.connect() for _ in range(connections)]
        for conn in held:
            conn.execute(text("SELECT 1"))
        for conn in held:
            conn.close()


def test_connections_killed_between_requests_fail_one_request_with_503(monkeypatch, terminator):
    name = f"gridsvc-outage-{uuid.uuid4().hex[:8]}"
    app = standalone_app(
        monkeypatch, TestConfig.SQLALCHEMY_DATABASE_URI, connect_args={"application_name": name}
    )
    client = app.test_client()
    assert client.post(LOGIN, json=NOBODY).status_code == 401  # the database answers
    fill_pool(app, 3)
    assert terminator(name) >= 3

    # The first request meets a dead connection: a retriable 503, not a 500 ...
    assert_retry_later(client.post(LOGIN, json=NOBODY), "server.database_unavailable", None)
    # ... and SQLAlchemy has dropped the other dead ones with it: the retry is answered.
    assert client.post(LOGIN, json=NOBODY).status_code == 401
    assert client.post(LOGIN, json=NOBODY).status_code == 401
    assert client.get("/readyz").status_code == 200


def test_pre_ping_spares_even_that_request(monkeypatch, terminator):
    name = f"gridsvc-outage-{uuid.uuid4().hex[:8]}"
    app = standalone_app(
        monkeypatch,
        TestConfig.SQLALCHEMY_DATABASE_URI,
        connect_args={"application_name": name},
        pool_pre_ping=True,
    )
    client = app.test_client()
    fill_pool(app, 2)
    assert terminator(name) >= 2
    assert client.post(LOGIN, json=NOBODY).status_code == 401


def test_the_raw_driver_paths_map_too(monkeypatch):
    """Bulk writes (COPY, execute_values) use psycopg2 directly; its errors are not wrapped."""
    app = standalone_app(monkeypatch, TestConfig.SQLALCHEMY_DATABASE_URI)

    @app.get("/raw-terminated")
    def raw_terminated():
        cursor = db.session.connection().connection.cursor()
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return {}

    @app.get("/cancelled")
    def cancelled():
        db.session.execute(text("SET LOCAL statement_timeout = 10"))
        db.session.execute(text("SELECT pg_sleep(1)"))
        return {}

    client = app.test_client()
    assert_retry_later(client.get("/raw-terminated"), "server.database_unavailable")
    # A statement the server cancelled: the database is there but the statement took too
    # long; retry too (tests/test_dblimits.py: the statement timeout itself).
    assert_retry_later(client.get("/cancelled"), "server.database_timeout")
    assert client.get("/readyz").status_code == 200
