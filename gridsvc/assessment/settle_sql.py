"""Settling a week of natural-hours cases in one ``INSERT … SELECT`` (the rules of facts.py, in SQL).

Settlement used to load every case and its calls through the ORM and apply
:func:`gridsvc.assessment.facts.case_facts` in Python: 400-800 cases/s, so a county's first
settlement (a year, a million cases) took most of an hour. The rules are plain comparisons of
instants, so for the cases counted in natural hours the database applies them where the rows
are, and nothing crosses the wire. Cases on working hours still go through Python: their hours
need the office calendar (:func:`gridsvc.routing.hours_between`), which lives there.

This statement and ``case_facts`` must agree to the digit; tests/assessment/test_settlement.py
settles the hand-computed fixture both ways and compares every field, and bench/settlement.py
compares the two on a randomised county. Change one, change the other.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import text

from gridsvc.extensions import db

# Hours to the minute exactly as facts.to_the_minute does (IEEE doubles both sides:
# seconds / 3600 * 60, rounded half to even by float8 round(), then / 60).
_MINUTES = (
    "round((extract(epoch FROM {end}) - extract(epoch FROM {start}))::float8 / 3600 * 60) / 60"
)


def _hours(start: str, end: str) -> str:
    """hours_between on natural hours: 0 when the end is not after the start."""
    return f"CASE WHEN ({end}) > ({start}) THEN {_MINUTES.format(start=start, end=end)} ELSE 0 END"


# Per case: ``a`` is its as-of instant (its Beijing day's end + the settle days, or now), the
# lateral ``k`` its calls made by then, ``e`` the list entry in force on its day.
SETTLE_NATURAL = f"""
WITH township_teams AS (
    SELECT array_agg(id) AS ids FROM teams WHERE county_code = :county AND kind = 'township_team'
), base AS (
    SELECT c.incident_id, c.county_code, c.township_code, c.team_id, c.status, c.on_site,
           c.accepted_at, c.dispatched_at, c.resolved_at, c.closed_at, c.response_due_at,
           c.resolution_due_at, c.return_count, c.reopen_count, c.extension_count, c.returned_by,
           i.received_at, i.grid_code, i.reporter_id, i.category_code,
           i.place_names ->> 'township' AS township_name,
           date(timezone('Asia/Shanghai', i.received_at)) AS day,
           least(CAST(:now AS timestamptz),
                 (date(timezone('Asia/Shanghai', i.received_at)) + :settle_days + 1)::timestamp
                 AT TIME ZONE 'Asia/Shanghai') AS a
    FROM cases c JOIN incidents i ON i.id = c.incident_id
    WHERE c.county_code = :county AND c.deadline_basis <> 'working'
      AND i.county_code = :county  -- the case's (intake copies it): ix_incidents_county_received
      AND i.received_at >= :start AND i.received_at < :end
      AND NOT EXISTS (SELECT 1 FROM assessment_settled_days s
                      WHERE s.county_code = c.county_code
                        AND s.day = date(timezone('Asia/Shanghai', i.received_at)))
), moments AS (
    SELECT b.*,
           CASE WHEN b.closed_at <= b.a THEN b.closed_at END AS closed_by,
           CASE WHEN b.resolved_at <= b.a THEN b.resolved_at END AS resolved,
           coalesce(b.accepted_at <= b.a, false) AS filed
    FROM base b
), judged AS (
    SELECT m.*,
           m.closed_by IS NOT NULL AND m.status IN ('closed', 'evaluated') AS status_closed,
           coalesce(CASE WHEN m.filed THEN m.accepted_at
                         WHEN m.status IN ('rejected', 'duplicate') THEN m.closed_by END,
                    m.a) > m.response_due_at AS response_overdue,
           m.filed AND coalesce(m.resolved, m.a) > m.resolution_due_at AS resolution_overdue
    FROM moments m
), facts AS (
    SELECT j.*,
           j.filed AND (j.status_closed OR j.resolution_due_at <= j.a) AS due,
           k.calls, k.calls_rejected, k.calls_on_time, k.township_called, k.department_id,
           t.kind AS team_kind,
           coalesce(j.team_id = ANY(tt.ids), false) AS township_handled,
           coalesce(j.returned_by && tt.ids, false) AS township_returned,
           e.primary_kind = 'department' AND NOT e.delegated AS kept_by_department
    FROM judged j
    CROSS JOIN township_teams tt
    LEFT JOIN teams t ON t.id = j.team_id
    LEFT JOIN LATERAL (
        SELECT count(*) AS calls,
               count(*) FILTER (WHERE l.status = 'rejected') AS calls_rejected,
               count(*) FILTER (WHERE l.accepted_at <= j.a AND l.accepted_at <= l.accept_due_at
                                  AND l.responded_at <= j.a
                                  AND l.responded_at <= l.respond_due_at) AS calls_on_time,
               coalesce(bool_or(l.origin = 'township'), false) AS township_called,
               (array_agg(l.primary_department_id ORDER BY l.id DESC)
                    FILTER (WHERE l.status <> 'rejected'
                              AND l.primary_department_id IS NOT NULL))[1] AS department_id
        FROM calls l WHERE l.incident_id = j.incident_id AND l.called_at <= j.a
    ) k ON true
    LEFT JOIN LATERAL (
        SELECT r.primary_kind, r.delegated FROM responsibility_entries r
        WHERE r.county_code = j.county_code AND r.category_code = j.category_code
          AND r.effective_from <= j.day
        ORDER BY r.effective_from DESC LIMIT 1
    ) e ON true
)
INSERT INTO assessment_case_facts (
    incident_id, county_code, day, township_code, township_name, team_id, department_id,
    grid_code, worker_id, reported, taken, filed, dispatched, due, closed, closed_on_time,
    reworked, extended, returned, response_overdue, resolution_overdue, calls, calls_rejected,
    calls_on_time, not_called, fixed_on_site, response_hours, resolution_hours)
SELECT incident_id, county_code, day, township_code, township_name, team_id,
       coalesce(department_id, CASE WHEN team_kind = 'county_department' THEN team_id END),
       grid_code, reporter_id, 1,
       (NOT (closed_by IS NOT NULL AND status = 'duplicate'))::int,
       filed::int,
       (filed AND coalesce(dispatched_at <= a, false))::int,
       due::int,
       (due AND status_closed)::int,
       (due AND status_closed AND coalesce(resolved <= resolution_due_at, false))::int,
       (due AND reopen_count > 0)::int,
       (due AND extension_count > 0)::int,
       (return_count > 0)::int,
       response_overdue::int,
       resolution_overdue::int,
       calls, calls_rejected, calls_on_time,
       (NOT township_called AND coalesce(kept_by_department, false)
        AND (township_returned OR (township_handled
                                   AND (response_overdue OR resolution_overdue))))::int,
       (coalesce(on_site, false) AND coalesce(resolved_at <= a, false))::int,
       CASE WHEN filed THEN {_hours("received_at", "accepted_at")} END,
       CASE WHEN filed AND resolved IS NOT NULL THEN {_hours("received_at", "resolved")} END
FROM facts
"""  # noqa: S608  (the f-string only splices the fixed fragments above; values are bound)


def settle_natural(county: str, start: datetime, end: datetime, now: datetime) -> int:
    """Store the facts of the county's unsettled natural-hours cases received in [start, end)."""
    result = db.session.execute(
        text(SETTLE_NATURAL),
        {
            "county": county,
            "start": start,
            "end": end,
            "now": now,
            "settle_days": current_app.config["ASSESSMENT_SETTLE_DAYS"],
        },
    )
    return result.rowcount
