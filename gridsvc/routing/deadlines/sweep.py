"""The SLA sweep: overdue cases and calls get a supervision notice (督办), once.

Runs every minute from Celery beat (``routing.sla_sweep``) and by hand (``flask routing sla
sweep``). Each missed deadline yields one notice per level — the unique index on
(incident, kind, level, deadline) makes a rerun, or two sweeps racing, add nothing — plus an
audit event and inbox lines. Level 1 goes to whoever must act, with the level above copied (the
county's dispatchers for a township team, the supervisors for the county's own steps); a case
still overdue ``SUPERVISION_ESCALATE_HOURS`` later gets a level 2 notice to the supervisors.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from psycopg2.extras import execute_values
from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.jsonio import dumps_bytes
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.notify import Notice, notify_many

BATCH = 1000

# (incident, kind, level, deadline, team, call) for every missed deadline not yet noticed.
DUE_SQL = """
WITH missed AS (
    SELECT c.incident_id, c.county_code, c.township_code, c.team_id, NULL::bigint AS call_id,
           CASE WHEN c.accepted_at IS NULL THEN 'response_overdue' ELSE 'resolution_overdue' END
               AS kind,
           c.due_at
    FROM cases c
    WHERE c.closed_at IS NULL AND c.due_at <= :now
  UNION ALL
    SELECT k.incident_id, k.county_code, k.township_code, NULL, k.id, 'call_unaccepted',
           k.accept_due_at
    FROM calls k WHERE k.status = 'called' AND k.accept_due_at <= :now
  UNION ALL
    SELECT k.incident_id, k.county_code, k.township_code, k.primary_department_id, k.id,
           'call_unresponded', k.respond_due_at
    FROM calls k WHERE k.status = 'dispatched' AND k.respond_due_at <= :now
), levels AS (
    SELECT m.*, 1 AS level FROM missed m
  UNION ALL
    SELECT m.*, 2 FROM missed m WHERE m.due_at <= :escalate_before
)
SELECT l.* FROM levels l
WHERE NOT EXISTS (
    SELECT 1 FROM supervision_notices n
    WHERE n.incident_id = l.incident_id AND n.kind = l.kind AND n.level = l.level
      AND n.due_at = l.due_at)
ORDER BY l.due_at
LIMIT :batch
"""

INSERT_SQL = """
INSERT INTO supervision_notices (county_code, township_code, incident_id, call_id, kind, level,
                                 team_id, due_at, issued_at)
VALUES %s
ON CONFLICT (incident_id, kind, level, due_at) DO NOTHING
RETURNING id, incident_id, call_id, kind, level, team_id, due_at, county_code, township_code
"""

TITLES = {
    "response_overdue": "督办：{id}号案件超时未受理",
    "resolution_overdue": "督办：{id}号案件超期未办结",
    "call_unaccepted": "督办：{id}号案件的乡呼县应超时未受理",
    "call_unresponded": "督办：{id}号案件的乡呼县应超时未响应",
}


def sweep(now: datetime | None = None) -> dict:
    """Issue the notices due at ``now``; returns counts. The caller (task or CLI) commits."""
    now = now or datetime.now(UTC)
    escalate = timedelta(hours=current_app.config["SUPERVISION_ESCALATE_HOURS"])
    rows = db.session.execute(
        text(DUE_SQL), {"now": now, "escalate_before": now - escalate, "batch": BATCH}
    ).all()
    if not rows:
        return {"notices": 0}
    cursor = db.session.connection().connection.cursor()
    issued = execute_values(
        cursor,
        INSERT_SQL,
        [
            (
                r.county_code,
                r.township_code,
                r.incident_id,
                r.call_id,
                r.kind,
                r.level,
                r.team_id,
                r.due_at,
                now,
            )
            for r in rows
        ],
        fetch=True,
    )
    if issued:
        _mark_overdue(issued)
        _record(cursor, issued)
        _announce(issued)
    return {"notices": len(issued)}


def _mark_overdue(issued) -> None:
    cases = [row[1] for row in issued if row[3] in ("response_overdue", "resolution_overdue")]
    if cases:
        db.session.execute(
            text(
                "UPDATE cases SET overdue_since = coalesce(overdue_since, due_at)"
                " WHERE incident_id = ANY(:ids)"
            ),
            {"ids": cases},
        )
    calls = [row[2] for row in issued if row[2] is not None]
    if calls:
        db.session.execute(
            text(
                "UPDATE calls SET escalation_level = greatest(escalation_level, 1)"
                " WHERE id = ANY(:ids)"
            ),
            {"ids": calls},
        )


def _record(cursor, issued) -> None:
    execute_values(
        cursor,
        "INSERT INTO incident_events (incident_id, county_code, township_code, actor_id, action,"
        " from_status, to_status, data)"
        " SELECT v.incident_id, v.county, v.township, NULL, 'supervise', i.status, i.status,"
        " v.data::jsonb FROM (VALUES %s) AS v(incident_id, county, township, data)"
        " JOIN incidents i ON i.id = v.incident_id",
        [
            (
                incident_id,
                county,
                township,
                dumps_bytes(
                    {
                        "notice_id": notice_id,
                        "kind": kind,
                        "level": level,
                        "due_at": due_at,
                        "call_id": call_id,
                        "team_id": team_id,
                    }
                ).decode(),
            )
            for notice_id, incident_id, call_id, kind, level, team_id, due_at, county, township in issued
        ],
    )


def _announce(issued) -> None:
    people = recipients.lookup({row[5] for row in issued}, {row[7] for row in issued})
    notices = []
    for notice_id, incident_id, _call, kind, level, team_id, due_at, county, _t in issued:
        if level == 2:
            users = people.supervisors(county)
        elif kind in ("response_overdue", "resolution_overdue") and team_id is not None:
            users = people.leads(team_id) + people.dispatchers(county)
        elif kind == "call_unresponded":
            users = people.members(team_id) + people.supervisors(county)
        else:  # the county's own steps (triage, a call not accepted): up to the supervisors
            users = people.dispatchers(county) + people.supervisors(county)
        notices.append(
            Notice(
                "case.supervised",
                county,
                tuple(users),
                TITLES[kind].format(id=incident_id) + ("（升级）" if level == 2 else ""),
                f"supervise:{notice_id}",
                incident_id=incident_id,
                team_id=team_id,
                data={"kind": kind, "level": level, "due_at": due_at.isoformat()},
            )
        )
    notify_many(notices)
