"""Maps fixtures: the routing tests' small county (boundaries, teams, people, reports) and the
demo county's boundaries."""

from __future__ import annotations

import pytest

from tests.routing.conftest import (  # noqa: F401  (fixtures reused)
    COUNTY,
    GRID,
    HOME,
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
    report,
)


@pytest.fixture
def demo_county(app):
    """雨湖区 (430302) as `flask demo load` publishes it: townships, villages, 473 unified grids
    and the specialist layers, rolled back with the test."""
    from gridsvc.demo.boundaries import load_demo_boundaries

    load_demo_boundaries(echo=lambda _line: None)
    return COUNTY
