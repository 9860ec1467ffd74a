"""Workflow refusals and branches: preconditions, wrong party, illegal transitions, evidence,
rework (返工), returns (退回) and duplicates."""

from __future__ import annotations

import pytest

from gridsvc.routing.cases.models import Call, Case
from tests.conftest import bearer


def test_if_match_is_required_and_checked(client, people, report):
    incident = report()
    url = f"/api/v1/incidents/{incident['id']}/actions"
    headers = bearer(people["lead"])
    missing = client.post(url, json={"action": "accept"}, headers=headers)
    assert (missing.status_code, missing.json["code"]) == (428, "request.if_match_required")
    stale = client.post(
        url, json={"action": "accept"}, headers={**headers, "If-Match": '"incident-1-v0"'}
    )
    assert (stale.status_code, stale.json["code"]) == (412, "request.etag_mismatch")


def test_illegal_transition_lists_the_allowed_actions(people, report, act):
    incident = report()
    response = act(people["lead"], incident["id"], "close")
    assert response.status_code == 409
    assert response.json["code"] == "workflow.invalid_transition"
    assert response.json["status_now"] == "reported"
    assert set(response.json["allowed_actions"]) == {
        "accept",
        "reject",
        "mark_duplicate",
        "dismiss_duplicate",
        "return",
    }


@pytest.mark.parametrize(
    ("who", "action"),
    [("officer", "accept"), ("zhifa", "accept"), ("worker", "accept"), ("ziran", "reject")],
)
def test_only_the_right_party_may_act(people, report, act, who, action):
    incident = report()
    response = act(people[who], incident["id"], action, note="x")
    assert response.status_code == 403, response.json
    assert response.json["code"] == "workflow.not_your_case"


def test_reject_needs_a_reason(people, report, act):
    incident = report()
    response = act(people["lead"], incident["id"], "reject")
    assert (response.status_code, response.json["code"]) == (422, "workflow.note_required")


def test_resolve_needs_evidence_and_rework_reopens(
    client, db_session, people, report, act, upload_photo
):
    incident = report()
    lead, officer, worker = people["lead"], people["officer"], people["worker"]
    assert act(lead, incident["id"], "accept").status_code == 200
    dispatched = act(lead, incident["id"], "dispatch", assignee_id=officer.id)
    assert dispatched.json["assignee_id"] == officer.id
    stranger = act(lead, incident["id"], "assign", assignee_id=people["lead2"].id)
    assert (stranger.status_code, stranger.json["code"]) == (422, "workflow.assignee_not_in_team")
    assert act(officer, incident["id"], "start").json["status"] == "in_progress"
    bare = act(officer, incident["id"], "resolve")
    assert (bare.status_code, bare.json["code"]) == (422, "workflow.evidence_required")
    report_photo = upload_photo(worker, incident["id"], "report", colour=(1, 2, 3))
    wrong_kind = act(officer, incident["id"], "resolve", photo_ids=[report_photo])
    assert (wrong_kind.status_code, wrong_kind.json["code"]) == (422, "workflow.unknown_photo")
    evidence = upload_photo(officer, incident["id"], "evidence")
    assert act(officer, incident["id"], "resolve", photo_ids=[evidence]).status_code == 200

    # Another township's worker is not the field party; the grid's worker is.
    outsider = act(people["lead2"], incident["id"], "verify")
    assert outsider.status_code == 404
    failed = act(worker, incident["id"], "fail_verification", note="摊贩又回来了")
    assert failed.json["status"] == "reopened"
    assert failed.json["reopen_count"] == 1
    assert act(officer, incident["id"], "start").json["status"] == "in_progress"
    case = db_session.get(Case, incident["id"])
    assert case.resolved_at is None


def test_return_reroutes_without_the_returning_team(client, db_session, people, report, act):
    incident = report("0501")
    returned = act(people["lead"], incident["id"], "return", note="该路段属区管道路，非我队职责")
    assert returned.status_code == 200, returned.json
    case = db_session.get(Case, incident["id"])
    assert (case.route, case.team_id, case.return_count) == ("county_call", None, 1)
    assert case.returned_by == [people["teams"]["t1"]]
    call = db_session.get(Call, case.call_id)
    assert (call.origin, call.status, call.primary_department_id) == (
        "routing",
        "called",
        people["teams"]["zhzf"],
    )
    routing = client.get(
        f"/api/v1/incidents/{incident['id']}", headers=bearer(people["dispatcher"])
    ).json["routing"]
    assert ("township_team", "returned") in [(s["rule"], s["outcome"]) for s in routing["reason"]]
    # The returning team no longer holds it.
    gone = act(people["lead"], incident["id"], "accept")
    assert gone.status_code == 403


def test_department_return_goes_back_to_the_county(db_session, people, report, act, call_act):
    incident = report("0601")  # illegal building: a county power, called up at intake
    case = db_session.get(Case, incident["id"])
    call_id, dispatcher = case.call_id, people["dispatcher"]
    for step, body in (("accept", {}), ("analyse", {}), ("dispatch", {})):
        assert call_act(dispatcher, call_id, step, **body).status_code == 200
    returned = act(people["zhifa"], incident["id"], "return", note="应由住建部门处置")
    assert returned.status_code == 200, returned.json
    db_session.refresh(case)
    call = db_session.get(Call, call_id)
    assert (call.status, call.primary_department_id, case.team_id) == ("accepted", None, None)
    assert call_act(dispatcher, call_id, "analyse").json["code"] == "call.department_required"


def test_confirming_a_duplicate_closes_the_case(client, db_session, people, report, act):
    first = report("0501")
    second = report("0501", lonlat=(112.8102, 27.8701))  # ~20 m away
    assert second["probable_duplicate_of"] == first["id"]
    marked = act(people["lead"], second["id"], "mark_duplicate")
    assert marked.status_code == 200, marked.json
    assert marked.json["status"] == "duplicate"
    assert db_session.get(Case, second["id"]).closed_at is not None


def test_call_steps_in_the_wrong_order_or_by_the_wrong_side(people, report, act, call_act):
    incident = report("0501")
    call_id = act(people["lead"], incident["id"], "call_county", note="需要支援").json["call_id"]
    early = call_act(people["dispatcher"], call_id, "dispatch")
    assert (early.status_code, early.json["code"]) == (409, "call.invalid_transition")
    assert early.json["allowed_actions"] == ["accept", "reject"]
    not_county = call_act(people["lead"], call_id, "accept")
    assert (not_county.status_code, not_county.json["code"]) == (403, "auth.role_forbidden")
    no_reason = call_act(people["dispatcher"], call_id, "reject")
    assert (no_reason.status_code, no_reason.json["code"]) == (422, "call.reason_required")
    rejected = call_act(people["dispatcher"], call_id, "reject", note="属乡镇职权范围，不予受理")
    assert rejected.json["status"] == "rejected"
    # The case stays with the township team, which may call again.
    second = act(people["lead"], incident["id"], "call_county", note="补充材料后再次请求")
    assert second.status_code == 200
    assert second.json["call_id"] != call_id
    assert act(people["lead2"], incident["id"], "call_county", note="x").status_code == 404


def test_the_case_follows_the_incident_whoever_changes_it(client, db_session, people, report):
    """The incidents room's own duplicate decision closes the case too (database trigger)."""
    first = report("0501")
    second = report("0501", lonlat=(112.8102, 27.8701))
    headers = bearer(people["dispatcher"])
    current = client.get(f"/api/v1/incidents/{second['id']}", headers=headers)
    decided = client.post(
        f"/api/v1/incidents/{second['id']}/duplicate",
        json={"decision": "confirm", "original_id": first["id"]},
        headers={**headers, "If-Match": current.headers["ETag"]},
    )
    assert decided.status_code == 200, decided.json
    case = db_session.get(Case, second["id"])
    db_session.refresh(case)
    assert (case.status, case.closed_at is not None) == ("duplicate", True)
    queue = client.get(
        f"/api/v1/teams/{people['teams']['t1']}/queue", headers=bearer(people["lead"])
    ).json
    assert [f["id"] for f in queue["features"]] == [first["id"]]


def test_the_workers_to_do_list(client, people, report, act, upload_photo):
    incident = report("0501")
    lead, officer, worker = people["lead"], people["officer"], people["worker"]
    for step, body in (("accept", {}), ("dispatch", {}), ("start", {})):
        assert (
            act(lead if step != "start" else officer, incident["id"], step, **body).status_code
            == 200
        )
    evidence = upload_photo(officer, incident["id"], "evidence")
    assert act(officer, incident["id"], "resolve", photo_ids=[evidence]).status_code == 200
    todo = client.get("/api/v1/me/tasks", headers=bearer(worker))
    assert todo.mimetype == "application/geo+json"
    assert [(f["id"], f["properties"]["task"]) for f in todo.json["features"]] == [
        (incident["id"], "verify")
    ]
    assert act(worker, incident["id"], "verify").status_code == 200
    # SCJG cooperates on street markets (协办) and has not answered: the county overrides.
    closing = act(
        people["dispatcher"], incident["id"], "close", override=True, note="协办已电话确认"
    )
    assert closing.status_code == 200
    todo = client.get("/api/v1/me/tasks", headers=bearer(worker)).json
    assert [f["properties"]["task"] for f in todo["features"]] == ["evaluate"]
    assert act(worker, incident["id"], "evaluate", satisfaction=4).status_code == 200
    assert client.get("/api/v1/me/tasks", headers=bearer(worker)).json["features"] == []
    assert client.get("/api/v1/me/tasks", headers=bearer(lead)).status_code == 403


def test_oversized_action_bodies_are_refused(client, app, people, report):
    incident = report()
    oversized = {"action": "reject", "note": "x" * (app.config["INCIDENT_MAX_BYTES"] + 1)}
    for url in (f"/api/v1/incidents/{incident['id']}/actions", "/api/v1/calls/1/actions"):
        response = client.post(
            url, json=oversized, headers={**bearer(people["lead"]), "If-Match": "*"}
        )
        assert (response.status_code, response.json["code"]) == (413, "request.too_large")
