"""Assessment fixtures: the routing story's county, teams, list and people, and a way to lay
down cases exactly as the workflow leaves them, at chosen instants."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from gridsvc.incidents import Incident
from gridsvc.localtime import SHANGHAI
from gridsvc.routing import Call, Case
from tests.routing.conftest import (  # noqa: F401  (fixtures reused)
    COUNTY,
    GRID,
    T1,
    T2,
    admin_headers,
    county_admin,
    directory,
    hierarchy,
    listed,
    make_team,
    people,
    publish,
)


def bj(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant of 2026 in Beijing time."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def lay_case(db_session, people):  # noqa: F811  (the imported fixture)
    """lay_case(received, category, team, response_h, resolution_h, **case columns) -> Case.

    The incident and its case as the workflow would have left them; the deadlines are counted
    from ``received`` in natural hours unless ``due`` columns are given.
    """

    def _lay(received, category, team, response_h, resolution_h, *, township=T1, status,
             grid=GRID, reporter=None, calls=(), lonlat=(112.81, 27.87), **columns):  # fmt: skip
        incident = Incident(
            client_id=uuid.uuid4(),
            request_hash="0" * 64,
            category_code=category,
            status=status,
            geom=f"SRID=4326;POINT({lonlat[0]} {lonlat[1]})",
            raw_lon=lonlat[0],
            raw_lat=lonlat[1],
            crs="EPSG:4326",
            reported_at=received,
            received_at=received,
            county_code=COUNTY,
            township_code=township,
            grid_code=grid if township == T1 else None,
            place_names={"township": {T1: "雨湖路街道", T2: "城正街街道"}[township]},
            reporter_id=(reporter or people["worker"]).id,
            source="app",
        )
        db_session.add(incident)
        db_session.flush()
        fields = {
            "route": "township_team",
            "team_id": people["teams"][team] if team else None,
            "deadline_basis": "natural",
            "response_due_at": received + timedelta(hours=response_h),
            "resolution_due_at": received + timedelta(hours=resolution_h),
            **columns,
        }
        case = Case(
            incident_id=incident.id,
            county_code=COUNTY,
            township_code=township,
            status=status,
            resolution_hours=resolution_h,
            due_at=fields["resolution_due_at"],
            **fields,
        )
        db_session.add(case)
        for call in calls:
            db_session.add(
                Call(incident_id=incident.id, county_code=COUNTY, township_code=township, **call)
            )
        db_session.flush()
        return case

    return _lay
