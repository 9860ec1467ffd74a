"""Background work of assessment: the hotspot sweep of every county with recent reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import text

from gridsvc.assessment.alerts import sweep
from gridsvc.assessment.daily import settle
from gridsvc.extensions import db
from gridsvc.jobs import celery


@celery.task(name="assessment.hotspot_sweep")
def hotspot_sweep() -> dict:
    now = datetime.now(UTC)
    days = max(
        current_app.config["HOTSPOT_WINDOW_DAYS"], current_app.config["RECURRING_WINDOW_DAYS"]
    )
    counties = db.session.scalars(
        text(
            "SELECT DISTINCT county_code FROM incidents WHERE received_at > :since"
            " UNION SELECT county_code FROM hotspot_alerts WHERE ended_at IS NULL"
        ),
        {"since": now - timedelta(days=days)},
    ).all()
    totals = {"raised": 0, "open": 0, "ended": 0}
    for county in counties:
        for key, value in sweep(county, now).items():
            totals[key] += value
        db.session.commit()  # each county's alerts and notices together, then the next county
    return totals


@celery.task(name="assessment.settle_days")
def settle_days() -> dict:
    """Store the figures of the days that settled since the last run (idempotent: hourly)."""
    now = datetime.now(UTC)
    counties = db.session.scalars(text("SELECT DISTINCT county_code FROM cases")).all()
    totals = {"days": 0, "cases": 0}
    for county in counties:
        # A week's settled days at a time (a county's first settlement covers a year).
        for key, value in settle(county, now, progress=db.session.commit).items():
            totals[key] += value
        db.session.commit()
    return totals
