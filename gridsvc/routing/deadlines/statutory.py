"""China's statutory holidays and 调休 workdays from the ``holidays`` package, into the calendar.

The State Council's notice each year moves weekend days: 2026's 春节 runs 15–23 February and
Saturday 14 and Saturday 28 February are worked. The ``holidays`` package keeps those notices
(and its best estimate for years not yet announced); its Chinese labels name the weekend day a
day off was swapped from (“休息日（由 2026-02-14 调休）”), which is the worked day we record.

Rows the package gave are refreshed by each fill; rows entered by hand (``calendar-set``) are
never overwritten, so a county can still correct a day. The coverage check warns when the coming
days fall in a year with no calendar data at all (every year has 元旦, so none means not filled).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from datetime import date, timedelta

import holidays as statutory
from sqlalchemy import Integer, delete, extract, func, select

from gridsvc.extensions import db
from gridsvc.routing.deadlines.models import WorkCalendarDay

log = logging.getLogger(__name__)
SOURCE = "holidays"
SWAPPED_FROM = re.compile(r"由\s*(\d{4}-\d{2}-\d{2})\s*调休")
COVERAGE_DAYS = 30
LOG_EVERY_SECONDS = 3600  # /readyz is probed every few seconds: say it in the log once an hour
_last_logged = [float("-inf")]


def statutory_days(years: Iterable[int]) -> dict[date, tuple[bool, str]]:
    """day -> (workday, note) for the years: holidays, and the weekend days worked instead."""
    out: dict[date, tuple[bool, str]] = {}
    for year in years:
        for day, name in statutory.country_holidays("CN", years=year, language="zh_CN").items():
            out.setdefault(day, (False, name[:64]))
            for worked in SWAPPED_FROM.findall(name):
                out[date.fromisoformat(worked)] = (True, f"调休上班（{day.isoformat()}休息）")
    return out


def fill(years: Iterable[int]) -> dict[str, int]:
    """Write the years' statutory days; hand entries stay. Flushes; the caller commits."""
    years = sorted(set(years))
    wanted = statutory_days(years)
    existing = {
        row.day: row
        for row in db.session.scalars(
            select(WorkCalendarDay).where(extract("year", WorkCalendarDay.day).in_(years))
        )
    }
    counts = {"added": 0, "updated": 0, "kept_manual": 0, "removed": 0}
    for day, (workday, note) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            db.session.add(WorkCalendarDay(day=day, workday=workday, note=note, source=SOURCE))
            counts["added"] += 1
        elif row.source != SOURCE:
            counts["kept_manual"] += 1
        elif (row.workday, row.note) != (workday, note):
            row.workday, row.note = workday, note
            counts["updated"] += 1
    stale = [d for d, row in existing.items() if row.source == SOURCE and d not in wanted]
    if stale:  # the package corrected a day it had estimated
        db.session.execute(delete(WorkCalendarDay).where(WorkCalendarDay.day.in_(stale)))
        counts["removed"] = len(stale)
    db.session.flush()
    return counts


def missing_years(today: date, days: int = COVERAGE_DAYS) -> list[int]:
    """The years the coming ``days`` touch that have no calendar row at all."""
    years = sorted({today.year, (today + timedelta(days=days)).year})
    have = set(
        db.session.scalars(
            select(extract("year", WorkCalendarDay.day).cast(Integer))
            .where(extract("year", WorkCalendarDay.day).in_(years))
            .group_by(extract("year", WorkCalendarDay.day))
        )
    )
    return [y for y in years if y not in have]


def coverage(today: date) -> dict:
    """What /readyz shows: ok, or a warning naming the years without data (also logged)."""
    gaps = missing_years(today)
    rows = db.session.scalar(
        select(func.count()).where(
            WorkCalendarDay.day.between(today, today + timedelta(days=COVERAGE_DAYS))
        )
    )
    if not gaps:
        return {"status": "ok", "days_in_next_30": rows}
    message = (
        f"the office calendar has no data for {', '.join(map(str, gaps))}: working-hour "
        "deadlines would run through public holidays; run `flask routing calendar-fill`"
    )
    if time.monotonic() - _last_logged[0] > LOG_EVERY_SECONDS:
        _last_logged[0] = time.monotonic()
        log.warning("office calendar not filled", extra={"missing_years": gaps})
    return {"status": "warning", "missing_years": gaps, "detail": message}
