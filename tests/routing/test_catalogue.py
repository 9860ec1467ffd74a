"""The catalogue of powers and duties (权责事项) and its per-township delegation, through the API.

The story of issue 16: the same category reported in a pilot township goes to the township's
team; in another it goes to the department through 乡呼县应; both traces say why.
"""

from __future__ import annotations

from tests.conftest import bearer
from tests.routing.conftest import HOME, T1, T2

OTHER_TOWNSHIP_POINT = (112.86, 27.87)
ITEMS = "/api/v1/power-items"


def _steps(incident) -> list[tuple[str, str]]:
    return [(s["rule"], s["outcome"]) for s in incident["routing"]["reason"]]


def _item(client, headers, **fields):
    body = {
        "code": "330217001",
        "name": "对未经批准进行临时建设的处罚",
        "legal_basis": "《中华人民共和国城乡规划法》第六十六条",
        "domain": "规划建设",
        "kind": "penalty",
        "category_codes": ["0601"],
        **fields,
    }
    response = client.post(ITEMS, json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def _delegate(client, headers, item_id, **body):
    body = {"form": "entrusted", "effective_from": "2026-01-01", **body}
    return client.post(f"{ITEMS}/{item_id}/delegations", json=body, headers=headers)


def test_pilot_township_team_acts_and_the_other_township_calls_the_county(
    client, people, report, admin_headers
):
    item = _item(client, admin_headers, department_id=people["teams"]["zhzf"])
    made = _delegate(client, admin_headers, item["id"], townships=[T1], batch="第二批试点")
    assert made.status_code == 201, made.json
    assert [(d["township_code"], d["in_force"]) for d in made.json] == [(T1, True)]

    pilot = report("0601", lonlat=HOME)
    assert pilot["township"]["code"] == T1
    assert (pilot["routing"]["target"], pilot["routing"]["team"]["code"]) == (
        "township_team",
        "YHL",
    )
    assert pilot["routing"]["item_id"] == item["id"]
    assert _steps(pilot) == [
        ("list", "department"),
        ("catalogue", "delegated"),
        ("township_team", "matched"),
    ]
    why = pilot["routing"]["reason"][1]
    assert "330217001" in why["message"]
    assert "第二批试点" in why["message"]
    assert "委托" in why["message_zh"]
    assert "乡镇001" in why["message_zh"]

    other = report("0601", lonlat=OTHER_TOWNSHIP_POINT, user=people["lead2"])
    assert other["township"]["code"] == T2
    assert (other["routing"]["target"], other["routing"]["team"]["code"]) == (
        "county_call",
        "ZHZF",
    )
    assert _steps(other) == [
        ("list", "department"),
        ("catalogue", "not_delegated"),
        ("county_call", "matched"),
    ]
    assert "乡镇002" in other["routing"]["reason"][1]["message_zh"]
    assert "乡呼县应" in other["routing"]["reason"][2]["message_zh"]

    # A batch to every township: the routing cache sees the new row at once.
    every = _delegate(client, admin_headers, item["id"], form="extended", batch="第一批")
    assert every.status_code == 201, every.json
    assert every.json[0]["township_code"] is None
    again = report("0601", lonlat=(112.87, 27.88), user=people["lead2"])
    assert (again["routing"]["target"], again["routing"]["team"]["code"]) == (
        "township_team",
        "CZJ",
    )
    assert "各乡镇" in again["routing"]["reason"][1]["message_zh"]


def test_withdrawn_from_one_township(client, people, report, admin_headers):
    item = _item(client, admin_headers, department_id=people["teams"]["zhzf"])
    assert _delegate(client, admin_headers, item["id"], form="granted").status_code == 201
    taken = _delegate(
        client,
        admin_headers,
        item["id"],
        form="withdrawn",
        townships=[T1],
        effective_from="2026-02-01",
    )
    assert taken.status_code == 201, taken.json
    incident = report("0601", lonlat=HOME)
    assert incident["routing"]["target"] == "county_call"
    assert ("catalogue", "withdrawn") in _steps(incident)
    rows = client.get(f"{ITEMS}/{item['id']}/delegations", headers=admin_headers).json
    assert [(r["township_code"], r["form"], r["in_force"]) for r in rows] == [
        (None, "granted", True),
        (T1, "withdrawn", True),
    ]


def test_item_checks_and_retries(client, people, admin_headers, make_user):
    item = _item(client, admin_headers, department_id=people["teams"]["zhzf"])
    clash = client.post(
        ITEMS, json={"code": "330217001", "name": "x", "kind": "penalty"}, headers=admin_headers
    )
    assert (clash.status_code, clash.json["code"]) == (409, "catalogue.item_exists")
    not_department = client.post(
        ITEMS,
        json={"code": "2", "name": "x", "kind": "penalty", "department_id": people["teams"]["t1"]},
        headers=admin_headers,
    )
    assert (not_department.status_code, not_department.json["code"]) == (
        422,
        "responsibility.unknown_department",
    )
    bad_category = client.post(
        ITEMS,
        json={"code": "3", "name": "x", "kind": "penalty", "category_codes": ["9999"]},
        headers=admin_headers,
    )
    assert bad_category.json["code"] == "responsibility.unknown_category"
    unknown_township = _delegate(client, admin_headers, item["id"], townships=["430302099"])
    assert (unknown_township.status_code, unknown_township.json["code"]) == (
        422,
        "catalogue.unknown_township",
    )
    first = _delegate(client, admin_headers, item["id"], townships=[T1])
    retry = _delegate(client, admin_headers, item["id"], townships=[T1])
    assert retry.status_code == 201
    assert retry.json[0]["id"] == first.json[0]["id"]
    other_form = _delegate(client, admin_headers, item["id"], townships=[T1], form="granted")
    assert (other_form.status_code, other_form.json["code"]) == (409, "catalogue.delegation_exists")

    # Township admins and officers read the catalogue; only the county edits it.
    township_admin = bearer(make_user(role="admin", township_code=T1))
    listed = client.get(f"{ITEMS}?category=0601", headers=township_admin)
    assert [i["code"] for i in listed.json["items"]] == ["330217001"]
    refused = _delegate(client, township_admin, item["id"])
    assert refused.status_code == 403
    url = f"{ITEMS}/{item['id']}"
    stale = client.patch(
        url, json={"domain": "城市管理"}, headers={**admin_headers, "If-Match": '"x"'}
    )
    assert stale.status_code == 412
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    patched = client.patch(
        url, json={"domain": "城市管理"}, headers={**admin_headers, "If-Match": etag}
    )
    assert (patched.status_code, patched.json["domain"]) == (200, "城市管理")
