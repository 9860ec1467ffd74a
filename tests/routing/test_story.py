"""The story from the field, end to end through the API (issue 6's must-show).

A street market on a road in 雨湖路 township is routed to the township's team with its reason; the
team lead calls the county (乡呼县应); the county accepts, analyses and dispatches to 综合行政执法局
with 自然资源和规划局 cooperating; the department responds and resolves with a photo; the reporting
worker verifies; the case closes; both ratings are recorded; every step is in the audit trail; and
a team lead of another township can neither see nor act on the case.
"""

from __future__ import annotations

from tests.conftest import bearer


def test_street_market_from_report_to_ratings(client, people, report, act, call_act, upload_photo):
    teams = people["teams"]
    incident = report("0501")
    incident_id = incident["id"]

    # Routed to the township's own team, with a readable reason.
    routing = incident["routing"]
    assert routing["target"] == "township_team"
    assert routing["team"]["code"] == "YHL"
    assert [(s["rule"], s["outcome"]) for s in routing["reason"]] == [
        ("list", "delegated"),
        ("township_team", "matched"),
    ]
    assert "委托" in routing["reason"][0]["message_zh"]

    # The team sees it on its map queue; another township's lead sees nothing of it.
    queue = client.get(f"/api/v1/teams/{teams['t1']}/queue", headers=bearer(people["lead"])).json
    assert [f["id"] for f in queue["features"]] == [incident_id]
    assert queue["features"][0]["geometry"]["coordinates"] == [112.81, 27.87]
    outsider = bearer(people["lead2"])
    assert client.get(f"/api/v1/incidents/{incident_id}", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/incidents/{incident_id}/case", headers=outsider).status_code == 404
    assert act(people["lead2"], incident_id, "accept").status_code == 404
    assert client.get(f"/api/v1/teams/{teams['t1']}/queue", headers=outsider).status_code == 404

    # The team lead calls the county.
    called = act(
        people["lead"], incident_id, "call_county", note="摊点搭建违章棚架，需区级部门联合处置"
    )
    assert called.status_code == 200, called.json
    call_id = called.json["call_id"]
    assert "call_county" not in called.json["allowed_actions"]  # one open call at a time

    # The county accepts (立案), analyses and dispatches: 执法局 leads, 自然资源局 cooperates.
    dispatcher = people["dispatcher"]
    listed = client.get("/api/v1/calls?status=called", headers=bearer(dispatcher)).json
    assert [c["id"] for c in listed["items"]] == [call_id]
    assert call_act(dispatcher, call_id, "accept").json["status"] == "accepted"
    assert (
        client.get(f"/api/v1/incidents/{incident_id}", headers=bearer(dispatcher)).json["status"]
        == "accepted"
    )
    analysed = call_act(
        dispatcher,
        call_id,
        "analyse",
        primary_department_id=teams["zhzf"],
        cooperating_ids=[teams["zrzy"]],
        note="涉及违法建设，执法局牵头，自然资源局配合",
    )
    assert analysed.status_code == 200, analysed.json
    dispatched = call_act(dispatcher, call_id, "dispatch")
    assert dispatched.json["status"] == "dispatched"
    # The desk finds the call by either department: the lead's and the cooperating one's.
    for department in ("zhzf", "zrzy"):
        by_department = client.get(
            f"/api/v1/calls?department_id={teams[department]}", headers=bearer(dispatcher)
        ).json
        assert [c["id"] for c in by_department["items"]] == [call_id]
    case = client.get(f"/api/v1/incidents/{incident_id}/case", headers=bearer(dispatcher)).json
    assert (case["status"], case["team"]["code"], case["cooperating_ids"]) == (
        "dispatched",
        "ZHZF",
        [teams["zrzy"]],
    )
    zhifa_queue = client.get(
        f"/api/v1/teams/{teams['zhzf']}/queue", headers=bearer(people["zhifa"])
    ).json
    assert [f["id"] for f in zhifa_queue["features"]] == [incident_id]

    # The department responds, then resolves with an evidence photo.
    zhifa = people["zhifa"]
    assert call_act(zhifa, call_id, "respond").json["status"] == "responded"
    photo_id = upload_photo(zhifa, incident_id, "evidence")
    resolved = act(
        zhifa, incident_id, "resolve", photo_ids=[photo_id], note="已拆除棚架，摊贩已劝离"
    )
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["status"] == "resolved"
    assert (
        client.get(f"/api/v1/calls/{call_id}", headers=bearer(zhifa)).json["status"] == "completed"
    )

    # The reporting worker verifies on site; the county closes; the worker evaluates.
    worker = people["worker"]
    assert act(worker, incident_id, "verify").json["status"] == "verified"
    # 自然资源局 cooperated (协办): it records its part before the case can close.
    early = act(dispatcher, incident_id, "close")
    assert (early.status_code, early.json["code"]) == (409, "workflow.assist_pending")
    assisted = act(people["ziran"], incident_id, "assist", note="已出具用地性质认定意见")
    assert assisted.status_code == 200, assisted.json
    assert act(dispatcher, incident_id, "close").json["status"] == "closed"
    evaluated = act(worker, incident_id, "evaluate", satisfaction=5)
    assert (evaluated.json["status"], evaluated.json["satisfaction"]) == ("evaluated", 5)

    # 一呼一评: the township rates the department, the department the township.
    assert (
        call_act(
            people["lead"], call_id, "rate_department", rating=5, comment="响应迅速"
        ).status_code
        == 200
    )
    assert (
        call_act(zhifa, call_id, "rate_township", rating=4, comment="现场配合到位").status_code
        == 200
    )
    final = client.get(f"/api/v1/calls/{call_id}", headers=bearer(dispatcher)).json
    assert (final["township_rating"], final["department_rating"]) == (5, 4)
    again = call_act(zhifa, call_id, "rate_township", rating=1)
    assert (again.status_code, again.json["code"]) == (409, "call.already_rated")

    # Every step is in the audit trail, in order.
    events = client.get(
        f"/api/v1/incidents/{incident_id}/events?limit=100", headers=bearer(dispatcher)
    ).json["items"]
    assert [e["action"] for e in events] == [
        "reported",
        "routed",
        "call_county",
        "call_accept",
        "call_analyse",
        "call_dispatch",
        "call_respond",
        "photo_added",
        "resolve",
        "call_completed",
        "verify",
        "assist",
        "close",
        "evaluate",
        "call_rate_department",
        "call_rate_township",
    ]
    statuses = [
        (e["from_status"], e["to_status"]) for e in events if e["from_status"] != e["to_status"]
    ]
    assert statuses == [
        (None, "reported"),
        ("reported", "accepted"),
        ("accepted", "dispatched"),
        ("dispatched", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "verified"),
        ("verified", "closed"),
        ("closed", "evaluated"),
    ]
    # And the other township's lead still cannot act, even knowing the id.
    assert act(people["lead2"], incident_id, "close").status_code == 404
