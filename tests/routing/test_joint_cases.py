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


def test_a_cooperating_township_team_reads_the_incident_and_nobody_else_gains(
    client, db_session, people, report, act, upload_photo, make_user
):
    """A township team of another township listed as 协办 opens the incident, its photos and
    trail, and records its part; its neighbours' other cases stay hidden, as do its
    colleagues without a handler role."""
    from gridsvc.routing.cases.models import Case
    from tests.routing.conftest import T2

    t2 = people["teams"]["t2"]
    joint = report("0501", lonlat=(112.812, 27.871))
    other = report("0501", lonlat=(112.813, 27.872))
    photo = upload_photo(people["worker"], joint["id"], "report", colour=(70, 70, 70))
    lead2 = bearer(people["lead2"])
    url = f"/api/v1/incidents/{joint['id']}"
    assert client.get(url, headers=lead2).status_code == 404  # not a party yet

    case = db_session.get(Case, joint["id"])
    case.cooperating_ids = [t2]  # the county names 城正街街道's team as 协办
    db_session.flush()
    assert client.get(url, headers=lead2).status_code == 200
    assert client.get(f"{url}/events", headers=lead2).status_code == 200
    assert [p["id"] for p in client.get(f"{url}/photos", headers=lead2).json] == [photo]
    assert client.get(f"{url}/photos/{photo}/thumbnail", headers=lead2).status_code == 200
    listed = client.get("/api/v1/incidents?limit=500", headers=lead2).json["items"]
    assert joint["id"] in [i["id"] for i in listed]
    assert other["id"] not in [i["id"] for i in listed]
    assert act(people["lead"], joint["id"], "accept").status_code == 200
    assisted = act(people["lead2"], joint["id"], "assist", note="配合清理占道摊点")
    assert assisted.status_code == 200, assisted.json

    # Nobody else gains: the other T1 case, a T2 grid worker, and T2 staff of no team.
    assert client.get(f"/api/v1/incidents/{other['id']}", headers=lead2).status_code == 404
    t2_worker = make_user(role="grid_worker", county_code=COUNTY, township_code=T2)
    t2_teamless = make_user(role="officer", county_code=COUNTY, township_code=T2)
    for user in (t2_worker, t2_teamless):
        assert client.get(url, headers=bearer(user)).status_code == 404
