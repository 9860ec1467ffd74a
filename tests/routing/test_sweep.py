"""The SLA sweep: a case past its deadline gets a supervision notice (督办) exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from gridsvc.routing.cases.models import Case
from gridsvc.routing.deadlines.models import SupervisionNotice
from gridsvc.routing.deadlines.sweep import sweep
from gridsvc.routing.notices.models import Notification
from tests.conftest import bearer


def _events(db_session, incident_id, action="supervise"):
    return (
        db_session.execute(
            text(
                "SELECT data FROM incident_events WHERE incident_id = :i AND action = :a ORDER BY id"
            ),
            {"i": incident_id, "a": action},
        )
        .scalars()
        .all()
    )


def test_overdue_case_is_supervised_exactly_once(app, client, db_session, people, report):
    incident = report("0501")
    case = db_session.get(Case, incident["id"])
    late = case.response_due_at + timedelta(minutes=1)

    assert sweep(now=case.response_due_at - timedelta(minutes=1)) == {"notices": 0}
    assert sweep(now=late) == {"notices": 1}
    assert sweep(now=late) == {"notices": 0}  # idempotent
    assert sweep(now=late + timedelta(minutes=5)) == {"notices": 0}

    (notice,) = SupervisionNotice.query.all()
    assert (notice.kind, notice.level, notice.team_id) == (
        "response_overdue",
        1,
        people["teams"]["t1"],
    )
    assert notice.due_at == case.response_due_at
    db_session.refresh(case)
    assert case.overdue_since == case.response_due_at
    (event,) = _events(db_session, incident["id"])
    assert event["kind"] == "response_overdue"
    # The team's lead and the county's dispatchers are told, each once.
    told = {n.user_id for n in Notification.query.filter_by(event="case.supervised")}
    assert told == {people["lead"].id, people["dispatcher"].id}
    inbox = client.get("/api/v1/me/notifications", headers=bearer(people["lead"])).json
    assert [n["title"] for n in inbox["items"]].count(
        f"督办：{incident['id']}号案件超时未受理"
    ) == 1
    # The team sees the notice; another township's lead does not.
    mine = client.get("/api/v1/supervision-notices", headers=bearer(people["lead"])).json
    assert [n["incident_id"] for n in mine["items"]] == [incident["id"]]
    theirs = client.get("/api/v1/supervision-notices", headers=bearer(people["lead2"])).json
    assert theirs["items"] == []
    # Still overdue a day later: one level up, to the supervisors, once.
    escalated = late + timedelta(hours=app.config["SUPERVISION_ESCALATE_HOURS"])
    assert sweep(now=escalated) == {"notices": 1}
    assert sweep(now=escalated) == {"notices": 0}
    levels = sorted(n.level for n in SupervisionNotice.query.all())
    assert levels == [1, 2]
    supervisors = {
        n.user_id
        for n in Notification.query.filter_by(event="case.supervised")
        if "升级" in n.title
    }
    assert supervisors == {people["supervisor"].id}


def test_accepted_case_is_supervised_on_its_resolution_deadline(db_session, people, report, act):
    incident = report("0501")
    assert act(people["lead"], incident["id"], "accept").status_code == 200
    case = db_session.get(Case, incident["id"])
    assert case.due_at == case.resolution_due_at
    assert sweep(now=case.response_due_at + timedelta(minutes=1)) == {"notices": 0}
    assert sweep(now=case.resolution_due_at + timedelta(minutes=1)) == {"notices": 1}
    assert SupervisionNotice.query.one().kind == "resolution_overdue"


def test_closed_cases_are_left_alone(db_session, people, report, act):
    incident = report("0501")
    assert act(people["lead"], incident["id"], "reject", note="不属实").status_code == 200
    case = db_session.get(Case, incident["id"])
    assert case.closed_at is not None
    assert sweep(now=case.resolution_due_at + timedelta(days=3)) == {"notices": 0}


def test_an_approved_extension_moves_the_deadline_and_a_new_miss_is_noticed(
    db_session, people, report, act
):
    incident = report("0501")
    lead, dispatcher = people["lead"], people["dispatcher"]
    for step in ("accept", "dispatch"):
        assert act(lead, incident["id"], step).status_code == 200
    case = db_session.get(Case, incident["id"])
    first_due = case.resolution_due_at
    assert sweep(now=first_due + timedelta(minutes=1)) == {"notices": 1}
    asked = act(lead, incident["id"], "request_extension", hours=48, note="需协调产权单位")
    assert asked.json["pending_extension"]["hours"] == 48
    twice = act(lead, incident["id"], "request_extension", hours=8, note="again")
    assert (twice.status_code, twice.json["code"]) == (409, "workflow.extension_pending")
    approved = act(dispatcher, incident["id"], "approve_extension")
    assert approved.status_code == 200, approved.json
    db_session.refresh(case)
    assert case.resolution_due_at == first_due + timedelta(hours=48)
    assert (case.extension_count, case.pending_extension) == (1, None)
    assert sweep(now=first_due + timedelta(hours=47)) == {"notices": 0}
    assert sweep(now=first_due + timedelta(hours=49)) == {"notices": 1}
    nothing = act(dispatcher, incident["id"], "approve_extension")
    assert (nothing.status_code, nothing.json["code"]) == (409, "workflow.no_pending_extension")


def test_unanswered_call_is_supervised_and_goes_up(db_session, people, report, act):
    incident = report("0501")
    called = act(people["lead"], incident["id"], "call_county", note="需要区里支持")
    call_id = called.json["call_id"]
    from gridsvc.routing.cases.models import Call

    call = db_session.get(Call, call_id)
    late = call.accept_due_at + timedelta(minutes=1)
    # The case's own response deadline (1 h) has also passed by then: both are noticed.
    assert sweep(now=late) == {"notices": 2}
    kinds = sorted(n.kind for n in SupervisionNotice.query.all())
    assert kinds == ["call_unaccepted", "response_overdue"]
    db_session.refresh(call)
    assert call.escalation_level == 1
    told = {
        n.user_id
        for n in Notification.query.filter_by(event="case.supervised")
        if "乡呼县应" in n.title
    }
    assert told == {people["dispatcher"].id, people["supervisor"].id}
    assert sweep(now=late) == {"notices": 0}
