"""Deadlines as the county counts them: natural hours, or working hours on its office calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI
from gridsvc.routing.deadlines.calendar import WorkCalendar, due_at, parse_periods
from gridsvc.routing.deadlines.models import WorkCalendarDay

# Long enough for any deadline the list can hold (a year), short enough to stay one small query.
_LOOKAHEAD_DAYS = 400


def calendar(start: datetime) -> WorkCalendar:
    """Office hours from ``WORK_PERIODS``; holidays and swapped days from the table."""
    first = start.astimezone(SHANGHAI).date()
    rows = db.session.execute(
        select(WorkCalendarDay.day, WorkCalendarDay.workday).where(
            WorkCalendarDay.day.between(first, first + timedelta(days=_LOOKAHEAD_DAYS))
        )
    ).all()
    return WorkCalendar(
        periods=parse_periods(current_app.config["WORK_PERIODS"]),
        holidays=frozenset(day for day, workday in rows if not workday),
        extra_workdays=frozenset(day for day, workday in rows if workday),
    )


def deadline(start: datetime, hours: float, basis: str) -> datetime:
    if basis != "working":
        return due_at(start, hours)
    return due_at(start, hours, "working", calendar(start))
