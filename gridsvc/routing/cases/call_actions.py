"""What the county and the departments do with a call, step by step, each step audited."""

from __future__ import annotations

from datetime import UTC, datetime

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Conflict, Forbidden, Invalid
from gridsvc.incidents import Incident, record_event
from gridsvc.routing.cases.calls import _check_department, _touch
from gridsvc.routing.cases.models import Call, Case
from gridsvc.routing.cases.rules import CALL_RULES, allowed_call_actions
from gridsvc.routing.deadlines.clock import deadline
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.notify import Notice, notify_many

WORKING = ("reported", "accepted", "dispatched", "in_progress", "reopened")


def _authorise(who: str, actor, call: Call) -> None:
    if who == "county" and policy.county_desk(Scope.of(actor), call.county_code):
        return
    if who == "department" and actor.role == "department_handler":
        if actor.team_id == call.primary_department_id:
            return
        raise Forbidden(
            "Only the department the call was dispatched to can do this.",
            code="call.not_your_department",
        )
    if who == "township" and actor.role in ("team_lead", "admin"):
        if (
            actor.role == "admin"
            or actor.team_id == call.caller_team_id
            or (call.caller_team_id is None and actor.township_code == call.township_code)
        ):
            return
        raise Forbidden("Only the calling township rates the response.", code="call.not_caller")
    raise Forbidden(f"This step belongs to the {who}.", code="auth.role_forbidden")


def act_on_call(actor, call: Call, incident: Incident, case: Case, data: dict) -> Call:
    action = data["action"]
    starts, to_status, who = CALL_RULES[action]
    if call.status not in starts:
        raise Conflict(
            f"A call in status {call.status} does not allow {action}.",
            code="call.invalid_transition",
            status_now=call.status,
            allowed_actions=allowed_call_actions(call),
        )
    _authorise(who, actor, call)
    now = datetime.now(UTC)
    before, incident_before = call.status, incident.status
    notices = _STEPS[action](actor, call, incident, case, data, now)
    if to_status:
        call.status = to_status
    record_event(
        incident,
        f"call_{action}",
        actor_id=actor.id,
        from_status=incident_before,
        to_status=incident.status,
        note=data.get("note") or data.get("comment"),
        data={"call_id": call.id, "call_from": before, "call_to": call.status}
        | {k: data[k] for k in ("rating", "primary_department_id", "cooperating_ids") if k in data},
    )
    _touch(incident)
    if notices:
        notify_many(notices)
    return call


def _set_status(incident: Incident, case: Case, status: str, now: datetime) -> None:
    if incident.status == "reported" and status != "reported":
        case.accepted_at = case.accepted_at or now
    incident.status = status


def _accept(actor, call, incident, case, data, now):
    call.accepted_at = now
    if incident.status == "reported":  # the county files the case (立案) by taking the call
        _set_status(incident, case, "accepted", now)
        case.due_at = case.resolution_due_at
    return []


def _reject(actor, call, incident, case, data, now):
    if not data.get("note"):
        raise Invalid(
            "Say why the call is rejected.",
            code="call.reason_required",
            errors={"note": ["required when rejecting"]},
        )
    call.reject_reason = data["note"]
    case.call_id = None
    if case.team_id is None:  # routing called for a township without a team: triage it
        case.route = "triage"
    people = recipients.lookup([call.caller_team_id], [call.county_code])
    return [
        Notice(
            "call.rejected",
            call.county_code,
            tuple(people.leads(call.caller_team_id) or people.dispatchers(call.county_code)),
            f"乡呼县应被退回：{incident.id}号案件",
            f"call:{call.id}:rejected",
            body=data["note"],
            incident_id=incident.id,
            team_id=call.caller_team_id,
        )
    ]


def _analyse(actor, call, incident, case, data, now):
    primary = data.get("primary_department_id") or call.primary_department_id
    if primary is None:
        raise Invalid(
            "Name the lead department.",
            code="call.department_required",
            errors={"primary_department_id": ["required"]},
        )
    cooperating = data.get("cooperating_ids", call.cooperating_ids or [])
    for team_id in {primary, *cooperating}:
        _check_department(call.county_code, team_id)
    if primary in cooperating:
        raise Invalid(
            "The lead department cannot also cooperate.",
            code="call.department_twice",
            errors={"cooperating_ids": ["contains the lead department"]},
        )
    call.primary_department_id = primary
    call.cooperating_ids = list(cooperating)
    call.analysis_note = data.get("note")
    call.analysed_at = now
    return []


def _dispatch(actor, call, incident, case, data, now):
    call.dispatched_at = now
    call.respond_due_at = deadline(now, call.response_hours, call.deadline_basis)
    case.team_id = call.primary_department_id
    case.cooperating_ids = list(call.cooperating_ids or [])
    case.route = "county_call"
    case.assignee_id = None
    case.dispatched_at = now
    case.resolution_due_at = deadline(now, call.resolution_hours, call.deadline_basis)
    case.due_at = case.resolution_due_at
    case.overdue_since = None
    if incident.status in WORKING:
        _set_status(incident, case, "dispatched", now)
    teams = [call.primary_department_id, *(call.cooperating_ids or [])]
    people = recipients.lookup(teams, [call.county_code])
    return [
        Notice(
            "call.dispatched",
            call.county_code,
            tuple(people.members(team_id)),
            f"乡呼县应派发：{incident.id}号案件"
            + ("（主办）" if team_id == call.primary_department_id else "（协办）"),
            f"call:{call.id}:dispatched:{team_id}",
            incident_id=incident.id,
            team_id=team_id,
            data={"call_id": call.id, "lead": team_id == call.primary_department_id},
        )
        for team_id in teams
    ]


def _respond(actor, call, incident, case, data, now):
    call.responded_at = now
    if incident.status in ("dispatched", "reopened"):
        incident.status = "in_progress"
    if actor.role == "department_handler" and case.assignee_id is None:
        case.assignee_id = actor.id
    return []


def _rating(data: dict) -> int:
    rating = data.get("rating")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Invalid(
            "A rating is a whole number from 1 to 5.",
            code="call.rating_required",
            errors={"rating": ["1 to 5"]},
        )
    return rating


def _rate_department(actor, call, incident, case, data, now):
    if call.township_rating is not None:
        raise Conflict("The township has rated this call already.", code="call.already_rated")
    call.township_rating = _rating(data)
    call.township_comment = data.get("comment")
    call.township_rated_by, call.township_rated_at = actor.id, now
    return []


def _rate_township(actor, call, incident, case, data, now):
    if call.department_rating is not None:
        raise Conflict("The department has rated this call already.", code="call.already_rated")
    call.department_rating = _rating(data)
    call.department_comment = data.get("comment")
    call.department_rated_by, call.department_rated_at = actor.id, now
    return []


_STEPS = {
    "accept": _accept,
    "reject": _reject,
    "analyse": _analyse,
    "dispatch": _dispatch,
    "respond": _respond,
    "rate_department": _rate_department,
    "rate_township": _rate_township,
}


def complete_with_incident(call: Call, incident: Incident, actor_id: int, now: datetime) -> None:
    """The department resolved the incident: its call is complete (and open for rating)."""
    before = call.status
    call.status, call.completed_at = "completed", now
    record_event(
        incident,
        "call_completed",
        actor_id=actor_id,
        from_status=incident.status,
        to_status=incident.status,
        data={"call_id": call.id, "call_from": before, "call_to": "completed"},
    )
