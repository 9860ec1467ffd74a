"""Due times: natural hours, or working hours on the Asia/Shanghai office calendar.

Township and county offices keep split hours (morning and afternoon) on working days; public holidays
and the weekend days swapped into working days (调休) are announced each year, so they come from the
``work_calendar_days`` table rather than from code. A deadline of "2 working hours" reported at 17:00
on a Friday falls on Monday morning.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from gridsvc.localtime import SHANGHAI

DEFAULT_PERIODS = ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))
# A deadline never searches further than this for working time (a calendar with none is a mistake).
_MAX_DAYS = 3660


@dataclass(frozen=True)
class WorkCalendar:
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)  # 调休

    def is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.extra_workdays:
            return True
        return day.weekday() < 5


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """``"08:30-12:00,14:30-17:30"`` -> periods; raises ValueError on anything malformed."""
    periods = []
    for part in text.split(","):
        start, end = (time.fromisoformat(p.strip()) for p in part.split("-"))
        if end <= start:
            raise ValueError(f"period {part!r} ends before it starts")
        periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in itertools.pairwise(periods):
        if start < end:
            raise ValueError("working periods overlap")
    return tuple(periods)


def due_at(
    start: datetime, hours: float, basis: str = "natural", calendar: WorkCalendar | None = None
) -> datetime:
    """``hours`` after ``start``, counted in natural time or in the calendar's working time."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if basis != "working" or calendar is None:
        return (start + timedelta(hours=hours)).astimezone(UTC)
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(SHANGHAI)
    day = cursor.date()
    for _ in range(_MAX_DAYS):
        if calendar.is_workday(day):
            for begin, end in calendar.periods:
                period_end = datetime.combine(day, end, SHANGHAI)
                period_start = max(cursor, datetime.combine(day, begin, SHANGHAI))
                if period_start >= period_end:
                    continue
                available = period_end - period_start
                if remaining <= available:
                    return (period_start + remaining).astimezone(UTC)
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0), SHANGHAI)
    raise ValueError("the calendar has no working time within ten years")


def hours_between(
    start: datetime, end: datetime, basis: str = "natural", calendar: WorkCalendar | None = None
) -> float:
    """The inverse of :func:`due_at`: how many hours of ``basis`` time lie between two instants.

    Assessment measures response and resolution times this way, so a case counted in working
    hours is judged on the same clock that set its deadline. An end before the start is 0.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end <= start:
        return 0.0
    if basis != "working" or calendar is None:
        return (end - start).total_seconds() / 3600
    first, last = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    total = timedelta()
    day = first.date()
    while day <= last.date():
        if calendar.is_workday(day):
            for begin, finish in calendar.periods:
                lo = max(first, datetime.combine(day, begin, SHANGHAI))
                hi = min(last, datetime.combine(day, finish, SHANGHAI))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600
