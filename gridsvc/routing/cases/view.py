"""The case as its readers see it: handler, deadlines, counters, and what the caller may do next."""

from __future__ import annotations

from datetime import UTC, datetime

from gridsvc.extensions import db
from gridsvc.incidents import Incident
from gridsvc.routing.cases.calls import CALLABLE_STATUSES, OPEN
from gridsvc.routing.cases.models import Call, Case
from gridsvc.routing.cases.workflow import allowed_actions
from gridsvc.routing.directory.models import Team


def view(actor, incident: Incident, case: Case) -> dict:
    team = db.session.get(Team, case.team_id) if case.team_id else None
    actions = allowed_actions(actor, incident, case)
    if _may_call(actor, incident, case):
        actions.append("call_county")
    return {
        "incident_id": incident.id,
        "status": incident.status,
        "route": case.route,
        "team": {"id": team.id, "code": team.code, "name": team.name, "kind": team.kind}
        if team
        else None,
        "cooperating_ids": list(case.cooperating_ids or []),
        "assisted_ids": list(case.assisted_ids or []),
        "on_site": case.on_site,
        "on_site_sampled": case.on_site_sampled,
        "assignee_id": case.assignee_id,
        "call_id": case.call_id,
        "response_due_at": case.response_due_at,
        "resolution_due_at": case.resolution_due_at,
        "due_at": case.due_at,
        "overdue": case.closed_at is None and case.due_at < datetime.now(UTC),
        "overdue_since": case.overdue_since,
        "accepted_at": case.accepted_at,
        "dispatched_at": case.dispatched_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "return_count": case.return_count,
        "reopen_count": case.reopen_count,
        "extension_count": case.extension_count,
        "pending_extension": case.pending_extension,
        "satisfaction": case.satisfaction,
        "routing": incident.routing,
        "allowed_actions": actions,
    }


def _may_call(actor, incident: Incident, case: Case) -> bool:
    if actor.role != "team_lead" or actor.team_id is None or actor.team_id != case.team_id:
        return False
    if incident.status not in CALLABLE_STATUSES:
        return False
    return not (case.call_id and db.session.get(Call, case.call_id).status in OPEN)
