"""Statement timeouts: the web app's connections carry one, the jobs' do not (gridsvc/dblimits.py).

Real connections of apps with engines of their own (tests/test_outage.py's ``standalone_app``: the
harness's shared connection was opened by the suite's app, which is not a web app), and real
cancellations by the server.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from gridsvc import create_app
from gridsvc.config import TestConfig
from gridsvc.extensions import db
from gridsvc.maps import render
from tests.test_outage import assert_retry_later, standalone_app

URL = TestConfig.SQLALCHEMY_DATABASE_URI
SHOW = "SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout')"
LOGIN = "/api/v1/auth/login"
NOBODY = {"username": "nobody-here", "password": "not-the-password"}


def _server_default() -> str:
    """statement_timeout on a connection that sets nothing: the server's (or role's) own."""
    engine = sa.create_engine(URL, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SHOW statement_timeout").scalar()
    engine.dispose()
    return value


def _with_show_route(app):
    @app.get("/test-only/settings")
    def settings():
        statement, idle = db.session.execute(text(SHOW)).one()
        return {"statement_timeout": statement, "idle": idle}

    return app


def test_a_web_requests_connection_has_the_statement_timeout(monkeypatch):
    app = _with_show_route(standalone_app(monkeypatch, URL, web=True))
    assert app.config["DB_STATEMENT_TIMEOUT_MS"] == 15_000  # the documented default
    body = app.test_client().get("/test-only/settings").get_json()
    assert body == {"statement_timeout": "15s", "idle": "0"}


def test_the_web_limits_follow_the_settings(monkeypatch):
    settings = {"DB_STATEMENT_TIMEOUT_MS": 2500, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": 30_000}
    app = _with_show_route(standalone_app(monkeypatch, URL, web=True, settings=settings))
    body = app.test_client().get("/test-only/settings").get_json()
    assert body == {"statement_timeout": "2500ms", "idle": "30s"}


def test_zero_leaves_the_web_timeout_to_the_server(monkeypatch):
    app = _with_show_route(
        standalone_app(monkeypatch, URL, web=True, settings={"DB_STATEMENT_TIMEOUT_MS": 0})
    )
    body = app.test_client().get("/test-only/settings").get_json()
    assert body["statement_timeout"] == _server_default()


def test_a_jobs_connection_has_not_the_web_timeout(monkeypatch):
    """What Celery tasks, the CLI and migrations run on: ``create_app()`` without ``web``."""
    app = standalone_app(monkeypatch, URL)
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == _server_default()
        source = db.session.execute(
            text("SELECT source FROM pg_settings WHERE name = 'statement_timeout'")
        ).scalar()
        assert source != "client"  # nothing set by the app's connection
        db.session.remove()


def test_jobs_take_their_own_limit(monkeypatch):
    app = standalone_app(monkeypatch, URL, settings={"JOB_STATEMENT_TIMEOUT_MS": 600_000})
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "10min"
        db.session.remove()


@pytest.mark.parametrize(("module", "expected"), [("gridsvc.wsgi", "15s"), ("gridsvc.worker", "0")])
def test_the_entry_points_pick_their_limits(module, expected):
    """The real web entry point (Granian's target) and Celery's, each in a fresh interpreter."""
    code = (
        f"import {module} as m; from sqlalchemy import text; from gridsvc.extensions import db\n"
        "with m.app.app_context():\n"
        "    print(db.session.execute(text('SHOW statement_timeout')).scalar())\n"
    )
    env = {**os.environ, "DATABASE_URL": URL, "DB_STATEMENT_TIMEOUT_MS": "15000"}
    env.pop("JOB_STATEMENT_TIMEOUT_MS", None)
    done = subprocess.run(  # noqa: S603 (this interpreter, our own modules)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == (
        expected if expected != "0" else _server_default()
    )


def test_options_already_given_are_kept(monkeypatch):
    """A URL's own ``options`` and the engine's other connect_args survive the merge."""
    name = f"gridsvc-limits-{uuid.uuid4().hex[:8]}"
    app = standalone_app(
        monkeypatch,
        URL + "?options=-c%20lock_timeout%3D1234",
        web=True,
        connect_args={"application_name": name},
    )

    @app.get("/test-only/more")
    def more():
        row = db.session.execute(
            text(
                "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'),"
                " current_setting('application_name')"
            )
        ).one()
        return {"values": list(row)}

    assert app.test_client().get("/test-only/more").get_json()["values"] == ["1234ms", "15s", name]


@pytest.mark.parametrize("key", ["DB_STATEMENT_TIMEOUT_MS", "JOB_STATEMENT_TIMEOUT_MS"])
def test_a_negative_limit_is_refused_at_start(key):
    with pytest.raises(RuntimeError, match="statement_timeout must be 0"):
        create_app({"SQLALCHEMY_DATABASE_URI": URL, key: -1}, web=key.startswith("DB_"))


def _slow_app(monkeypatch):
    app = standalone_app(monkeypatch, URL, web=True, settings={"DB_STATEMENT_TIMEOUT_MS": 200})

    @app.get("/test-only/slow")
    def slow():
        db.session.execute(text("SELECT pg_sleep(3)"))
        return {"finished": True}

    @app.get("/test-only/slow-raw")
    def slow_raw():  # the bulk paths (COPY, execute_values) run on psycopg2's cursor
        cursor = db.session.connection().connection.cursor()
        cursor.execute("SELECT pg_sleep(3)")
        return {"finished": True}

    _with_show_route(app)
    return app


def test_a_cancelled_statement_answers_503_and_is_logged(monkeypatch, caplog):
    client = _slow_app(monkeypatch).test_client()
    with caplog.at_level(logging.WARNING, logger="gridsvc.errors"):
        response = client.get("/test-only/slow")
    assert_retry_later(response, "server.database_timeout")
    record = next(r for r in caplog.records if r.message.startswith("database statement cancelled"))
    assert record.sqlstate == "57014"
    assert record.statement_timeout_ms == 200
    assert "pg_sleep" in record.statement
    # Only the statement was cancelled: the same pool answers the next request.
    assert client.get("/test-only/settings").get_json()["statement_timeout"] == "200ms"


def test_a_cancelled_raw_statement_answers_the_same(monkeypatch):
    client = _slow_app(monkeypatch).test_client()
    assert_retry_later(client.get("/test-only/slow-raw"), "server.database_timeout")


def test_the_timeout_problem_in_chinese(monkeypatch):
    client = _slow_app(monkeypatch).test_client()
    response = client.get("/test-only/slow", headers={"Accept-Language": "zh-CN"})
    assert_retry_later(response, "server.database_timeout")
    body = response.get_json()
    assert body["title"] == "数据库查询超时"
    assert body["detail"].startswith("数据库语句执行超过时限")


@pytest.fixture
def users_locked():
    """Another session holds an exclusive lock on ``users`` (what a long migration or a stuck
    transaction does) until the test ends."""
    engine = sa.create_engine(URL)
    conn = engine.connect()
    conn.exec_driver_sql("SET lock_timeout = '5s'")
    conn.exec_driver_sql("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
    yield
    conn.rollback()
    conn.close()
    engine.dispose()


def test_a_real_endpoint_blocked_past_the_timeout_answers_503(monkeypatch, users_locked):
    """The login reads ``users``, which waits on the lock: cancelled at 200 ms, not a hang."""
    app = standalone_app(monkeypatch, URL, web=True, settings={"DB_STATEMENT_TIMEOUT_MS": 200})
    response = app.test_client().post(LOGIN, json=NOBODY)
    # The login route is rate limited: its limiter may lengthen Retry-After (test_outage.py).
    assert_retry_later(response, "server.database_timeout", None)


def test_a_lock_timeout_stays_busy_not_timeout(monkeypatch, users_locked):
    """lock_timeout (55P03) is another refusal: the database is busy, the statement not slow."""
    app = standalone_app(monkeypatch, URL, web=True)

    @app.get("/test-only/lock")
    def lock():
        db.session.execute(text("SET LOCAL lock_timeout = 100"))
        db.session.execute(text("SELECT count(*) FROM users"))
        return {}

    assert_retry_later(app.test_client().get("/test-only/lock"), "server.database_busy")


def test_the_tile_pool_carries_the_app_engines_options(monkeypatch):
    name = f"gridsvc-tiles-{uuid.uuid4().hex[:8]}"
    app = standalone_app(
        monkeypatch,
        URL,
        web=True,
        settings={"TILE_POOL_SIZE": 3, "DB_STATEMENT_TIMEOUT_MS": 4000},
        connect_args={"application_name": name},
    )
    with app.app_context():
        engine = render.tile_engine()
        assert engine.pool.size() == 3
        with engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT current_setting('statement_timeout'), current_setting('application_name'),"
                " current_setting('plan_cache_mode'), current_setting('random_page_cost')"
            ).one()
        assert tuple(row) == ("4s", name, "force_generic_plan", "1.1")
        assert render.tile_engine() is engine  # one pool per app engine and process
        engine.dispose()


def test_a_job_apps_tile_pool_has_no_web_timeout(monkeypatch):
    app = standalone_app(monkeypatch, URL)
    with app.app_context(), render.tile_engine().connect() as conn:
        value = conn.exec_driver_sql("SHOW statement_timeout").scalar()
    assert value == _server_default()
