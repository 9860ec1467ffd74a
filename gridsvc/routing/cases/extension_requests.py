"""延期: the handling team asks for more time with a reason; the county approves or denies.

An approved extension moves the resolution deadline (in the case's deadline basis), counts toward
the 延期率 figure, and clears the overdue mark when the new deadline lies ahead.
"""

from __future__ import annotations

from gridsvc.errors import Conflict, Invalid
from gridsvc.routing.cases.models import Case
from gridsvc.routing.deadlines.clock import deadline
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.notify import Notice, notify_many


def request(scope, actor, incident, case, data, now):
    hours = data.get("hours")
    if not isinstance(hours, int | float) or not 0 < hours <= 720:
        raise Invalid(
            "Ask for 1 to 720 more hours.",
            code="workflow.extension_hours",
            errors={"hours": ["between 0 and 720"]},
        )
    if case.pending_extension:
        raise Conflict(
            "An extension request is already waiting.", code="workflow.extension_pending"
        )
    case.pending_extension = {
        "hours": hours,
        "reason": data["note"],
        "by": actor.id,
        "at": now.isoformat(),
    }
    people = recipients.lookup([], [incident.county_code])
    notify_many(
        [
            Notice(
                "case.extension_requested",
                incident.county_code,
                tuple(people.dispatchers(incident.county_code)),
                f"延期申请：{incident.id}号案件申请延期{hours:g}小时",
                f"extension:{incident.id}:{case.extension_count}:{now.isoformat()}",
                body=data["note"],
                incident_id=incident.id,
                team_id=case.team_id,
            )
        ]
    )
    return {"hours": hours}


def _no_pending(case: Case) -> None:
    if not case.pending_extension:
        raise Conflict("No extension request is waiting.", code="workflow.no_pending_extension")


def approve(scope, actor, incident, case, data, now):
    _no_pending(case)
    hours = case.pending_extension["hours"]
    before = case.resolution_due_at
    case.resolution_due_at = deadline(before, hours, case.deadline_basis)
    if case.accepted_at is not None:
        case.due_at = case.resolution_due_at
    if case.due_at > now:
        case.overdue_since = None
    case.extension_count += 1
    case.pending_extension = None
    return {
        "hours": hours,
        "due_before": before.isoformat(),
        "due_after": case.resolution_due_at.isoformat(),
    }


def deny(scope, actor, incident, case, data, now):
    _no_pending(case)
    hours = case.pending_extension["hours"]
    case.pending_extension = None
    return {"hours": hours}
