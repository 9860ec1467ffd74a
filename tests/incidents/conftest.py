"""Fixtures for the incidents room: the small county of tests/boundaries, its people, a reporter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from gridsvc.workers.models import GridAssignment
from tests.boundaries.conftest import hierarchy, publish  # noqa: F401  (fixtures used here)
from tests.conftest import bearer

# Inside grid 430302001001001 (x 112.800-112.825, y 27.85-27.90), township 430302001.
HOME = (112.81, 27.87)
# Township 430302002, grid 430302002001001.
OTHER_TOWNSHIP = (112.86, 27.87)


def payload(lon: float = HOME[0], lat: float = HOME[1], **overrides) -> dict:
    body = {
        "client_id": str(uuid.uuid4()),
        "category": "0501",
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "accuracy_m": 8.5,
        "reported_at": datetime.now(UTC).isoformat(),
        "description": "人行道上有流动摊贩占道经营",
        "address": "雨湖路 12 号",
    }
    body.update(overrides)
    return body


def assign(db_session, user, *grids: str) -> None:
    for grid in grids:
        db_session.add(
            GridAssignment(
                county_code=grid[:6], township_code=grid[:9], grid_code=grid, user_id=user.id
            )
        )
    db_session.flush()


@pytest.fixture
def worker(db_session, make_user):
    """A grid worker of township 430302001 who holds grid 430302001001001."""
    user = make_user(role="grid_worker", township_code="430302001")
    assign(db_session, user, "430302001001001")
    return user


@pytest.fixture
def as_worker(worker):
    return bearer(worker)


@pytest.fixture
def dispatcher(make_user):
    return make_user(role="county_dispatcher", county_code="430302", township_code=None)


@pytest.fixture
def as_dispatcher(dispatcher):
    return bearer(dispatcher)


@pytest.fixture
def report(client, hierarchy, as_worker):  # noqa: F811  (the imported fixture)
    """report(headers=None, **payload overrides) -> response of POST /api/v1/incidents."""

    def _report(headers=None, lonlat=HOME, **overrides):
        body = payload(*lonlat, **overrides)
        return client.post("/api/v1/incidents", json=body, headers=headers or as_worker)

    return _report
