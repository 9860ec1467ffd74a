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


# --- people, the list, and reporting, for the workflow tests ----------------------------------

HOME = (112.81, 27.87)  # grid 430302001001001, township 430302001
GRID = "430302001001001"


def jpeg(colour=(200, 40, 40), size=(64, 48)) -> bytes:
    """A small real JPEG (each colour gives different bytes, so photos do not deduplicate)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def listed(directory, county_admin):
    """The responsibility list: street markets delegated to townships, illegal building not."""
    from datetime import date

    from gridsvc.accounts.scope import Scope
    from gridsvc.routing.directory import responsibility

    scope = Scope.of(county_admin)
    ids = {k: v["id"] for k, v in directory.items()}
    entries = [
        ("0501", "department", ids["zhzf"], True, [ids["scjg"]], 1, 24),
        ("0601", "department", ids["zhzf"], False, [ids["zrzy"]], 4, 168),
        ("0102", "township", None, False, [], 2, 24),
    ]
    for code, kind, dept, delegated, coop, response, resolution in entries:
        responsibility.create_entry(
            scope,
            {
                "category_code": code,
                "primary_kind": kind,
                "department_id": dept,
                "delegated": delegated,
                "cooperating_ids": coop,
                "response_hours": response,
                "resolution_hours": resolution,
                "effective_from": date(2026, 1, 1),
            },
            user_id=county_admin.id,
        )
    return directory


@pytest.fixture
def people(make_user, listed, db_session):
    """Everyone in the story, in their teams; the worker holds the grid at HOME."""
    from gridsvc.workers.models import GridAssignment

    ids = {k: v["id"] for k, v in listed.items()}

    def member(role, team, township=None):
        user = make_user(
            role=role,
            township_code=township,
            county_code=COUNTY,
            team_id=ids[team] if team else None,
        )
        return user

    crew = {
        "worker": member("grid_worker", None, T1),
        "lead": member("team_lead", "t1", T1),
        "officer": member("officer", "t1", T1),
        "lead2": member("team_lead", "t2", T2),
        "dispatcher": member("county_dispatcher", None),
        "supervisor": member("supervisor", None),
        "zhifa": member("department_handler", "zhzf"),
        "ziran": member("department_handler", "zrzy"),
    }
    db_session.add(
        GridAssignment(
            county_code=COUNTY, township_code=T1, grid_code=GRID, user_id=crew["worker"].id
        )
    )
    db_session.flush()
    crew["teams"] = ids
    return crew


@pytest.fixture
def report(client, people):
    """report(category, lonlat=HOME, user=worker) -> the created incident's JSON."""
    import uuid
    from datetime import UTC, datetime

    def _report(category="0501", lonlat=HOME, user=None):
        body = {
            "client_id": str(uuid.uuid4()),
            "category": category,
            "location": {"type": "Point", "coordinates": list(lonlat)},
            "reported_at": datetime.now(UTC).isoformat(),
            "description": "人行道上有流动摊贩占道经营",
            "address": "雨湖路 12 号",
        }
        response = client.post(
            "/api/v1/incidents", json=body, headers=bearer(user or people["worker"])
        )
        assert response.status_code == 201, response.json
        return response.json

    return _report


def post_with_etag(client, user, read_url: str, post_url: str, body: dict):
    """Read the resource for its ETag, then POST to ``post_url`` with If-Match."""
    headers = bearer(user)
    current = client.get(read_url, headers=headers)
    if current.status_code != 200:
        return current
    return client.post(
        post_url, json=body, headers={**headers, "If-Match": current.headers["ETag"]}
    )


@pytest.fixture
def act(client):
    """act(user, incident_id, action, **body) -> response of the incident's actions endpoint."""

    def _act(user, incident_id, action, **body):
        url = f"/api/v1/incidents/{incident_id}"
        return post_with_etag(client, user, url, f"{url}/actions", {"action": action, **body})

    return _act


@pytest.fixture
def call_act(client):
    """call_act(user, call_id, action, **body) -> response of the call's actions endpoint."""

    def _act(user, call_id, action, **body):
        url = f"/api/v1/calls/{call_id}"
        return post_with_etag(client, user, url, f"{url}/actions", {"action": action, **body})

    return _act


@pytest.fixture
def upload_photo(client):
    def _upload(user, incident_id, kind="evidence", colour=(10, 120, 30)):
        import io

        response = client.post(
            f"/api/v1/incidents/{incident_id}/photos",
            data={"kind": kind, "file": (io.BytesIO(jpeg(colour)), "evidence.jpg")},
            headers=bearer(user),
            content_type="multipart/form-data",
        )
        assert response.status_code in (200, 201), response.json
        return response.json["id"]

    return _upload
