"""Routing at intake: every new report becomes a case with a target, a reason and deadlines."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gridsvc.routing.cases.models import Call, Case
from gridsvc.routing.notices.models import Notification
from tests.conftest import bearer
from tests.routing.conftest import HOME, T2


def test_department_power_becomes_a_county_call(client, db_session, people, report):
    incident = report("0601")
    assert incident["routing"]["target"] == "county_call"
    assert incident["routing"]["team"]["code"] == "ZHZF"
    assert [t["code"] for t in incident["routing"]["cooperating"]] == ["ZRZY"]
    case = db_session.get(Case, incident["id"])
    assert (case.route, case.team_id) == ("county_call", None)
    call = db_session.get(Call, case.call_id)
    assert (call.origin, call.status, call.cooperating_ids) == (
        "routing",
        "called",
        [people["teams"]["zrzy"]],
    )
    triage = client.get("/api/v1/triage", headers=bearer(people["dispatcher"])).json
    assert [f["id"] for f in triage["features"]] == [incident["id"]]
    told = Notification.query.filter_by(incident_id=incident["id"], event="case.routed").all()
    assert {n.user_id for n in told} == {people["dispatcher"].id}


def test_no_list_entry_goes_to_triage(client, db_session, people, report):
    incident = report("0701")
    assert incident["routing"]["target"] == "triage"
    assert db_session.get(Case, incident["id"]).team_id is None
    dispatched = client.get(
        f"/api/v1/incidents/{incident['id']}/case", headers=bearer(people["dispatcher"])
    )
    assert "accept" in dispatched.json["allowed_actions"]


def test_deadlines_come_from_the_list(db_session, people, report):
    incident = report("0501")  # list: respond in 1 h, resolve in 24 h
    case = db_session.get(Case, incident["id"])
    received = datetime.fromisoformat(incident["received_at"])
    assert case.response_due_at - received == timedelta(hours=1)
    assert case.resolution_due_at - received == timedelta(hours=24)
    assert case.due_at == case.response_due_at


def test_zone_overrides_the_list(client, people, report, admin_headers):
    zone = {
        "name": "雨湖农贸市场",
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [112.805, 27.865],
                    [112.815, 27.865],
                    [112.815, 27.875],
                    [112.805, 27.875],
                    [112.805, 27.865],
                ]
            ],
        },
        "team_id": people["teams"]["scjg"],
        "category_codes": ["0501"],
        "priority": 5,
    }
    assert client.post("/api/v1/zones", json=zone, headers=admin_headers).status_code == 201
    incident = report("0501", lonlat=HOME)
    assert (incident["routing"]["target"], incident["routing"]["team"]["code"]) == (
        "county_call",
        "SCJG",
    )
    assert incident["routing"]["reason"][0]["rule"] == "zone"
    other = report("0102", lonlat=HOME)  # the zone only takes street markets
    assert other["routing"]["team"]["code"] == "YHL"


def test_township_without_an_active_team_calls_the_county(client, people, report, admin_headers):
    team_url = f"/api/v1/teams/{people['teams']['t2']}"
    off = client.patch(team_url, json={"active": False}, headers={**admin_headers, "If-Match": "*"})
    assert off.status_code == 200
    incident = report("0501", lonlat=(112.86, 27.87), user=people["lead2"])
    assert incident["township"]["code"] == T2
    assert incident["routing"]["target"] == "county_call"
    assert ("township_team", "inactive") in [
        (s["rule"], s["outcome"]) for s in incident["routing"]["reason"]
    ]


def test_offline_batch_routes_every_new_report_once(client, db_session, people):
    items = [
        {
            "client_id": str(uuid.uuid4()),
            "category": category,
            "location": {"type": "Point", "coordinates": [112.81 + i * 0.001, 27.87]},
            "reported_at": datetime.now(UTC).isoformat(),
        }
        for i, category in enumerate(["0501", "0601", "0701"])
    ]
    headers = bearer(people["worker"])
    first = client.post("/api/v1/sync", json={"incidents": items}, headers=headers)
    assert first.status_code == 200, first.json
    results = first.json["incidents"]
    targets = [r["incident"]["routing"]["target"] for r in results]
    assert targets == ["township_team", "county_call", "triage"]
    again = client.post("/api/v1/sync", json={"incidents": items}, headers=headers)
    assert [r["result"] for r in again.json["incidents"]] == ["replayed"] * 3
    ids = [r["incident"]["id"] for r in results]
    assert Case.query.filter(Case.incident_id.in_(ids)).count() == 3
    assert Call.query.filter(Call.incident_id.in_(ids)).count() == 1
