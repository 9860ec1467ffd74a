"""一呼一评 aggregated both ways: the townships' ratings of departments, and back.

A call's ratings count in the period of its case, when given by the case's settlement (the period
rule of :mod:`gridsvc.assessment.facts`). ``township_rating`` is the township's rating of the department's response;
``department_rating`` the department's rating of the township's call.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gridsvc.accounts import Scope
from gridsvc.assessment.facts import settles_at
from gridsvc.extensions import db
from gridsvc.incidents import Incident
from gridsvc.routing import Call


def summary(ratings: list[int]) -> dict:
    """Mean (2 decimals; null without ratings), count and the count of each grade 1-5."""
    return {
        "mean": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "count": len(ratings),
        "distribution": {str(grade): ratings.count(grade) for grade in range(1, 6)},
    }


def rated_calls(scope: Scope, start: datetime, end: datetime, now: datetime, county: str | None):
    """The ratings on the calls of the period's cases, each as of its case's settlement."""
    stmt = (
        select(Call, Incident.received_at)
        .join(Incident, Incident.id == Call.incident_id)
        .where(
            scope.where(Call.county_code, Call.township_code),
            Incident.received_at >= start,
            Incident.received_at < end,
        )
        .order_by(Call.id)
    )
    if county:
        stmt = stmt.where(Call.county_code == county)
    if county or scope.county_code:
        # As facts.case_rows: the incident's county is the call's, and the period's index needs it.
        stmt = stmt.where(Incident.county_code == (county or scope.county_code))
    found = []
    for call, received in db.session.execute(stmt):
        as_of = min(now, settles_at(received))
        by_township = call.township_rating if _by(call.township_rated_at, as_of) else None
        by_department = call.department_rating if _by(call.department_rated_at, as_of) else None
        if by_township or by_department:
            found.append(Rated(call.township_code, call.primary_department_id,
                               by_township, by_department))  # fmt: skip
    return found


def _by(moment: datetime | None, as_of: datetime) -> bool:
    return moment is not None and moment <= as_of


@dataclass(frozen=True)
class Rated:
    township_code: str | None
    department_id: int | None
    township_rating: int | None  # the township's rating of the department
    department_rating: int | None  # the department's rating of the township's call


def both_ways(calls: list[Rated]) -> dict:
    """{"departments": {team_id: [ratings by townships]}, "townships": {code: [by departments]}}"""
    departments: dict = defaultdict(list)
    townships: dict = defaultdict(list)
    for call in calls:
        if call.township_rating:
            departments[call.department_id].append(call.township_rating)
        if call.department_rating:
            townships[call.township_code].append(call.department_rating)
    return {"departments": dict(departments), "townships": dict(townships)}


def ratings_by_pair(calls: list[Rated]) -> dict:
    """(township, department) -> the township's ratings of that department (stationed agencies)."""
    found: dict = defaultdict(list)
    for call in calls:
        if call.township_rating:
            found[(call.township_code, call.department_id)].append(call.township_rating)
    return found
