"""乡呼县应: the township calls, the county responds.

A call asks the county to act on an incident the township cannot settle alone. The county's
dispatchers accept it (受理) or reject it (a rejected call counts as 乱呼叫), analyse it (研判: which
department leads, which cooperate), dispatch it (派发); the department responds (响应) and resolves
the incident; the call completes with it, and both sides rate each other (一呼一评). Every step is
also an event in the incident's audit trail. Routing opens calls itself for powers that stay with a
county department.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from flask import current_app
from psycopg2.extras import execute_values
from sqlalchemy import any_, select

from gridsvc.accounts import Scope
from gridsvc.errors import Conflict, Forbidden, Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.incidents import Incident, record_event
from gridsvc.paging import newest_first
from gridsvc.routing.cases.models import Call, Case
from gridsvc.routing.deadlines.clock import deadline
from gridsvc.routing.directory.models import Team
from gridsvc.routing.directory.responsibility import entry_in_force
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.notify import Notice, notify_many

OPEN = ("called", "accepted", "analysed", "dispatched", "responded")
CALLABLE_STATUSES = ("reported", "accepted", "dispatched", "in_progress", "reopened")


def _accept_due(start: datetime) -> datetime:
    return deadline(start, current_app.config["CALL_ACCEPT_HOURS"], "natural")


def new_call_rows(routed: Sequence[tuple[Incident, dict]]) -> None:
    """Calls that routing opens for department-owned cases (bulk, inside intake).

    Each incident comes with the stored routing decision (``Decision.as_dict``).
    """
    now = datetime.now(UTC)
    cursor = db.session.connection().connection.cursor()
    rows = execute_values(
        cursor,
        "INSERT INTO calls (incident_id, county_code, township_code, origin, reason, status,"
        " primary_department_id, cooperating_ids, response_hours, resolution_hours,"
        " deadline_basis, accept_due_at, called_at) VALUES %s RETURNING id, incident_id",
        [
            (
                i.id,
                i.county_code,
                i.township_code,
                "routing",
                d["reason"][-1]["message_zh"] if d["reason"] else None,
                "called",
                d["team"]["id"],
                [t["id"] for t in d["cooperating"]],
                d["response_hours"],
                d["resolution_hours"],
                d["deadline_basis"],
                _accept_due(now),
                now,
            )
            for i, d in routed
        ],
        template="(%s, %s, %s, %s, %s, %s, %s, %s::integer[], %s, %s, %s, %s, %s)",
        fetch=True,
    )
    execute_values(
        cursor,
        "UPDATE cases c SET call_id = v.call_id FROM (VALUES %s) AS v(call_id, incident_id)"
        " WHERE c.incident_id = v.incident_id",
        rows,
    )


def visible_calls(scope: Scope):
    return scope.where(Call.county_code, Call.township_code)


def get_call(scope: Scope, call_id: int, *, for_update: bool = False) -> Call:
    stmt = select(Call).where(Call.id == call_id, visible_calls(scope))
    if for_update:
        stmt = stmt.with_for_update()
    call = db.session.scalar(stmt)
    if call is None:
        raise NotFound(f"call {call_id} not found", code="call.not_found")
    return call


def list_calls(scope: Scope, args: dict) -> tuple[list[Call], str | None]:
    """Newest first; filters: status, county, township, department (primary or cooperating)."""
    stmt = select(Call).where(visible_calls(scope))
    if args.get("status"):
        stmt = stmt.where(Call.status.in_(args["status"]))
    if args.get("county"):
        stmt = stmt.where(Call.county_code == args["county"])
    if args.get("township"):
        stmt = stmt.where(Call.township_code == args["township"])
    if args.get("department_id"):
        dep = args["department_id"]
        stmt = stmt.where((Call.primary_department_id == dep) | (any_(Call.cooperating_ids) == dep))
    if args.get("incident_id"):
        stmt = stmt.where(Call.incident_id == args["incident_id"])
    return newest_first(stmt, Call.id, args.get("cursor"), args.get("limit"))


def create_call(actor, incident: Incident, case: Case, data: dict) -> Call:
    """A township team lead calls the county about a case their team handles."""
    if actor.role not in ("team_lead", "admin"):
        raise Forbidden("Only a township team lead calls the county.", code="auth.role_forbidden")
    if actor.role == "team_lead" and (case.team_id is None or actor.team_id != case.team_id):
        raise Forbidden("Your team does not handle this case.", code="workflow.not_your_case")
    if incident.status not in CALLABLE_STATUSES:
        raise Conflict(
            f"An incident in status {incident.status} cannot be called up to the county.",
            code="call.invalid_status",
            status_now=incident.status,
        )
    if case.call_id and db.session.get(Call, case.call_id).status in OPEN:
        raise Conflict("This case already has an open call.", code="call.already_open")
    department = data.get("department_id")
    entry = entry_in_force(incident.county_code, incident.category_code)
    if department is None and entry is not None and entry.primary_kind == "department":
        department = entry.department_id
    if department is not None:
        _check_department(incident.county_code, department)
    routing = incident.routing or {}
    now = datetime.now(UTC)
    call = Call(
        incident_id=incident.id,
        county_code=incident.county_code,
        township_code=incident.township_code,
        origin="township",
        caller_team_id=case.team_id,
        caller_id=actor.id,
        reason=data["reason"],
        primary_department_id=department,
        cooperating_ids=list(entry.cooperating_ids or []) if entry else [],
        response_hours=routing.get("response_hours") or 2,
        resolution_hours=case.resolution_hours,
        deadline_basis=case.deadline_basis,
        accept_due_at=_accept_due(now),
        called_at=now,
    )
    db.session.add(call)
    db.session.flush()
    case.call_id = call.id
    record_event(
        incident,
        "call_county",
        actor_id=actor.id,
        from_status=incident.status,
        to_status=incident.status,
        note=data["reason"],
        data={"call_id": call.id, "department_id": department},
    )
    _touch(incident)
    people = recipients.lookup([], [incident.county_code])
    notify_many(
        [
            Notice(
                "call.created",
                incident.county_code,
                tuple(people.dispatchers(incident.county_code)),
                f"乡呼县应：{incident.id}号案件请求区县响应",
                f"call:{call.id}:created",
                body=data["reason"],
                incident_id=incident.id,
                data={"call_id": call.id},
            )
        ]
    )
    return call


def _check_department(county: str, team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None or team.county_code != county or team.kind != "county_department":
        raise Invalid(
            "Not a county department of this county.",
            code="call.unknown_department",
            errors={"department_id": ["not a county department of this county"]},
        )
    return team


def _touch(incident: Incident) -> None:
    """A change the incident's readers must notice: new version (ETag) and a feed entry."""
    incident.updated_at = datetime.now(UTC)
    db.session.flush()
