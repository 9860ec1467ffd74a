"""Test harness: one real PostGIS database per session, each test inside a rolled-back transaction.

The session fixture rebuilds the schema through the Alembic migrations (so the migrations themselves are
exercised); every test then runs inside an outer transaction whose commits become savepoints
(``join_transaction_mode="create_savepoint"``), and everything is rolled back at the end.
Tests that must really commit (concurrency, idempotency across connections) use ``committing_db``.

A test shares one session with the requests it makes, so a request ends here as it ends in
production: what it did not commit is rolled back (:func:`_requests_end_as_in_production`). A view
that forgot to commit loses its writes in the tests too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.engine import make_url

from gridsvc import create_app
from gridsvc.config import TestConfig
from gridsvc.extensions import db
from gridsvc.jobs import init_celery


def _ensure_database(url: str) -> None:
    """Create the test database (and PostGIS in it) when missing, through the maintenance DB."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = sa.create_engine(target, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        # Start from nothing so the migrations are what builds the schema.
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy routes every query to its engine; tests need the one open connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


def _requests_end_as_in_production(application) -> None:
    """In production each request has a session of its own, rolled back at its end unless the
    entry point committed. Here the test's session outlives the request, so: what the test
    wrote before the request counts as committed (it stands for data already there), and what
    the request left uncommitted is rolled back."""

    @application.before_request
    def _test_data_is_committed():
        db.session.commit()
        g.harness_request = True

    @application.teardown_request
    def _uncommitted_work_is_lost(_exc):
        if g.pop("harness_request", False):
            db.session.rollback()


@pytest.fixture(scope="session")
def app():
    _ensure_database(TestConfig.SQLALCHEMY_DATABASE_URI)
    application = create_app(TestConfig)
    _requests_end_as_in_production(application)
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(app):
    """Bind the app's session to one connection inside a transaction rolled back after the test."""
    # Celery's configuration is global and every create_app sets it (eager mode, the app its
    # tasks run in): a test that built an app of its own must not leave it to the next test.
    init_celery(app)
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "class_": ConnectionBoundSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(db_session):
    from tests.factories import UserFactory

    def _make(**kwargs):
        user = UserFactory(**kwargs)
        db_session.flush()
        return user

    return _make


def bearer(user, *, expires: timedelta | None = None) -> dict:
    token = create_access_token(identity=user, expires_delta=expires or timedelta(minutes=5))
    return {"Authorization": f"Bearer {token}"}


def refresh_bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_refresh_token(identity=user)}"}


@pytest.fixture
def auth(app):
    """``auth(user)`` -> Authorization header with a fresh access token for that user."""
    return bearer
