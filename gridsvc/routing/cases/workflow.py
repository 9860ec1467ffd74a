"""The case workflow: ``POST /incidents/{id}/actions`` moves a case through DESIGN.md §4.

:mod:`gridsvc.routing.cases.rules` says which action leads from which status to which and which party may
take it; this module checks the caller is that party for *this* case (a member of the handling
team, the county's dispatchers, the grid's worker …), applies the effects on the case (deadlines,
assignee, counters) and appends the event. An illegal transition is 409 with the actions the
caller could take instead.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from gridsvc.accounts import Scope, User, policy
from gridsvc.errors import Conflict, Forbidden, Invalid
from gridsvc.extensions import db
from gridsvc.incidents import Incident, duplicates, record_event
from gridsvc.routing.cases import evidence, extension_requests
from gridsvc.routing.cases.call_actions import complete_with_incident
from gridsvc.routing.cases.evidence import photos_of
from gridsvc.routing.cases.models import Call, Case
from gridsvc.routing.cases.rerouting import return_case
from gridsvc.routing.cases.rules import LEADS, PARTY_ROLES, RULES, Rule, actions_from
from gridsvc.routing.deadlines.clock import deadline
from gridsvc.routing.directory.models import Team
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.notify import Notice, notify_many
from gridsvc.workers import GridAssignment, assigned_grid_codes


def parties(actor, incident: Incident, case: Case) -> set[str]:
    """Which of the rules' parties the caller is for this case."""
    found = set()
    scope = Scope.of(actor)
    if actor.role in PARTY_ROLES["handler"] and actor.team_id and actor.team_id == case.team_id:
        found.add("handler")
    if (
        actor.role in PARTY_ROLES["handler"]
        and actor.team_id
        and actor.team_id in (case.cooperating_ids or [])
    ):
        found.add("cooperator")
    # The policy's county desk and supervisors: county-level only, so a township admin is neither.
    if policy.county_desk(scope, incident.county_code):
        found.add("county")
    if policy.supervises(scope, incident.county_code):
        found.add("supervisor")
    if actor.role == "grid_worker" and (
        incident.reporter_id == actor.id
        or (incident.grid_code and incident.grid_code in assigned_grid_codes(actor.id))
    ):
        found.add("field")
    return found


def _may(rule: Rule, actor, mine: set[str]) -> bool:
    if not mine.intersection(rule.who):
        return False
    if rule.lead_only and mine.intersection(rule.who) == {"handler"}:
        return actor.role in LEADS
    return True


def allowed_actions(actor, incident: Incident, case: Case | None) -> list[str]:
    """The actions this caller may take on this case now."""
    if case is None:
        return []
    mine = parties(actor, incident, case)
    return [a for a in actions_from(incident.status) if _may(RULES[a], actor, mine)]


def act(scope: Scope, actor, incident: Incident, data: dict) -> Case:
    """Apply one action; runs in the caller's transaction (the API commits)."""
    case = db.session.get(Case, incident.id, with_for_update=True)
    if case is None:
        raise Conflict("The incident has not been routed.", code="workflow.not_routed")
    rule = RULES[data["action"]]
    if incident.status not in rule.from_statuses:
        raise Conflict(
            f"{data['action']} is not possible while the case is {incident.status}.",
            code="workflow.invalid_transition",
            status_now=incident.status,
            allowed_actions=allowed_actions(actor, incident, case),
        )
    mine = parties(actor, incident, case)
    if not _may(rule, actor, mine):
        raise Forbidden(
            f"{data['action']} belongs to: {', '.join(rule.who)}"
            + (" (team lead)" if rule.lead_only else "")
            + "; you are not that party for this case.",
            code="workflow.not_your_case",
            allowed_actions=allowed_actions(actor, incident, case),
        )
    if rule.needs_note and not (data.get("note") or "").strip():
        raise Invalid(
            f"{data['action']} needs a reason (note).",
            code="workflow.note_required",
            errors={"note": ["required for this action"]},
        )
    now = datetime.now(UTC)
    before = incident.status
    extra = _EFFECTS[rule.action](scope, actor, incident, case, data, now) or {}
    then = extra.pop("then", None)  # follow-ups that belong after this action in the trail
    if rule.to_status and incident.status == before:
        incident.status = rule.to_status
    if rule.action not in ("mark_duplicate", "dismiss_duplicate"):  # those record themselves
        record_event(
            incident,
            rule.action,
            actor_id=actor.id,
            from_status=before,
            to_status=incident.status,
            note=data.get("note"),
            evidence=extra.pop("evidence", None),
            data=extra or None,
        )
    if then is not None:
        then()
    incident.updated_at = now  # a new ETag and a feed entry even when the status stays
    db.session.flush()
    # The trigger cases_follow_incident has just set these in the database.
    db.session.expire(case, ["status", "closed_at"])
    return case


# --- effects ---------------------------------------------------------------------------------


def _accept(scope, actor, incident, case, data, now):
    case.accepted_at = now
    case.due_at = case.resolution_due_at


def _reject(scope, actor, incident, case, data, now):
    return None


def _mark_duplicate(scope, actor, incident, case, data, now):
    duplicates.confirm_duplicate(
        scope, actor.id, incident, data.get("original_id"), data.get("note")
    )


def _dismiss_duplicate(scope, actor, incident, case, data, now):
    duplicates.dismiss_duplicate(scope, actor.id, incident, data.get("note"))


def _member(team_id: int, user_id: int) -> User:
    # The assignee is checked as a member of the handling team, whose lead or county desk the
    # caller is (``parties``): a shared team's officer from the other township is no outsider,
    # and anyone else answers like an id that does not exist.
    user = db.session.get(User, user_id)
    if user is None or user.team_id != team_id or not user.active:
        raise Invalid(
            "The assignee must be an active member of the handling team.",
            code="workflow.assignee_not_in_team",
            errors={"assignee_id": ["not an active member of the handling team"]},
        )
    return user


def _dispatch(scope, actor, incident, case, data, now):
    team_id = data.get("team_id") or case.team_id
    if team_id != case.team_id and "county" not in parties(actor, incident, case):
        raise Forbidden(
            "Only the county dispatches a case to another team.", code="workflow.not_your_case"
        )
    if team_id is None:
        raise Invalid(
            "Name the team to dispatch to (the case is in triage).",
            code="workflow.team_required",
            errors={"team_id": ["required"]},
        )
    team = db.session.get(Team, team_id)
    if (
        team is None
        or team.county_code != incident.county_code
        or not policy.sees_county(scope, team.county_code)
        or not team.active
    ):
        raise Invalid(
            "Not an active team of this county.",
            code="workflow.unknown_team",
            errors={"team_id": ["not an active team of this county"]},
        )
    if team.id != case.team_id:
        case.route = "township_team" if team.kind == "township_team" else "county_department"
        case.team_id, case.cooperating_ids = team.id, []
    case.assignee_id = _member(team.id, data["assignee_id"]).id if data.get("assignee_id") else None
    case.dispatched_at = now
    people = recipients.lookup([team.id], [])
    notify_many(
        [
            Notice(
                "case.dispatched",
                incident.county_code,
                tuple([case.assignee_id] if case.assignee_id else people.members(team.id)),
                f"新派遣：{incident.id}号案件",
                f"dispatched:{incident.id}:{int(now.timestamp())}",
                incident_id=incident.id,
                team_id=team.id,
            )
        ]
    )
    return {"team_id": team.id, "assignee_id": case.assignee_id}


def _assign(scope, actor, incident, case, data, now):
    if not data.get("assignee_id"):
        raise Invalid(
            "Name the officer.",
            code="workflow.assignee_required",
            errors={"assignee_id": ["required"]},
        )
    case.assignee_id = _member(case.team_id, data["assignee_id"]).id
    notify_many(
        [
            Notice(
                "case.assigned",
                incident.county_code,
                (case.assignee_id,),
                f"指派给您：{incident.id}号案件",
                f"assigned:{incident.id}:{case.assignee_id}:{int(now.timestamp())}",
                incident_id=incident.id,
                team_id=case.team_id,
            )
        ]
    )
    return {"assignee_id": case.assignee_id}


def _start(scope, actor, incident, case, data, now):
    if case.assignee_id is None:
        case.assignee_id = actor.id


def _resolve(scope, actor, incident, case, data, now):
    photos = photos_of(incident, data.get("photo_ids"), "evidence")
    if not photos:
        raise Invalid(
            "Resolving needs evidence: upload a photo (kind=evidence) and name it in photo_ids.",
            code="workflow.evidence_required",
            errors={"photo_ids": ["at least one evidence photo of this incident"]},
        )
    case.resolved_at = now
    call = db.session.get(Call, case.call_id) if case.call_id is not None else None
    then = None
    if call is not None and call.status in ("dispatched", "responded"):

        def then():
            complete_with_incident(call, incident, actor.id, now)

    workers = _grid_workers(incident)
    notify_many(
        [
            Notice(
                "case.resolved",
                incident.county_code,
                tuple(workers),
                f"待核查：{incident.id}号案件已处置",
                f"resolved:{incident.id}:{int(now.timestamp())}",
                incident_id=incident.id,
            )
        ]
    )
    return {"evidence": {"photo_ids": photos}, "then": then}


def _grid_workers(incident: Incident) -> list[int]:

    holders = db.session.scalars(
        select(GridAssignment.user_id).where(
            GridAssignment.grid_code == incident.grid_code, GridAssignment.valid_to.is_(None)
        )
    ).all()
    return sorted({incident.reporter_id, *holders})


def _verify(scope, actor, incident, case, data, now):
    photos = photos_of(incident, data.get("photo_ids"), "verification")
    return {"evidence": {"photo_ids": photos}} if photos else None


def _fail_verification(scope, actor, incident, case, data, now):
    case.reopen_count += 1
    case.resolved_at = None
    case.resolution_due_at = deadline(now, case.resolution_hours, case.deadline_basis)
    case.due_at, case.overdue_since = case.resolution_due_at, None
    people = recipients.lookup([case.team_id], [])
    notify_many(
        [
            Notice(
                "case.reopened",
                incident.county_code,
                tuple(people.members(case.team_id)),
                f"返工：{incident.id}号案件核查未通过",
                f"reopened:{incident.id}:{case.reopen_count}",
                body=data.get("note"),
                incident_id=incident.id,
                team_id=case.team_id,
            )
        ]
    )
    return _verify(scope, actor, incident, case, data, now)


def _close(scope, actor, incident, case, data, now):
    """The lead closes once every 协办 party has answered; the county may override, with a reason."""
    pending = sorted(set(case.cooperating_ids or []) - set(case.assisted_ids or []))
    if not pending:
        return None
    if not data.get("override"):
        raise Conflict(
            "Cooperating parties have not recorded their part (assist) yet.",
            code="workflow.assist_pending",
            pending_team_ids=pending,
        )
    if "county" not in parties(actor, incident, case):
        raise Forbidden(
            "Only the county's dispatcher closes a joint case before the cooperating parties "
            "answered.",
            code="workflow.override_forbidden",
        )
    if not (data.get("note") or "").strip():
        raise Invalid(
            "Overriding needs a reason (note).",
            code="workflow.note_required",
            errors={"note": ["required to close before the cooperating parties answered"]},
        )
    return {"override": True, "pending_team_ids": pending}


def _evaluate(scope, actor, incident, case, data, now):
    rating = data.get("satisfaction")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Invalid(
            "Evaluation needs satisfaction from 1 to 5.",
            code="workflow.satisfaction_required",
            errors={"satisfaction": ["1 to 5"]},
        )
    case.satisfaction = rating
    return {"satisfaction": rating}


def _return(scope, actor, incident, case, data, now):
    return return_case(actor, incident, case, data["note"], now)


_EFFECTS = {
    "accept": _accept,
    "reject": _reject,
    "mark_duplicate": _mark_duplicate,
    "dismiss_duplicate": _dismiss_duplicate,
    "dispatch": _dispatch,
    "assign": _assign,
    "start": _start,
    "resolve": _resolve,
    "verify": _verify,
    "fail_verification": _fail_verification,
    "close": _close,
    "assist": evidence.assist,
    "fix_on_site": evidence.fix_on_site,
    "evaluate": _evaluate,
    "return": _return,
    "request_extension": extension_requests.request,
    "approve_extension": extension_requests.approve,
    "deny_extension": extension_requests.deny,
}
