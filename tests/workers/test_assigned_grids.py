"""Which grids a worker holds, now and at a past moment (history rows are never edited)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from gridsvc.workers.models import GridAssignment
from gridsvc.workers.service import assigned_grid_codes

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _assign(db_session, user, grid, role="primary", start=T0, end=None):
    row = GridAssignment(
        county_code="430302",
        township_code=grid[:9],
        grid_code=grid,
        user_id=user.id,
        role=role,
        valid_from=start,
        valid_to=end,
    )
    db_session.add(row)
    db_session.flush()
    return row


def test_current_and_past_grids(db_session, make_user):
    worker = make_user()
    _assign(db_session, worker, "430302001001001", end=T0 + timedelta(days=10))
    _assign(db_session, worker, "430302001001002", start=T0 + timedelta(days=10))
    _assign(db_session, worker, "430302001002001", role="secondary")

    assert assigned_grid_codes(worker.id) == {"430302001001002", "430302001002001"}
    assert assigned_grid_codes(worker.id, at=T0 + timedelta(days=1)) == {
        "430302001001001",
        "430302001002001",
    }
    assert assigned_grid_codes(worker.id, at=T0 - timedelta(days=1)) == set()


def test_one_current_primary_per_grid(db_session, make_user):
    first, second = make_user(), make_user()
    _assign(db_session, first, "430302001001001")
    _assign(db_session, second, "430302001001001", role="secondary")  # secondaries are fine
    with pytest.raises(IntegrityError), db_session.begin_nested():
        _assign(db_session, make_user(), "430302001001001")
