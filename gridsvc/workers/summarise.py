"""Which days to summarise, and when a day's summary is final.

A day's points can still arrive for ``TRACK_MAX_AGE_DAYS`` after it (offline phones), so a
summary taken before ``day end + TRACK_MAX_AGE_DAYS`` may be overtaken; the reports read raw
points while they are kept, so such a summary is never shown. The upkeep task summarises every
closed day of that window whose summary is missing or not yet final, at most once a day each;
retention summarises again, before dropping, any day of the month whose summary is not final.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI
from gridsvc.workers import day_summaries, patrols

RESUMMARISE_AFTER = timedelta(days=1)
HAS_POINTS_SQL = text("SELECT EXISTS (SELECT 1 FROM track_points WHERE t >= :start AND t < :end)")
COMPUTED_SQL = text(
    "SELECT day, min(computed_at) FROM patrol_days WHERE day BETWEEN :first AND :last GROUP BY day"
)


def final_after(day: date) -> datetime:
    """The moment after which no point of ``day`` can be accepted any more."""
    cfg = current_app.config
    return (
        patrols.day_bounds(day)[1]
        + timedelta(days=cfg["TRACK_MAX_AGE_DAYS"])
        + timedelta(seconds=cfg["TRACK_MAX_FUTURE_SECONDS"])
    )


def summarise(day: date) -> int | None:
    """Recompute and store ``day``'s summaries from its raw points; the workers summarised, or
    None when the raw points are gone (the summaries are then kept as they are)."""
    return day_summaries.summarise_day(day, patrols.day_bounds(day), patrols.figures_of_day)


def days_due(
    first: date, last: date, now: datetime, throttle: timedelta = RESUMMARISE_AFTER
) -> list[date]:
    """Days in ``first..last`` (closed days) whose summary is missing or may be overtaken;
    one summarised less than ``throttle`` ago is left for a later run."""
    computed = dict(db.session.execute(COMPUTED_SQL, {"first": first, "last": last}).all())
    due = []
    day = first
    while day <= last:
        at = computed.get(day)
        if at is None:
            start, end = patrols.day_bounds(day)
            if db.session.execute(HAS_POINTS_SQL, {"start": start, "end": end}).scalar():
                due.append(day)
        elif at <= final_after(day) and now - at >= throttle:
            due.append(day)
        day += timedelta(days=1)
    return due


def summarise_closed_days(now: datetime, progress=lambda: None) -> dict:
    """Summarise the closed days of the late-upload window that are due; ``progress`` runs
    after each day (the task commits there)."""
    today = now.astimezone(SHANGHAI).date()
    window = current_app.config["TRACK_MAX_AGE_DAYS"] + 1
    totals = {"days": 0, "workers": 0}
    for day in days_due(today - timedelta(days=window), today - timedelta(days=1), now):
        totals["workers"] += summarise(day) or 0
        totals["days"] += 1
        progress()
    return totals
