"""一呼一评 aggregated both ways: the townships' ratings of departments, and back.

A call's ratings count in the period of its case (the period rule of :mod:`facts`), when given by
the as-of instant. ``township_rating`` is the township's rating of the department's response;
``department_rating`` the department's rating of the township's call.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from gridsvc.accounts import Scope
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


def rated_calls(scope: Scope, start: datetime, end: datetime, as_of: datetime, county: str | None):
    stmt = (
        select(Call)
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
    return [
        c
        for c in db.session.scalars(stmt)
        if (c.township_rated_at and c.township_rated_at <= as_of)
        or (c.department_rated_at and c.department_rated_at <= as_of)
    ]


def both_ways(calls: list[Call], as_of: datetime) -> dict:
    """{"departments": {team_id: [ratings by townships]}, "townships": {code: [by departments]}}"""
    departments: dict = defaultdict(list)
    townships: dict = defaultdict(list)
    for call in calls:
        if call.township_rating and call.township_rated_at <= as_of:
            departments[call.primary_department_id].append(call.township_rating)
        if call.department_rating and call.department_rated_at <= as_of:
            townships[call.township_code].append(call.department_rating)
    return {"departments": dict(departments), "townships": dict(townships)}


def ratings_by_pair(calls: list[Call], as_of: datetime) -> dict:
    """(township, department) -> the township's ratings of that department (stationed agencies)."""
    found: dict = defaultdict(list)
    for call in calls:
        if call.township_rating and call.township_rated_at <= as_of:
            found[(call.township_code, call.primary_department_id)].append(call.township_rating)
    return found
