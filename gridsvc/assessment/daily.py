"""Settled days: a closed day's case figures are computed once, stored, and read from then on.

A county's Beijing day settles ``ASSESSMENT_SETTLE_DAYS`` after it ends (see the period rule in
:mod:`gridsvc.assessment.facts`). ``settle`` (the daily beat task) stores the figures of every
case of the days that have settled since it last ran, and marks the days; reading a period takes
the stored figures of its settled days and computes only the others. So a settled period's
figures never change, whatever the workflow does to its cases later, until an admin recomputes
a range of days (``recompute``) — after correcting a wrong deadline, say.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, func, insert, literal, select

from gridsvc.accounts import SHELL_SCOPE, Scope
from gridsvc.assessment.facts import CaseFacts, compute
from gridsvc.assessment.models import SettledDay, StoredCaseFacts
from gridsvc.assessment.settle_sql import settle_natural
from gridsvc.extensions import db
from gridsvc.incidents import Incident
from gridsvc.localtime import SHANGHAI
from gridsvc.routing import Case

FACT_FIELDS = [f.name for f in fields(CaseFacts)]
SETTLE_CHUNK_DAYS = 28
# The Beijing day of a case, as SQL (matches facts.CaseFacts.day).
CASE_DAY = func.date(func.timezone("Asia/Shanghai", Incident.received_at))


def unsettled():
    return ~exists().where(
        and_(SettledDay.county_code == Case.county_code, SettledDay.day == CASE_DAY)
    )


def read(scope: Scope, first: date, last: date, now: datetime, filters: dict) -> list[CaseFacts]:
    """The facts of the cases of days ``first``..``last``: stored where settled, else computed."""
    stmt = select(StoredCaseFacts).where(
        scope.where(StoredCaseFacts.county_code, StoredCaseFacts.township_code),
        StoredCaseFacts.day.between(first, last),
    )
    for key, column in (
        ("county", StoredCaseFacts.county_code),
        ("township", StoredCaseFacts.township_code),
        ("team_id", StoredCaseFacts.team_id),
        ("department_id", StoredCaseFacts.department_id),
    ):
        if filters.get(key):
            stmt = stmt.where(column == filters[key])
    stored = [
        CaseFacts(**{name: getattr(row, name) for name in FACT_FIELDS})
        for row in db.session.scalars(stmt.order_by(StoredCaseFacts.incident_id))
    ]
    start = datetime.combine(first, time(0), SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time(0), SHANGHAI)
    live = of_department(compute(scope, start, end, now, filters, where=(unsettled(),)), filters)
    return stored + live


def of_department(facts: list[CaseFacts], filters: dict) -> list[CaseFacts]:
    """The cases of ``filters["department_id"]`` when set. A case's department comes from its
    calls (computed with its facts), so the live cases are narrowed here, not in SQL."""
    department = filters.get("department_id")
    if department is None:
        return facts
    return [f for f in facts if f.department_id == department]


def settle(county: str, now: datetime, progress=None) -> dict:
    """Store the figures of the county's days settled by ``now``; the caller commits.

    ``progress`` (the task passes ``db.session.commit``) is called after each chunk: a county's
    first settlement covers a year, and one transaction that long would hold back every reader
    that waits for older transactions to end (the workers' delta feed).
    """
    today = now.astimezone(SHANGHAI).date()
    # Day D settles at midnight after D + settle days: every case received before this instant.
    cutoff = datetime.combine(
        today - timedelta(days=current_app.config["ASSESSMENT_SETTLE_DAYS"]), time(0), SHANGHAI
    )
    first = db.session.scalar(
        select(func.min(Incident.received_at))
        .join(Case, Case.incident_id == Incident.id)
        .where(Case.county_code == county, Incident.received_at < cutoff, unsettled())
    )
    if first is None:
        return {"days": 0, "cases": 0}
    per_day: dict[date, int] = {}
    # Four weeks at a time, so a county's first settlement (a year of history) is a series of
    # statements committed by ``progress`` between them. Each statement reads its four weeks by
    # ix_incidents_county_received (migration 9a1146fd7b39; before it, each scanned the county).
    start = datetime.combine(first.astimezone(SHANGHAI).date(), time(0), SHANGHAI)
    while start < cutoff:
        end = min(start + timedelta(days=SETTLE_CHUNK_DAYS), cutoff)
        # Natural-hours cases in one INSERT ... SELECT; working-hours ones need the office
        # calendar, which lives in Python (settle_sql's docstring).
        settle_natural(county, start, end, now)
        _settle_in_python(county, start, end, now)
        # The chunk's days are marked with their facts, so a stop half-way loses nothing.
        marked = db.session.execute(
            insert(SettledDay)
            .from_select(
                ["county_code", "day", "cases", "settled_at"],
                select(
                    StoredCaseFacts.county_code,
                    StoredCaseFacts.day,
                    func.count(),
                    literal(now, type_=SettledDay.settled_at.type),
                )
                .where(
                    StoredCaseFacts.county_code == county,
                    StoredCaseFacts.day >= start.date(),
                    StoredCaseFacts.day < end.astimezone(SHANGHAI).date(),
                    ~exists().where(
                        SettledDay.county_code == county, SettledDay.day == StoredCaseFacts.day
                    ),
                )
                .group_by(StoredCaseFacts.county_code, StoredCaseFacts.day),
            )
            .returning(SettledDay.day, SettledDay.cases)
        ).all()
        per_day.update({row.day: row.cases for row in marked})
        if progress is not None:
            progress()
        start = end
    db.session.flush()
    return {"days": len(per_day), "cases": sum(per_day.values())}


def _settle_in_python(county: str, start: datetime, end: datetime, now: datetime) -> None:
    """The working-hours cases of [start, end), through facts.compute (the office calendar)."""
    known = set(db.session.identity_map.keys())
    working = (unsettled(), Case.deadline_basis == "working")
    facts = compute(SHELL_SCOPE, start, end, now, {"county": county}, where=working)
    if facts:
        db.session.execute(insert(StoredCaseFacts), [asdict(f) for f in facts])
    # Let go of the week's rows (a year would not fit), but not of what the caller holds.
    for key in set(db.session.identity_map.keys()) - known:
        db.session.expunge(db.session.identity_map[key])


def recompute(county: str, first: date, last: date, now: datetime) -> dict:
    """An admin's correction: forget the stored days ``first``..``last`` and settle them again."""
    db.session.execute(
        delete(StoredCaseFacts).where(
            StoredCaseFacts.county_code == county, StoredCaseFacts.day.between(first, last)
        )
    )
    db.session.execute(
        delete(SettledDay).where(
            SettledDay.county_code == county, SettledDay.day.between(first, last)
        )
    )
    return settle(county, now)
