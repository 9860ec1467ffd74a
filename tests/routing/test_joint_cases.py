"""Joint cases (联合执法): the cooperating party (协办) sees the case in its queue, records its
part, and the lead cannot close before it answered unless the county overrides with a reason."""

from __future__ import annotations

from tests.conftest import bearer
from tests.routing.conftest import COUNTY


def _to_verified(people, report, act, upload_photo, lonlat):
    lead, officer, worker = people["lead"], people["officer"], people["worker"]
    incident = report("0501", lonlat=lonlat)  # delegated, with SCJG cooperating (the list)
    assert incident["routing"]["target"] == "township_team"
    assert [t["code"] for t in incident["routing"]["cooperating"]] == ["SCJG"]
    assert act(lead, incident["id"], "accept").status_code == 200
    assert act(lead, incident["id"], "dispatch", assignee_id=officer.id).status_code == 200
    assert act(officer, incident["id"], "start").status_code == 200
    evidence = upload_photo(officer, incident["id"], "evidence")
    assert act(officer, incident["id"], "resolve", photo_ids=[evidence]).status_code == 200
    assert act(worker, incident["id"], "verify").status_code == 200
    return incident


def test_joint_case_in_both_queues_and_closed_after_the_assist(
    client, people, report, act, upload_photo, make_user
):
    scjg = people["teams"]["scjg"]
    handler = make_user(role="department_handler", county_code=COUNTY, team_id=scjg)
    incident = _to_verified(people, report, act, upload_photo, (112.81, 27.87))

    theirs = client.get(f"/api/v1/teams/{scjg}/queue", headers=bearer(handler)).json
    [feature] = [f for f in theirs["features"] if f["id"] == incident["id"]]
    assert (feature["properties"]["role"], feature["properties"]["assist_pending"]) == (
        "assist",
        [scjg],
    )
    ours = client.get(
        f"/api/v1/teams/{people['teams']['t1']}/queue", headers=bearer(people["lead"])
    ).json
    [mine] = [f for f in ours["features"] if f["id"] == incident["id"]]
    assert mine["properties"]["role"] == "lead"

    early = act(people["lead"], incident["id"], "close")
    assert (early.status_code, early.json["code"]) == (409, "workflow.assist_pending")
    assert early.json["pending_team_ids"] == [scjg]
    # Not a cooperator: another department's handler.
    stranger = act(people["ziran"], incident["id"], "assist", note="x")
    assert (stranger.status_code, stranger.json["code"]) == (403, "workflow.not_your_case")
    bare = act(handler, incident["id"], "assist")
    assert (bare.status_code, bare.json["code"]) == (422, "workflow.note_required")
    photo = upload_photo(handler, incident["id"], "evidence", colour=(5, 90, 200))
    assisted = act(
        handler, incident["id"], "assist", note="已核查经营许可并责令整改", photo_ids=[photo]
    )
    assert assisted.status_code == 200, assisted.json

    events = client.get(f"/api/v1/incidents/{incident['id']}/events", headers=bearer(handler)).json
    step = next(e for e in events["items"] if e["action"] == "assist")
    assert step["evidence"]["photo_ids"] == [photo]
    closed = act(people["lead"], incident["id"], "close")
    assert closed.status_code == 200, closed.json
    after = client.get(f"/api/v1/teams/{scjg}/queue", headers=bearer(handler)).json
    assert incident["id"] not in [f["id"] for f in after["features"]]


def test_only_the_county_overrides_with_a_reason(people, report, act, upload_photo):
    incident = _to_verified(people, report, act, upload_photo, (112.815, 27.88))
    lead_override = act(people["lead"], incident["id"], "close", override=True, note="等不及")
    assert (lead_override.status_code, lead_override.json["code"]) == (
        403,
        "workflow.override_forbidden",
    )
    dispatcher = people["dispatcher"]
    no_reason = act(dispatcher, incident["id"], "close", override=True)
    assert (no_reason.status_code, no_reason.json["code"]) == (422, "workflow.note_required")
    closed = act(dispatcher, incident["id"], "close", override=True, note="协办单位已电话确认")
    assert closed.status_code == 200, closed.json
