"""The indicator table added up in the database, so a year of a big county stays fast.

Settled days are read from ``assessment_case_facts``; the days not settled yet are computed in
Python (:func:`gridsvc.assessment.facts.compute`) and joined to them as a JSON record set, so both
are counted by one statement. The figures are the same as :func:`indicators.figures` computes in
Python — sums, rates from those sums, the mean, and the 90th percentile by linear interpolation
(``percentile_cont``, which :func:`indicators.percentile` mirrors); tests hold both to the same
hand count.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    column,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB

from gridsvc.accounts import Scope
from gridsvc.assessment.daily import of_department, unsettled
from gridsvc.assessment.facts import COUNTS, CaseFacts, compute
from gridsvc.assessment.models import StoredCaseFacts
from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI

KEYS = {
    "county": None,
    "township": "township_code",
    "team": "team_id",
    "department": "department_id",
    "grid": "grid_code",
    "worker": "worker_id",
}
TYPES = {
    "incident_id": BigInteger, "county_code": String, "township_code": String,
    "township_name": String, "team_id": Integer, "department_id": Integer, "grid_code": String,
    "worker_id": Integer, "response_hours": Float, "resolution_hours": Float,
}  # fmt: skip
COLUMNS = [f.name for f in fields(CaseFacts) if f.name != "day"]


def _live_source(live: list[CaseFacts]):
    records = [{k: v for k, v in asdict(f).items() if k != "day"} for f in live]
    source = func.jsonb_to_recordset(literal(records, JSONB)).table_valued(
        *(column(name, TYPES.get(name, Integer)) for name in COLUMNS)
    )
    return source.render_derived(name="live", with_types=True)


def rows(scope: Scope, first: date, last: date, now: datetime, filters: dict, by: str):
    """(group key, township name, counts…, hour figures…) per group, and the total (key None,
    ``is_total`` true) — from the stored facts of settled days and the live ones of the rest."""
    stored = select(*(getattr(StoredCaseFacts, name) for name in COLUMNS)).where(
        scope.where(StoredCaseFacts.county_code, StoredCaseFacts.township_code),
        StoredCaseFacts.day.between(first, last),
    )
    for key, name in (("county", "county_code"), ("township", "township_code"),
                      ("team_id", "team_id"), ("department_id", "department_id")):  # fmt: skip
        if filters.get(key):
            stored = stored.where(getattr(StoredCaseFacts, name) == filters[key])
    start = datetime.combine(first, time(0), SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time(0), SHANGHAI)
    live = of_department(compute(scope, start, end, now, filters, where=(unsettled(),)), filters)
    sources = [stored]
    if live:
        source = _live_source(live)
        sources.append(select(*(source.c[name] for name in COLUMNS)))
    facts = union_all(*sources).subquery("facts")
    key_name = KEYS[by]
    key = facts.c[key_name] if key_name else literal(None)
    figures = [func.sum(facts.c[name]).label(name) for name in COUNTS]
    for name in ("response_hours", "resolution_hours"):
        figures.append(func.avg(facts.c[name]).label(f"{name}_mean"))
        figures.append(func.percentile_cont(0.9).within_group(facts.c[name]).label(f"{name}_p90"))
    grouped = [key.label("key"), func.max(facts.c.township_name).label("township_name"),
               func.count().label("cases"), *figures]  # fmt: skip
    if key_name:
        # One pass for the groups and the total: the percentiles' sorts dominate the time.
        statement = select(*grouped, (func.grouping(key) == 1).label("is_total")).group_by(
            func.grouping_sets(tuple_(key), tuple_())
        )
    else:
        statement = select(*grouped, literal(True).label("is_total"))
    return db.session.execute(statement).all()
