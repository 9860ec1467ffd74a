"""Fixtures of the workers room: the boundaries' small hierarchy, workers with profiles, tracks.

The hierarchy (tests/boundaries/conftest.py): county 430302 as a 0.1° box; township 430302001 (west
half) with villages 001 (south) and 002 (north), each split into two vertical strip grids
``…001``/``…002`` of 0.025° × 0.05° (~2.46 km × 5.55 km); township 430302002 likewise in the east.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from gridsvc.localtime import SHANGHAI
from gridsvc.workers.models import GridAssignment, WorkerProfile
from tests.boundaries.conftest import hierarchy, publish  # noqa: F401  (fixtures used here)
from tests.workers.helpers import T1


@pytest.fixture
def make_worker(make_user, db_session):
    """make_worker(township=T1, **user) -> a grid_worker user with a profile."""

    def _make(township: str = T1, **kwargs):
        user = make_user(role="grid_worker", township_code=township, **kwargs)
        db_session.add(
            WorkerProfile(user_id=user.id, county_code=township[:6], township_code=township)
        )
        db_session.flush()
        return user

    return _make


@pytest.fixture
def admin_of(make_user):
    """admin_of(township or county code) -> an admin scoped there (township staff or county)."""

    def _make(code: str = T1):
        if len(code) == 9:
            return make_user(role="admin", township_code=code)
        return make_user(role="admin", county_code=code, township_code=None)

    return _make


@pytest.fixture
def give_grid(db_session):
    """give_grid(user, code, role="primary", since=None) -> a current assignment row."""

    def _give(user, code: str, role: str = "primary", since: datetime | None = None):
        row = GridAssignment(
            county_code=code[:6],
            township_code=code[:9],
            grid_code=code,
            user_id=user.id,
            role=role,
            valid_from=since or datetime(2020, 1, 1, tzinfo=SHANGHAI),
        )
        db_session.add(row)
        db_session.flush()
        return row

    return _give
