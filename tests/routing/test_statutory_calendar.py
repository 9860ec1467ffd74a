"""The office calendar filled from the holidays package: 春节 and its 调休 without hand entry."""

from __future__ import annotations

import logging
from datetime import date, datetime

from gridsvc.localtime import SHANGHAI
from gridsvc.routing.deadlines import clock, statutory
from gridsvc.routing.deadlines.models import WorkCalendarDay


def _fill(app, *years):
    args = ["routing", "calendar-fill"]
    for year in years:
        args += ["--year", str(year)]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_spring_festival_deadline_skips_the_holiday(app, db_session):
    # Friday 13 February 2026, 16:30: eight working hours.
    start = datetime(2026, 2, 13, 16, 30, tzinfo=SHANGHAI)
    bare = clock.deadline(start, 8, "working")
    assert bare.astimezone(SHANGHAI) == datetime(2026, 2, 17, 9, 0, tzinfo=SHANGHAI)

    assert "'added'" in _fill(app, 2026)
    worked = db_session.get(WorkCalendarDay, date(2026, 2, 14))
    assert (worked.workday, worked.source) == (True, "holidays")  # Saturday 14 Feb is worked
    assert db_session.get(WorkCalendarDay, date(2026, 2, 17)).note == "春节"
    # Fri 1 h + Sat 14 Feb (调休) 6.5 h; 15–23 Feb off; Tue 24 Feb the last half hour.
    due = clock.deadline(start, 8, "working")
    assert due.astimezone(SHANGHAI) == datetime(2026, 2, 24, 9, 0, tzinfo=SHANGHAI)


def test_hand_entries_survive_a_fill_and_a_second_fill_changes_nothing(app, db_session):
    runner = app.test_cli_runner()
    hand = runner.invoke(
        args=["routing", "calendar-set", "2026-02-24", "--holiday", "--note", "县里加一天"]
    )
    assert hand.exit_code == 0, hand.output
    assert "'kept_manual': 0" in _fill(app, 2026)  # 24 Feb is no statutory day: nothing to keep
    hand_on_statutory = runner.invoke(
        args=["routing", "calendar-set", "2026-02-14", "--holiday", "--note", "本县不调休"]
    )
    assert hand_on_statutory.exit_code == 0
    again = statutory.fill([2026])
    assert again == {"added": 0, "updated": 0, "kept_manual": 1, "removed": 0}
    row = db_session.get(WorkCalendarDay, date(2026, 2, 14))
    assert (row.workday, row.source, row.note) == (False, "manual", "本县不调休")
    start = datetime(2026, 2, 13, 16, 30, tzinfo=SHANGHAI)
    due = clock.deadline(start, 8, "working")
    # Fri 1 h; 14 Feb off by hand, 15–23 off, 24 off by hand; Wed 25 Feb 6.5 h; Thu 26 the rest.
    assert due.astimezone(SHANGHAI) == datetime(2026, 2, 26, 9, 0, tzinfo=SHANGHAI)


def test_readyz_warns_while_the_coming_days_have_no_calendar(app, client, db_session, caplog):
    statutory._last_logged[0] = float("-inf")
    with caplog.at_level(logging.WARNING, logger="gridsvc.routing.deadlines.statutory"):
        before = client.get("/readyz")
    assert before.status_code == 200
    calendar = before.json["details"]["calendar"]
    assert calendar["status"] == "warning"
    assert calendar["missing_years"]
    assert "calendar-fill" in calendar["detail"]
    assert any("office calendar not filled" in r.getMessage() for r in caplog.records)
    _fill(app)
    after = client.get("/readyz").json["details"]["calendar"]
    assert after["status"] == "ok"
