"""The indicator table added up in the database, so a year of a big county stays fast.

Settled days are read from ``assessment_case_facts``; the days not settled yet are computed in
Python (:func:`gridsvc.assessment.facts.compute`) and joined to them as a JSON record set, so both
are counted by the same statements. The figures are the same as :func:`indicators.figures`
computes in Python: sums, rates from those sums, the mean, and the 90th percentile by linear
interpolation (PostgreSQL's ``percentile_cont``); tests hold both to the same hand count.

**Why percentiles come from value counts.** Sorting a year's million hour figures per group and
again for the total took most of the time (four sorts of 1M values, one core). Hours are counted
to the minute (:mod:`gridsvc.assessment.facts`), so a year holds a few thousand distinct values:
one hashed pass per hour figure counts each value per group (``GROUP BY key, hours``, which
PostgreSQL runs in parallel workers, unlike grouping sets and ordered-set aggregates), the first
pass adding up the counts as well. The means and exact percentiles are read off the value counts
in Python, and the total is the groups added up.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, fields
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    column,
    func,
    literal,
    select,
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
HOURS = ("response_hours", "resolution_hours")


def _live_source(live: list[CaseFacts]):
    records = [{k: v for k, v in asdict(f).items() if k != "day"} for f in live]
    source = func.jsonb_to_recordset(literal(records, JSONB)).table_valued(
        *(column(name, TYPES.get(name, Integer)) for name in COLUMNS)
    )
    return source.render_derived(name="live", with_types=True)


def rows(scope: Scope, first: date, last: date, now: datetime, filters: dict, by: str):
    """Per group: key, township name, ``cases``, the counts, and per hour figure its ``_mean``
    and ``_p90``; and the total (key None, ``is_total`` true) — from the stored facts of settled
    days and the live ones of the rest."""
    facts = _facts(scope, first, last, now, filters)
    key_name = KEYS[by]
    keys = [facts.c[key_name].label("key")] if key_name else []
    first_hours, *other_hours = HOURS
    # Pass one: the sums per group and per value of the first hour figure (its value counts).
    summed = [func.sum(facts.c[name]).label(name) for name in COUNTS]
    value = facts.c[first_hours]
    statement = select(*keys, value.label("value"), func.count().label("cases"),
                       func.max(facts.c.township_name).label("township_name"),
                       *summed).group_by(*keys, value)  # fmt: skip
    groups: dict = {}
    counts: dict[str, dict] = {name: defaultdict(Counter) for name in HOURS}
    for row in db.session.execute(statement):
        key = row.key if keys else None
        group = groups.setdefault(key, _Group(key))
        group.add(row)
        if row.value is not None:
            counts[first_hours][key][row.value] += row.cases
    # Pass two (and on): the value counts of the other hour figures.
    for name in other_hours:
        value = facts.c[name]
        statement = (
            select(*keys, value.label("value"), func.count().label("n"))
            .where(value.isnot(None))
            .group_by(*keys, value)
        )
        for row in db.session.execute(statement):
            counts[name][row.key if keys else None][row.value] += row.n
    total = _Group(None, is_total=True)
    for group in groups.values():
        total.merge(group)
    found = [*groups.values(), total] if keys else [total]
    for group in found:
        for name in HOURS:
            values = _merged(counts[name].values()) if group.is_total else counts[name][group.key]
            group.finish(name, values)
    return found


class _Group(SimpleNamespace):
    """One row of the table being added up: sums, and the hour figures once finished."""

    def __init__(self, key, is_total: bool = False):
        super().__init__(key=key, is_total=is_total, township_name=None, cases=0)
        for name in COUNTS:
            setattr(self, name, 0)

    def add(self, row) -> None:
        self.cases += row.cases
        self.township_name = self.township_name or row.township_name
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + (getattr(row, name) or 0))

    def merge(self, other: _Group) -> None:
        self.cases += other.cases
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def finish(self, name: str, values: Counter) -> None:
        n = sum(values.values())
        mean = sum(v * c for v, c in values.items()) / n if n else None
        setattr(self, f"{name}_mean", mean)
        setattr(self, f"{name}_p90", percentile_of_counts(values, 0.9))


def _merged(counters) -> Counter:
    merged: Counter = Counter()
    for counter in counters:
        merged.update(counter)
    return merged


def _facts(scope: Scope, first: date, last: date, now: datetime, filters: dict):
    """The facts of the period as one subquery: stored rows of settled days, live ones of the
    rest."""
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
    return union_all(*sources).subquery("facts")


def percentile_of_counts(counts: Counter, q: float) -> float | None:
    """The ``q`` quantile of the values counted, by linear interpolation between the two nearest
    ranks (PostgreSQL ``percentile_cont``), walking the distinct values in order."""
    total = sum(counts.values())
    if not total:
        return None
    position = (total - 1) * q
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if low is None and low_rank < seen:
            low = value
        if high_rank < seen:
            high = value
            break
    return low + (high - low) * (position - low_rank)
