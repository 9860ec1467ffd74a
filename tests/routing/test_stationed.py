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
