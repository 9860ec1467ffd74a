"""Background work of assessment: the hotspot sweep of every county with recent reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import text

from gridsvc.assessment import recompute_jobs
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


@celery.task(name="assessment.run_recompute", bind=True, max_retries=3)
def run_recompute(self, recompute_id: str) -> str | None:
    """Settle an admin's range of days again (idempotent; see recompute_jobs.py)."""
    # The attempt is committed first, so a worker killed mid-settlement has used it up; the
    # figures and ``done`` then commit together (which also lets the county's lock go).
    job = recompute_jobs.run(recompute_id, progress=db.session.commit)
    db.session.commit()
    return job.status if job else None


@celery.task(name="assessment.requeue_stale_recomputes")
def requeue_stale_recomputes() -> int:
    """Beat: give recomputes a lost worker left behind another try."""
    requeued = recompute_jobs.requeue_stale()
    db.session.commit()  # before queueing: the worker must find them queued
    for job_id in requeued:
        run_recompute.delay(job_id)
    return len(requeued)
