"""The category catalog: seeded by the migration, cached by phones, edited by admins."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.test_app import assert_problem

SEEDED = {
    "0102", "0103", "0104", "0201", "0202", "0301", "0302", "0303", "0501",
    "0502", "0503", "0504", "0601", "0602", "0701", "0702", "0801", "0802",
}  # fmt: skip


@pytest.fixture
def global_admin(make_user):
    """The catalogue is shared by every county: only a global admin edits it (docs/ROLES.md)."""
    return bearer(make_user(role="admin", county_code=None, township_code=None))


def test_catalog_is_seeded_and_cacheable(client, make_user):
    reader = bearer(make_user())
    response = client.get("/api/v1/categories", headers=reader)
    items = response.get_json()
    assert {c["code"] for c in items} == SEEDED
    illegal = next(c for c in items if c["code"] == "0601")
    assert illegal["name_zh"] == "违法建设"
    assert illegal["photo_required"] is True
    assert (illegal["duplicate_radius_m"], illegal["duplicate_window_hours"]) == (100, 720)
    market = next(c for c in items if c["code"] == "0501")
    assert (market["class_code"], market["duplicate_radius_m"]) == ("05", 50)
    cached = client.get(
        "/api/v1/categories", headers=reader | {"If-None-Match": response.headers["ETag"]}
    )
    assert cached.status_code == 304


def test_admin_creates_and_edits(client, global_admin, make_user):
    body = {
        "code": "0901",
        "class_name_zh": "园林绿化",
        "name_zh": "绿地脏乱",
        "name_en": "Dirty green space",
        "response_hours": 4,
        "resolution_hours": 48,
    }
    created = client.post("/api/v1/categories", json=body, headers=global_admin)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["class_code"] == "09"
    assert created.get_json()["duplicate_radius_m"] == 50
    assert_problem(
        client.post("/api/v1/categories", json=body, headers=global_admin), 409, "category.exists"
    )
    url = "/api/v1/categories/0901"
    assert_problem(
        client.patch(url, json={"active": False}, headers=global_admin),
        428,
        "request.if_match_required",
    )
    tag = created.headers["ETag"]
    changed = client.patch(url, json={"active": False}, headers=global_admin | {"If-Match": tag})
    assert changed.status_code == 200
    assert changed.get_json()["active"] is False
    assert_problem(
        client.patch(url, json={"active": True}, headers=global_admin | {"If-Match": tag}),
        412,
        "request.etag_mismatch",
    )
    reader = bearer(make_user())
    assert "0901" not in {
        c["code"] for c in client.get("/api/v1/categories", headers=reader).get_json()
    }
    everything = client.get("/api/v1/categories?include_inactive=true", headers=global_admin)
    assert "0901" in {c["code"] for c in everything.get_json()}


def test_category_edits_are_checked(client, global_admin):
    bad = {
        "code": "0902",
        "class_code": "08",
        "class_name_zh": "x",
        "name_zh": "x",
        "name_en": "x",
        "response_hours": 4,
        "resolution_hours": 48,
    }
    assert_problem(
        client.post("/api/v1/categories", json=bad, headers=global_admin),
        422,
        "category.invalid_class",
    )
    bad.update(class_code="09", response_hours=10, resolution_hours=5)
    assert_problem(
        client.post("/api/v1/categories", json=bad, headers=global_admin),
        422,
        "category.invalid_hours",
    )
    assert_problem(
        client.get("/api/v1/categories/0999", headers=global_admin), 404, "category.not_found"
    )


def test_who_edits_the_catalog(client, make_user):
    body = {"code": "0903", "class_name_zh": "x", "name_zh": "x", "name_en": "x",
            "response_hours": 1, "resolution_hours": 2}  # fmt: skip
    worker = bearer(make_user())
    assert_problem(
        client.post("/api/v1/categories", json=body, headers=worker), 403, "auth.role_forbidden"
    )
    township_admin = bearer(make_user(role="admin", township_code="430302001"))
    assert_problem(
        client.post("/api/v1/categories", json=body, headers=township_admin),
        403,
        "auth.role_forbidden",
    )
    global_admin = bearer(make_user(role="admin", county_code=None, township_code=None))
    assert client.post("/api/v1/categories", json=body, headers=global_admin).status_code == 201


def test_a_county_admin_does_not_edit_the_shared_catalogue(client, make_user):
    # Issue 11, row 9: an admin of another county changed a category every county uses.
    other_county = bearer(make_user(role="admin", county_code="430304", township_code=None))
    url = "/api/v1/categories/0501"
    tag = client.get(url, headers=other_county).headers["ETag"]
    changed = client.patch(
        url, json={"resolution_hours": 1000}, headers=other_county | {"If-Match": tag}
    )
    assert_problem(changed, 403, "auth.role_forbidden")
    body = {"code": "0904", "class_name_zh": "x", "name_zh": "x", "name_en": "x",
            "response_hours": 1, "resolution_hours": 2}  # fmt: skip
    assert_problem(
        client.post("/api/v1/categories", json=body, headers=other_county),
        403,
        "auth.role_forbidden",
    )
    assert client.get(url, headers=other_county).get_json()["resolution_hours"] != 1000


def test_openapi_documents_the_incidents_room(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/categories",
        "/api/v1/categories/{code}",
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/api/v1/incidents/{incident_id}/events",
        "/api/v1/incidents/{incident_id}/duplicate",
        "/api/v1/incidents/{incident_id}/photos",
        "/api/v1/incidents/{incident_id}/photos/{photo_id}",
        "/api/v1/incidents/{incident_id}/photos/{photo_id}/thumbnail",
        "/api/v1/me/feed",
        "/api/v1/sync",
    ):
        assert path in paths, path
    assert "201" in paths["/api/v1/incidents"]["post"]["responses"]
