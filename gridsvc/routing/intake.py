"""New incidents become cases: routed, given deadlines, and announced to whoever must act.

Subscribed to ``incidents_reported`` (sent inside the reporting transaction), so a report and its
routing commit together and the report's response already carries ``routing``. An offline batch of
a hundred reports costs a fixed number of statements here, not a hundred of each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from geoalchemy2.shape import to_shape
from psycopg2.extras import execute_values
from sqlalchemy.orm.attributes import set_committed_value

from gridsvc.extensions import db
from gridsvc.incidents.models import Incident
from gridsvc.incidents.signals import incidents_reported
from gridsvc.jsonio import dumps_bytes
from gridsvc.routing import recipients
from gridsvc.routing.calls import new_call_rows
from gridsvc.routing.clock import deadline
from gridsvc.routing.decision import route_many
from gridsvc.routing.engine import COUNTY_CALL, TOWNSHIP_TEAM, Decision
from gridsvc.routing.notifications import Notice, notify_many


@incidents_reported.connect
def _route_reported(_sender, incidents: Sequence[Incident], actor_id: int | None, **_kwargs):
    open_cases(incidents, actor_id)


def open_cases(incidents: Sequence[Incident], actor_id: int | None) -> list[Decision]:
    if not incidents:
        return []
    points = [(p.x, p.y) for p in (to_shape(i.geom) for i in incidents)]
    decisions, directories = route_many(incidents, points)
    stored = [
        d.as_dict(directories[i.county_code].teams)
        for i, d in zip(incidents, decisions, strict=True)
    ]
    cursor = db.session.connection().connection.cursor()
    case_rows = []
    for incident, decision in zip(incidents, decisions, strict=True):
        start: datetime = incident.received_at
        response_due = deadline(start, decision.response_hours, decision.deadline_basis)
        resolution_due = deadline(start, decision.resolution_hours, decision.deadline_basis)
        acting = decision.team_id if decision.target == TOWNSHIP_TEAM else None
        case_rows.append(
            (
                incident.id,
                incident.county_code,
                incident.township_code,
                incident.status,
                decision.target,
                acting,
                list(decision.cooperating_ids) if acting else [],
                decision.deadline_basis,
                decision.resolution_hours,
                response_due,
                resolution_due,
                response_due,
            )
        )
    execute_values(
        cursor,
        "INSERT INTO cases (incident_id, county_code, township_code, status, route, team_id,"
        " cooperating_ids, deadline_basis, resolution_hours, response_due_at, resolution_due_at,"
        " due_at) VALUES %s",
        case_rows,
        template="(%s, %s, %s, %s, %s, %s, %s::integer[], %s, %s, %s, %s, %s)",
    )
    execute_values(
        cursor,
        "UPDATE incidents i SET routing = v.routing::jsonb FROM (VALUES %s) AS v(id, routing)"
        " WHERE i.id = v.id",
        [(i.id, dumps_bytes(s).decode()) for i, s in zip(incidents, stored, strict=True)],
    )
    execute_values(
        cursor,
        "INSERT INTO incident_events (incident_id, county_code, township_code, actor_id, action,"
        " from_status, to_status, data) VALUES %s",
        [
            (
                i.id,
                i.county_code,
                i.township_code,
                None,
                "routed",
                i.status,
                i.status,
                dumps_bytes(s).decode(),
            )
            for i, s in zip(incidents, stored, strict=True)
        ],
        template="(%s, %s, %s, %s, %s, %s, %s, %s::jsonb)",
    )
    for incident, value in zip(incidents, stored, strict=True):
        set_committed_value(incident, "routing", value)
    calls = [
        (incident, decision)
        for incident, decision in zip(incidents, decisions, strict=True)
        if decision.target == COUNTY_CALL
    ]
    if calls:
        new_call_rows(calls)
    _announce(incidents, decisions)
    return decisions


def _announce(incidents: Sequence[Incident], decisions: Sequence[Decision]) -> None:
    team_ids = {d.team_id for d in decisions if d.target == TOWNSHIP_TEAM}
    counties = {i.county_code for i in incidents}
    people = recipients.lookup(team_ids, counties)
    notices = []
    for incident, decision in zip(incidents, decisions, strict=True):
        if decision.target == TOWNSHIP_TEAM:
            users = people.leads(decision.team_id)
            title = f"新案件待受理：{incident.id}号"
        else:
            users = people.dispatchers(incident.county_code)
            title = (
                f"乡呼县应：{incident.id}号案件待受理"
                if decision.target == COUNTY_CALL
                else f"待分拨：{incident.id}号案件（清单未覆盖）"
            )
        notices.append(
            Notice(
                "case.routed",
                incident.county_code,
                tuple(users),
                title,
                f"routed:{incident.id}",
                body=decision.reason[-1].message_zh if decision.reason else None,
                incident_id=incident.id,
                team_id=decision.team_id,
                data={"target": decision.target},
            )
        )
    notify_many(notices)
