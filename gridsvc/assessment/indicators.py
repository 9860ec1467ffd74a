"""Case indicators per period and per township, team, department, grid or worker.

Counts add the per-case figures of :mod:`gridsvc.assessment.facts`; rates are fractions (0.75 is
75 %) with the denominators the county platforms publish; hours are the mean and the 90th
percentile (linear interpolation between the two nearest cases, as PostgreSQL's
``percentile_cont``). A rate or an hour figure with nothing to divide is null, never 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select

from gridsvc.accounts import Scope, User
from gridsvc.assessment.daily import read
from gridsvc.assessment.facts import CaseFacts, county_teams
from gridsvc.assessment.periods import Period
from gridsvc.errors import NotFound
from gridsvc.extensions import db

BY = ("county", "township", "team", "department", "grid", "worker")
COUNTS = (
    "reported",
    "taken",
    "filed",
    "dispatched",
    "due",
    "closed",
    "closed_on_time",
    "reworked",
    "extended",
    "returned",
    "response_overdue",
    "resolution_overdue",
    "calls",
    "calls_rejected",
    "calls_on_time",
    "not_called",
)
# rate name -> (numerator, denominator)
RATES = {
    "filing_rate": ("filed", "taken"),
    "dispatch_rate": ("dispatched", "filed"),
    "closing_rate": ("closed", "due"),
    "on_time_rate": ("closed_on_time", "due"),
    "rework_rate": ("reworked", "due"),
    "extension_rate": ("extended", "due"),
}
HOURS = ("response_hours", "resolution_hours")


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL ``percentile_cont``)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def figures(cases: list[CaseFacts]) -> dict:
    """The indicator row of a set of cases."""
    out: dict = {name: sum(getattr(c, name) for c in cases) for name in COUNTS}
    for rate, (num, den) in RATES.items():
        out[rate] = round(out[num] / out[den], 4) if out[den] else None
    for name in HOURS:
        values = [getattr(c, name) for c in cases if getattr(c, name) is not None]
        out[f"{name}_mean"] = round(sum(values) / len(values), 2) if values else None
        p90 = percentile(values, 0.9)
        out[f"{name}_p90"] = round(p90, 2) if p90 is not None else None
    return out


def _key(facts: CaseFacts, by: str):
    return {
        "county": None,
        "township": facts.township_code,
        "team": facts.team_id,
        "department": facts.department_id,
        "grid": facts.grid_code,
        "worker": facts.worker_id,
    }[by]


def indicators(scope: Scope, period: Period, by: str, filters: dict, now=None) -> dict:
    """The indicator table: one row per ``by`` key, and the total over every case."""
    if filters.get("township") and not scope.covers(filters["township"]):
        raise NotFound("township not found", code="township.not_found")
    now = now or datetime.now(UTC)
    cases = read(scope, period.first, period.last, now, filters)
    teams = county_teams({c.county_code for c in cases})
    groups: dict = defaultdict(list)
    for facts in cases:
        key = _key(facts, by)
        # A case no department answers for has no row by department (it still counts in total).
        if by == "department" and key is None:
            continue
        groups[key].append(facts)
    names = _names(by, groups, cases, teams)
    rows = [
        {"key": None if key is None else str(key), "name": names.get(key), **figures(group)}
        for key, group in sorted(groups.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
    ]
    return {
        "period": period.as_dict(),
        "by": by,
        "as_of": now,
        "filters": {k: v for k, v in filters.items() if v is not None},
        "rows": rows,
        "total": figures(cases),
    }


def _names(by: str, groups, cases, teams) -> dict:
    if by in ("team", "department"):
        return {k: teams[k].name if k in teams else "未分派" for k in groups}
    if by == "township":
        return {c.township_code: c.township_name for c in cases}
    if by == "worker":
        users = db.session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(list(groups)))
        ).all()
        return {u.id: u.display_name or u.username for u in users}
    if by == "county":
        return {None: "合计"}
    return {k: k for k in groups}
