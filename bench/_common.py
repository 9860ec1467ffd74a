"""Shared set-up for benchmarks: a dedicated database, an app bound to it, timing helpers."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import make_url

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/gridsvc_bench"
)


def bench_app(own_database: str | None = None):
    """An app on the bench database, migrated; created on first use.

    ``own_database`` gives a benchmark a database of its own (BENCH_DATABASE_URL's name +
    ``_<own_database>``): the scripts keep large fixtures between runs (a 100,000-grid province,
    a million incidents) and would otherwise reset each other's.
    """
    from flask_migrate import upgrade

    from gridsvc import create_app
    from gridsvc.config import Config, TestConfig

    url = make_url(BENCH_URL)
    if own_database:
        url = url.set(database=f"{url.database}_{own_database}")
    database_uri = url.render_as_string(hide_password=False)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        ):
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_uri
        LOGIN_RATE_LIMIT = "100000 per minute"
        # Production's setting, not the tests' (which re-check the cache versions on every read).
        CACHE_CHECK_SECONDS = Config.CACHE_CHECK_SECONDS
        LOCATE_INDEX_BACKGROUND = Config.LOCATE_INDEX_BACKGROUND

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
    return app


def rate(fn: Callable[[], int], rounds: int = 5) -> tuple[float, list[float]]:
    """Run ``fn`` (returns the number of items it handled) ``rounds`` times; median items/s."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        items = fn()
        rates.append(items / (time.perf_counter() - start))
    return statistics.median(rates), rates


def show(label: str, median: float, rates: list[float], unit: str) -> None:
    spread = f"min {min(rates):,.0f} max {max(rates):,.0f}"
    print(f"{label:<44} median {median:>12,.0f} {unit}   ({spread}, {len(rates)} rounds)")


def bench_account(username: str, role: str, county: str) -> int:
    """The id of a bench account, created on first use (inside an app context; the caller
    commits). It has no password: bench accounts cannot log in, their tokens are minted."""
    from sqlalchemy import select

    from gridsvc.accounts.models import User
    from gridsvc.extensions import db

    found = db.session.scalar(select(User.id).where(User.username == username))
    if found is not None:
        return found
    account = User(username=username, password_hash="!", role=role, county_code=county)  # noqa: S106
    db.session.add(account)
    db.session.flush()
    return account.id
