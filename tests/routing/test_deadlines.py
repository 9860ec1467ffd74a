"""Working-hour deadlines on the Asia/Shanghai office calendar (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from gridsvc.localtime import SHANGHAI
from gridsvc.routing.deadlines.calendar import WorkCalendar, due_at, parse_periods


def local(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_natural_hours_ignore_the_calendar():
    start = local(2026, 12, 4, 17)  # a Friday
    assert due_at(start, 2) == local(2026, 12, 4, 19).astimezone(UTC)


def test_friday_afternoon_runs_into_monday_morning():
    cal = WorkCalendar()
    # Friday 17:00: 30 min left today, 1.5 h more from Monday 08:30.
    assert due_at(local(2026, 12, 4, 17), 2, "working", cal) == local(2026, 12, 7, 10)


def test_lunch_break_and_evening_are_skipped():
    cal = WorkCalendar()
    assert due_at(local(2026, 12, 2, 11), 2, "working", cal) == local(2026, 12, 2, 15, 30)
    assert due_at(local(2026, 12, 2, 20), 1, "working", cal) == local(2026, 12, 3, 9, 30)
    assert due_at(local(2026, 12, 2, 6), 0.5, "working", cal) == local(2026, 12, 2, 9)


def test_holidays_and_swapped_workdays():
    cal = WorkCalendar(
        holidays=frozenset({date(2026, 12, 7)}), extra_workdays=frozenset({date(2026, 12, 5)})
    )
    # Friday 17:00 + 2 h: Saturday 5 Dec is a working day (调休), so it ends there.
    assert due_at(local(2026, 12, 4, 17), 2, "working", cal) == local(2026, 12, 5, 10)
    # Saturday's full 6.5 h used up -> Monday is a holiday -> Tuesday.
    assert due_at(local(2026, 12, 5, 8), 7, "working", cal) == local(2026, 12, 8, 9)


def test_parse_periods():
    assert parse_periods("14:30-17:30, 08:30-12:00") == (
        (time(8, 30), time(12)),
        (time(14, 30), time(17, 30)),
    )
    with pytest.raises(ValueError, match="ends before"):
        parse_periods("12:00-08:00")
    with pytest.raises(ValueError, match="overlap"):
        parse_periods("08:00-12:00,11:00-13:00")


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        due_at(datetime(2026, 12, 2, 8), 1)


def test_a_calendar_without_working_time_fails_loudly():
    with pytest.raises(ValueError, match="no working time"):
        due_at(local(2026, 12, 2, 8), 1, "working", WorkCalendar(periods=()))
