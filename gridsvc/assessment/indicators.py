"""Case indicators per period and per township, team, department, grid or worker.

Counts add the per-case figures of :mod:`gridsvc.assessment.facts`; rates are fractions (0.75 is
75 %) with the denominators the county platforms publish; hours are the mean and the 90th
percentile (linear interpolation between the two nearest cases, as PostgreSQL's
``percentile_cont``). A rate or an hour figure with nothing to divide is null, never 0.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from gridsvc.accounts import Scope, User
from gridsvc.assessment import aggregate
from gridsvc.assessment.facts import COUNTS, CaseFacts
from gridsvc.assessment.periods import Period
from gridsvc.errors import NotFound
from gridsvc.extensions import db
from gridsvc.routing import Team

BY = ("county", "township", "team", "department", "grid", "worker")
# rate name -> (numerator, denominator)
RATES = {
    "filing_rate": ("filed", "taken"),
    "dispatch_rate": ("dispatched", "filed"),
    "closing_rate": ("closed", "due"),
    "on_time_rate": ("closed_on_time", "due"),
    "rework_rate": ("reworked", "due"),
    "extension_rate": ("extended", "due"),
}
HOURS = aggregate.HOURS


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL ``percentile_cont``)."""
    return aggregate.percentile_of_counts(Counter(values), q)


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


def indicators(scope: Scope, period: Period, by: str, filters: dict, now=None) -> dict:
    """The indicator table: one row per ``by`` key, and the total over every case."""
    if filters.get("township") and not scope.covers(filters["township"]):
        raise NotFound("township not found", code="township.not_found")
    now = now or datetime.now(UTC)
    found = aggregate.rows(scope, period.first, period.last, now, filters, by)
    total = next(_figures_of(r) for r in found if r.is_total)
    groups = [r for r in found if not r.is_total and not (by == "department" and r.key is None)]
    names = _names(by, groups)
    rows = [
        {"key": None if r.key is None else str(r.key), "name": names.get(r.key), **_figures_of(r)}
        for r in sorted(groups, key=lambda r: (r.key is None, str(r.key)))
    ]
    return {
        "period": period.as_dict(),
        "by": by,
        "as_of": now,
        "filters": {k: v for k, v in filters.items() if v is not None},
        "rows": rows,
        "total": total,
    }


def _figures_of(row) -> dict:
    """A database row of sums and hour figures, as :func:`figures` would give for its cases."""
    out: dict = {name: int(getattr(row, name) or 0) for name in COUNTS}
    for rate, (num, den) in RATES.items():
        out[rate] = round(out[num] / out[den], 4) if out[den] else None
    for name in HOURS:
        for stat in ("mean", "p90"):
            value = getattr(row, f"{name}_{stat}")
            out[f"{name}_{stat}"] = round(float(value), 2) if value is not None else None
    return out


def _names(by: str, groups) -> dict:
    keys = [r.key for r in groups if r.key is not None]
    if by in ("team", "department"):
        found = dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(keys))).all())
        return {k: found.get(k, "未分派") for k in [r.key for r in groups]}
    if by == "township":
        return {r.key: r.township_name for r in groups}
    if by == "worker":
        users = db.session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(keys))
        ).all()
        return {u.id: u.display_name or u.username for u in users}
    if by == "county":
        return {None: "合计"}
    return {k: k for k in keys}
