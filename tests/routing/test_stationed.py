"""Several teams in one township and a stationed agency (派驻机构), through the API."""

from __future__ import annotations

from tests.conftest import bearer
from tests.routing.conftest import HOME, T1, T2


def test_offices_beside_the_general_team_and_a_stationed_agency(
    client, people, report, admin_headers, make_team, make_user
):
    ids = people["teams"]
    second_general = client.post(
        "/api/v1/teams",
        json={"kind": "township_team", "code": "YHL2", "name": "第二执法队", "township_code": T1},
        headers=admin_headers,
    )
    assert (second_general.status_code, second_general.json["code"]) == (409, "team.township_taken")
    not_a_department = client.post(
        "/api/v1/teams",
        json={
            "kind": "township_team",
            "code": "YHL-X",
            "name": "x",
            "township_code": T1,
            "category_codes": ["0501"],
            "parent_department_id": ids["t2"],
        },
        headers=admin_headers,
    )
    assert (not_a_department.status_code, not_a_department.json["code"]) == (
        422,
        "team.unknown_department",
    )
    office = make_team(
        "township_team",
        "YHL-SHZL",
        "雨湖路街道社会治理办",
        township_code=T1,
        category_codes=["0102"],
    )
    stationed = make_team(
        "township_team",
        "YHL-SJS",
        "雨湖路市场监管所",
        township_code=T1,
        category_codes=["0501"],
        parent_department_id=ids["scjg"],
    )
    assert (stationed["parent_department_id"], stationed["category_codes"]) == (
        ids["scjg"],
        ["0501"],
    )

    market = report("0501", lonlat=HOME)
    assert market["routing"]["team"]["code"] == "YHL-SJS"
    assert "派驻" in market["routing"]["reason"][-1]["message_zh"]
    duty = report("0102", lonlat=(112.82, 27.86))
    assert duty["routing"]["team"]["code"] == office["code"]
    building = report("0601", lonlat=(112.83, 27.88))
    assert building["routing"]["target"] == "county_call"

    # Both masters read the stationed agency's queue; another department and township do not.
    url = f"/api/v1/teams/{stationed['id']}/queue"
    scjg_handler = make_user(role="department_handler", county_code="430302", team_id=ids["scjg"])
    for user, status in (
        (scjg_handler, 200),
        (people["ziran"], 404),
        (make_user(role="admin", township_code=T1), 200),
        (make_user(role="admin", township_code=T2), 404),
        (people["lead"], 404),  # the general team's lead is not its member
    ):
        response = client.get(url, headers=bearer(user))
        assert response.status_code == status, (user.role, response.json)
    queue = client.get(url, headers=bearer(scjg_handler)).json
    assert [f["id"] for f in queue["features"]] == [market["id"]]

    # The general team cannot become a second general team of T1 by losing its scope either.
    etag = client.get(f"/api/v1/teams/{office['id']}", headers=admin_headers).headers["ETag"]
    widen = client.patch(
        f"/api/v1/teams/{office['id']}",
        json={"category_codes": None},
        headers={**admin_headers, "If-Match": etag},
    )
    assert (widen.status_code, widen.json["code"]) == (409, "team.township_taken")


def test_a_stationed_agency_changes_its_department_through_patch(
    client, people, admin_headers, make_team, make_user
):
    ids = people["teams"]
    stationed = make_team(
        "township_team",
        "YHL-SJS",
        "雨湖路市场监管所",
        township_code=T1,
        category_codes=["0501"],
        parent_department_id=ids["scjg"],
    )
    url = f"/api/v1/teams/{stationed['id']}"

    def patch(body, headers=admin_headers):
        tag = client.get(url, headers=headers).headers.get("ETag", '"none"')
        return client.patch(url, json=body, headers={**headers, "If-Match": tag})

    # An id that is no county department of the county answers as one that does not exist.
    global_admin = bearer(make_user(role="admin", county_code=None, township_code=None))
    other_county = client.post(
        "/api/v1/teams",
        json={"kind": "county_department", "code": "ZRZY", "name": "x", "county_code": "430304"},
        headers=global_admin,
    ).json
    missing = patch({"parent_department_id": 99_999_999})
    for parent in (ids["t2"], other_county["id"]):
        refused = patch({"parent_department_id": parent})
        assert (refused.status_code, refused.json["code"]) == (422, "team.unknown_department")
        assert refused.json["code"] == missing.json["code"]
    department = f"/api/v1/teams/{ids['zhzf']}"
    tag = client.get(department, headers=admin_headers).headers["ETag"]
    no_parent = client.patch(
        department,
        json={"parent_department_id": ids["scjg"]},
        headers={**admin_headers, "If-Match": tag},
    )
    assert (no_parent.status_code, no_parent.json["code"]) == (
        422,
        "team.department_has_no_parent",
    )
    by_lead = patch({"parent_department_id": ids["zrzy"]}, headers=bearer(people["lead"]))
    assert by_lead.status_code == 403
    assert client.get(url, headers=admin_headers).json["parent_department_id"] == ids["scjg"]

    moved = patch({"parent_department_id": ids["zrzy"]})
    assert (moved.status_code, moved.json["parent_department_id"]) == (200, ids["zrzy"])
    # The queue's second master follows: the new department reads it, the old one no longer.
    queue = f"{url}/queue"
    scjg_handler = make_user(role="department_handler", county_code="430302", team_id=ids["scjg"])
    assert client.get(queue, headers=bearer(people["ziran"])).status_code == 200
    assert client.get(queue, headers=bearer(scjg_handler)).status_code == 404
    cleared = patch({"parent_department_id": None})
    assert (cleared.status_code, cleared.json["parent_department_id"]) == (200, None)
    assert client.get(queue, headers=bearer(people["ziran"])).status_code == 404
