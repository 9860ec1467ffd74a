"""退回: a team says a case is not theirs, and it goes to the next party routing finds.

The returning team is never chosen again for this case (``cases.returned_by``), and every return
counts (``return_count``, read by the 推诿 figures). A department returning a case it got through a
乡呼县应 call hands it back to the county's dispatchers, who analyse the call again.
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2.shape import to_shape

from gridsvc.extensions import db
from gridsvc.incidents import Incident
from gridsvc.routing.cases.calls import new_call_rows
from gridsvc.routing.cases.models import Call, Case
from gridsvc.routing.decision import COUNTY_CALL, TOWNSHIP_TEAM, route_many
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.notify import Notice, notify_many


def return_case(actor, incident: Incident, case: Case, note: str, now: datetime) -> dict:
    returning = case.team_id
    case.returned_by = sorted({*(case.returned_by or []), returning})
    case.return_count += 1
    case.assignee_id = None
    incident.status = "accepted" if case.accepted_at else "reported"
    call = db.session.get(Call, case.call_id) if case.call_id else None
    if call is not None and call.status in ("dispatched", "responded"):
        # Back to the county: the call is analysed again without this department.
        call.status, call.primary_department_id = "accepted", None
        call.cooperating_ids = [i for i in call.cooperating_ids or [] if i != returning]
        case.team_id, case.cooperating_ids = None, []
        _tell_dispatchers(incident, case, note, f"改派：{incident.id}号案件被承办部门退回")
        return {"returned_by": returning, "to": "county_dispatchers", "call_id": call.id}
    point = to_shape(incident.geom)
    decisions, worlds = route_many(
        [incident], [(point.x, point.y)], {incident.id: frozenset(case.returned_by)}
    )
    decision = decisions[0]
    stored = decision.as_dict(worlds[incident.county_code].directory.teams)
    incident.routing = stored
    case.route = decision.target
    case.team_id = decision.team_id if decision.target == TOWNSHIP_TEAM else None
    case.cooperating_ids = list(decision.cooperating_ids) if case.team_id else []
    if decision.target == COUNTY_CALL:
        db.session.flush()
        new_call_rows([(incident, stored)])
        db.session.refresh(case)
    if case.team_id is not None:
        people = recipients.lookup([case.team_id], [])
        notify_many(
            [
                Notice(
                    "case.routed",
                    incident.county_code,
                    tuple(people.leads(case.team_id)),
                    f"退回改派：{incident.id}号案件转由本队承办",
                    f"returned:{incident.id}:{case.return_count}",
                    body=note,
                    incident_id=incident.id,
                    team_id=case.team_id,
                )
            ]
        )
    else:
        _tell_dispatchers(incident, case, note, f"退回：{incident.id}号案件待区县分拨")
    return {"returned_by": returning, "routing": stored}


def _tell_dispatchers(incident: Incident, case: Case, note: str, title: str) -> None:
    people = recipients.lookup([], [incident.county_code])
    notify_many(
        [
            Notice(
                "case.returned",
                incident.county_code,
                tuple(people.dispatchers(incident.county_code)),
                title,
                f"returned:{incident.id}:{case.return_count}",
                body=note,
                incident_id=incident.id,
            )
        ]
    )
