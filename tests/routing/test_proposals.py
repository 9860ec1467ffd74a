"""Proposals to the responsibility list (建议权): a township proposes, the county decides, audited."""

from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import bearer
from tests.routing.conftest import T1, T2

URL = "/api/v1/list-proposals"


def _proposal(directory, **changes):
    return {
        "category_code": "0601",
        "primary_kind": "department",
        "department_id": directory["zhzf"]["id"],
        "delegated": True,
        "cooperating_ids": [directory["zrzy"]["id"]],
        "response_hours": 4,
        "resolution_hours": 168,
        "effective_from": (date.today() + timedelta(days=30)).isoformat(),
        "reason": "本镇综合执法队已配齐规划执法人员，建议委托违法建设查处权",
        **changes,
    }


def test_a_township_proposes_and_the_county_accepts(client, directory, admin_headers, make_user):
    township_admin = bearer(make_user(role="admin", township_code=T1))
    filed = client.post(URL, json=_proposal(directory), headers=township_admin)
    assert filed.status_code == 201, filed.json
    assert (filed.json["status"], filed.json["township_code"]) == ("pending", T1)
    assert [e["event"] for e in filed.json["events"]] == ["proposed"]
    url = f"{URL}/{filed.json['id']}"

    # The county edits its own list; other townships do not see the proposal.
    county_files = client.post(URL, json=_proposal(directory), headers=admin_headers)
    assert (county_files.status_code, county_files.json["code"]) == (403, "proposal.township_only")
    other_township = bearer(make_user(role="admin", township_code=T2))
    assert client.get(url, headers=other_township).status_code == 404
    assert [p["id"] for p in client.get(URL, headers=other_township).json["items"]] == []
    listed = client.get(f"{URL}?status=pending", headers=admin_headers).json["items"]
    assert [p["id"] for p in listed] == [filed.json["id"]]

    assert client.post(f"{url}/accept", json={}, headers=township_admin).status_code == 403
    accepted = client.post(f"{url}/accept", json={"reason": "同意"}, headers=admin_headers)
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted"
    assert [e["event"] for e in accepted.json["events"]] == ["proposed", "accepted"]
    entry = client.get(
        f"/api/v1/responsibility-list/{accepted.json['entry_id']}", headers=admin_headers
    ).json
    assert (entry["category_code"], entry["delegated"], entry["in_force"]) == ("0601", True, False)
    again = client.post(f"{url}/reject", json={"reason": "x"}, headers=admin_headers)
    assert (again.status_code, again.json["code"]) == (409, "proposal.already_decided")


def test_the_county_rejects_with_a_reason(client, directory, admin_headers, make_user):
    township_admin = bearer(make_user(role="admin", township_code=T1))
    filed = client.post(URL, json=_proposal(directory), headers=township_admin)
    url = f"{URL}/{filed.json['id']}"
    bare = client.post(f"{url}/reject", json={}, headers=admin_headers)
    assert bare.status_code == 422
    rejected = client.post(f"{url}/reject", json={"reason": "试点期未满"}, headers=admin_headers)
    assert (rejected.json["status"], rejected.json["decision_reason"]) == ("rejected", "试点期未满")
    seen = client.get(url, headers=township_admin).json
    assert [(e["event"], e["reason"]) for e in seen["events"]] == [
        ("proposed", _proposal(directory)["reason"]),
        ("rejected", "试点期未满"),
    ]


def test_proposal_refusals(client, directory, make_user):
    township_admin = bearer(make_user(role="admin", township_code=T1))
    past = client.post(
        URL, json=_proposal(directory, effective_from="2026-01-01"), headers=township_admin
    )
    assert (past.status_code, past.json["code"]) == (422, "proposal.effective_in_past")
    team_as_department = client.post(
        URL, json=_proposal(directory, department_id=directory["t1"]["id"]), headers=township_admin
    )
    assert team_as_department.json["code"] == "responsibility.unknown_department"
    officer = bearer(make_user(role="officer", township_code=T1))
    assert client.post(URL, json=_proposal(directory), headers=officer).status_code == 403
