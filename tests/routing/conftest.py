"""Routing fixtures: the small boundary hierarchy, a county admin, teams of both kinds."""

from __future__ import annotations

import pytest

from tests.boundaries.conftest import hierarchy, publish  # noqa: F401  (fixtures reused)
from tests.conftest import bearer

COUNTY = "430302"
T1, T2 = "430302001", "430302002"


@pytest.fixture
def county_admin(make_user):
    return make_user(role="admin", county_code=COUNTY, township_code=None)


@pytest.fixture
def admin_headers(county_admin):
    return bearer(county_admin)


@pytest.fixture
def make_team(client, admin_headers, hierarchy):  # noqa: F811  (the imported fixture)
    """make_team(kind, code, name, **fields) -> the created team's JSON, through the API."""

    def _make(kind: str, code: str, name: str, **fields):
        response = client.post(
            "/api/v1/teams",
            json={"kind": kind, "code": code, "name": name, **fields},
            headers=admin_headers,
        )
        assert response.status_code == 201, response.json
        return response.json

    return _make


@pytest.fixture
def directory(make_team):
    """A team per township and three county departments."""
    return {
        "t1": make_team("township_team", "YHL", "雨湖路街道综合行政执法队", township_code=T1),
        "t2": make_team("township_team", "CZJ", "城正街街道综合行政执法队", township_code=T2),
        "zhzf": make_team("county_department", "ZHZF", "区综合行政执法局"),
        "zrzy": make_team("county_department", "ZRZY", "区自然资源和规划局"),
        "scjg": make_team("county_department", "SCJG", "区市场监督管理局"),
    }
