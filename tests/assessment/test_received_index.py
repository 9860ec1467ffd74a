"""The assessment's period reads use ix_incidents_county_received (migration 9a1146fd7b39).

On a realistic table: two counties with a year of reports each (as bench/indicators.py lays one
down, smaller), their cases, fresh statistics; then the planner's choice for the statements the
service runs: the live indicators' case rows and a settlement chunk.
Without the index (dropped inside the test's transaction) the same statements scan incidents.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gridsvc.accounts import Scope
from gridsvc.assessment import facts
from gridsvc.assessment.daily import unsettled
from gridsvc.assessment.settle_sql import SETTLE_NATURAL
from gridsvc.extensions import db

INDEX = "ix_incidents_county_received"
COUNTY, OTHER = "439901", "439902"
PER_COUNTY = 20_000
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)

INCIDENTS_SQL = """
INSERT INTO incidents (client_id, request_hash, category_code, status, geom, raw_lon, raw_lat, crs,
                       reported_at, received_at, county_code, township_code, grid_code,
                       reporter_id, source, place_names)
SELECT gen_random_uuid(), 'plan', :category,
       (ARRAY['evaluated','closed','closed','in_progress','rejected','duplicate'])[1 + g % 6],
       ST_SetSRID(ST_MakePoint(112.7 + random() * 0.25, 27.8 + random() * 0.25), 4326),
       112.8, 27.9, 'EPSG:4326', t, t, :county, :county || lpad((1 + g % 12)::text, 3, '0'),
       :county || lpad((1 + g % 12)::text, 3, '0') || '001' || lpad((1 + g % 50)::text, 3, '0'),
       :user, 'app', jsonb_build_object('township', '乡镇' || (1 + g % 12))
FROM (SELECT g, CAST(:start AS timestamptz) + random() * interval '364 days' AS t
      FROM generate_series(1, :n) g) s
"""
CASES_SQL = """
INSERT INTO cases (incident_id, county_code, township_code, status, route, deadline_basis,
                   resolution_hours, response_due_at, resolution_due_at, due_at, accepted_at)
SELECT i.id, i.county_code, i.township_code, i.status, 'township_team', 'natural', 24,
       i.received_at + interval '2 hours', i.received_at + interval '24 hours',
       i.received_at + interval '24 hours', i.received_at + interval '1 hour'
FROM incidents i WHERE i.request_hash = 'plan'
"""


@pytest.fixture
def year_of_reports(db_session, make_user):
    user = make_user(role="supervisor", county_code=COUNTY, township_code=None)
    category = db_session.scalar(text("SELECT code FROM categories ORDER BY code LIMIT 1"))
    for county in (COUNTY, OTHER):
        db_session.execute(
            text(INCIDENTS_SQL),
            {"county": county, "user": user.id, "category": category, "start": YEAR_START,
             "n": PER_COUNTY},
        )  # fmt: skip
    db_session.execute(text(CASES_SQL))
    db_session.execute(text("ANALYZE incidents"))
    db_session.execute(text("ANALYZE cases"))


def _plan(sql: str, params: dict) -> str:
    rows = db.session.execute(text("EXPLAIN (FORMAT JSON) " + sql), params).scalar()
    return json.dumps(rows)


def _compiled(stmt) -> tuple[str, dict]:
    """A Core statement as the driver receives it (psycopg2's %(name)s placeholders)."""
    compiled = stmt.compile(dialect=db.engine.dialect)
    return str(compiled), compiled.params


def _raw_plan(sql: str, params: dict) -> str:
    cursor = db.session.connection().connection.cursor()
    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
    return json.dumps(cursor.fetchone()[0])


def _plans() -> dict[str, str]:
    """The plans of both statements for four weeks of COUNTY (one settlement chunk).

    Not the settlement's first-day lookup: it reads everything before the cutoff, most of the
    county's history, where a scan is the right plan."""
    start = YEAR_START + timedelta(days=140)
    end = start + timedelta(days=28)
    scope = Scope(user_id=1, role="supervisor", county_code=COUNTY)
    _rows, stmt = facts.case_rows(scope, start, end, {}, where=(unsettled(),))
    settle = {"county": COUNTY, "start": start, "end": end, "now": end, "settle_days": 30}
    return {
        "live indicators": _raw_plan(*_compiled(stmt)),
        "settlement chunk": _plan(SETTLE_NATURAL, settle),
    }


def test_period_reads_use_the_index(year_of_reports):
    for name, plan in _plans().items():
        assert INDEX in plan, f"{name}: {plan}"


def test_without_the_index_they_scan_incidents(year_of_reports):
    """The control: the same statements on the same data, the index dropped (rolled back)."""
    db.session.execute(text(f"DROP INDEX {INDEX}"))
    for name, plan in _plans().items():
        assert INDEX not in plan
        assert '"Relation Name": "incidents"' in plan, name
        assert "Seq Scan" in plan or "ix_incidents_county_id" in plan, f"{name}: {plan}"
