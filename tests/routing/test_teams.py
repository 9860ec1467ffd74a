"""Teams and members through the API: scope, validation, members' roles and townships."""

from __future__ import annotations

from tests.conftest import bearer
from tests.routing.conftest import COUNTY, T1, T2


def test_create_and_list_teams(client, admin_headers, directory):
    listed = client.get("/api/v1/teams?kind=county_department", headers=admin_headers).json
    assert {t["code"] for t in listed["items"]} == {"ZHZF", "ZRZY", "SCJG"}
    by_township = client.get(f"/api/v1/teams?township={T2}", headers=admin_headers).json
    assert [t["code"] for t in by_township["items"]] == ["CZJ"]
    assert directory["t1"]["townships"] == [T1]


def test_a_shared_team_serves_several_townships(make_team, client, admin_headers):
    team = make_team("township_team", "SHARED", "联合执法中队", townships=[T1, T2])
    assert team["townships"] == [T1, T2]
    clash = client.post(
        "/api/v1/teams",
        json={"kind": "township_team", "code": "OTHER", "name": "x", "township_code": T1},
        headers=admin_headers,
    )
    assert clash.status_code == 409
    assert clash.json["code"] == "team.township_taken"


def test_team_refusals(client, admin_headers, directory, make_user):
    cases = [
        ({"kind": "township_team", "code": "NOPE", "name": "x"}, 422, "team.township_required"),
        (
            {"kind": "township_team", "code": "NOPE", "name": "x", "township_code": "430302099"},
            422,
            "team.unknown_township",
        ),
        (
            {"kind": "township_team", "code": "NOPE", "name": "x", "township_code": "430321001"},
            422,
            "team.township_outside_county",
        ),
        (
            {"kind": "county_department", "code": "NOPE", "name": "x", "township_code": T1},
            422,
            "team.department_has_no_township",
        ),
        ({"kind": "county_department", "code": "ZHZF", "name": "x"}, 409, "team.code_taken"),
        ({"kind": "county_department", "code": "a b", "name": "x"}, 422, None),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/teams", json=body, headers=admin_headers)
        assert response.status_code == status, (body, response.json)
        assert response.mimetype == "application/problem+json"
        if code:
            assert response.json["code"] == code
    worker = make_user(role="grid_worker", township_code=T1)
    refused = client.post(
        "/api/v1/teams",
        json={"kind": "county_department", "code": "X1", "name": "x"},
        headers=bearer(worker),
    )
    assert refused.status_code == 403


def test_other_county_cannot_see_a_team(client, directory, make_user):
    stranger = make_user(role="admin", county_code="430321", township_code=None)
    team_id = directory["t1"]["id"]
    assert client.get(f"/api/v1/teams/{team_id}", headers=bearer(stranger)).status_code == 404
    assert client.get("/api/v1/teams", headers=bearer(stranger)).json["items"] == []
    # A township user of the same county sees it (calls and hand-overs need it).
    worker = make_user(role="grid_worker", township_code=T2)
    assert client.get(f"/api/v1/teams/{team_id}", headers=bearer(worker)).status_code == 200


def test_update_needs_if_match(client, admin_headers, directory):
    team_id = directory["zhzf"]["id"]
    url = f"/api/v1/teams/{team_id}"
    assert client.patch(url, json={"phone": "0731-1"}, headers=admin_headers).status_code == 428
    current = client.get(url, headers=admin_headers)
    stale = {**admin_headers, "If-Match": '"team-1-v0"'}
    assert client.patch(url, json={"phone": "0731-1"}, headers=stale).status_code == 412
    fresh = {**admin_headers, "If-Match": current.headers["ETag"]}
    done = client.patch(url, json={"phone": "0731-1", "active": False}, headers=fresh)
    assert done.status_code == 200
    assert done.json["active"] is False
    assert done.headers["ETag"] != current.headers["ETag"]


def test_changing_townships_gives_a_new_etag(client, admin_headers, make_team):
    team = make_team("township_team", "YHL", "雨湖路街道综合行政执法队", township_code=T1)
    url = f"/api/v1/teams/{team['id']}"
    current = client.get(url, headers=admin_headers)
    widened = client.patch(
        url,
        json={"townships": [T1, T2]},
        headers={**admin_headers, "If-Match": current.headers["ETag"]},
    )
    assert widened.status_code == 200, widened.json
    assert widened.json["townships"] == [T1, T2]
    assert widened.headers["ETag"] != current.headers["ETag"]
    other = make_team("county_department", "ZHZF", "区综合行政执法局")
    department = client.patch(
        f"/api/v1/teams/{other['id']}",
        json={"townships": [T1]},
        headers={**admin_headers, "If-Match": "*"},
    )
    assert department.status_code == 422
    assert department.json["code"] == "team.department_has_no_township"


def test_a_township_served_by_another_team_cannot_be_added(client, admin_headers, directory):
    url = f"/api/v1/teams/{directory['t1']['id']}"
    taken = client.patch(
        url, json={"townships": [T1, T2]}, headers={**admin_headers, "If-Match": "*"}
    )
    assert taken.status_code == 409
    assert taken.json["code"] == "team.township_taken"
    assert client.get(url, headers=admin_headers).json["townships"] == [T1]


def test_members(client, admin_headers, directory, make_user):
    lead = make_user(role="team_lead", township_code=T1)
    worker = make_user(role="grid_worker", township_code=T1)
    handler = make_user(role="department_handler", county_code=COUNTY, township_code=None)
    lead_t2 = make_user(role="team_lead", township_code=T2)
    t1, zhzf = directory["t1"]["id"], directory["zhzf"]["id"]

    def add(team_id, user):
        return client.post(
            f"/api/v1/teams/{team_id}/members", json={"user_id": user.id}, headers=admin_headers
        )

    assert add(t1, lead).status_code == 200
    assert add(t1, lead).status_code == 200  # idempotent
    assert add(zhzf, handler).status_code == 200
    assert add(t1, worker).json["code"] == "team.member_role"
    assert add(zhzf, lead).json["code"] == "team.member_role"
    assert add(t1, lead_t2).json["code"] == "team.member_outside_team_area"
    assert add(t1, type("U", (), {"id": 999999})()).status_code == 404
    members = client.get(f"/api/v1/teams/{t1}/members", headers=admin_headers).json
    assert [m["username"] for m in members] == [lead.username]
    assert client.get(f"/api/v1/teams/{t1}", headers=admin_headers).json["member_count"] == 1
    gone = client.delete(f"/api/v1/teams/{t1}/members/{lead.id}", headers=admin_headers)
    assert gone.status_code == 204
    again = client.delete(f"/api/v1/teams/{t1}/members/{lead.id}", headers=admin_headers)
    assert again.status_code == 404
