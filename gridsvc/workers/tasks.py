"""Background upkeep of patrol tracks: the daily summaries and the retention of raw points."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from gridsvc.extensions import db
from gridsvc.jobs import celery
from gridsvc.workers import retention, summarise


@celery.task(name="workers.summarise_patrol_days")
def summarise_patrol_days() -> dict:
    """Store the summaries of the closed days that are due (idempotent: beat runs it hourly)."""
    return summarise.summarise_closed_days(datetime.now(UTC), progress=db.session.commit)


@celery.task(name="workers.drop_expired_tracks")
def drop_expired_tracks() -> dict:
    """Summarise, archive (TRACK_ARCHIVE_DIR) and drop the expired monthly partitions."""
    return drop_expired_months(datetime.now(UTC))


def drop_expired_months(now: datetime) -> dict:
    """The retention run, one committed transaction per month (the CLI runs it too)."""
    return retention.tally(_each_committed(retention.expired_steps(now)))


def _each_committed(steps: Iterator[dict]) -> Iterator[dict]:
    for step in steps:
        db.session.commit()
        yield step
    db.session.commit()  # the lock taken by the last look for an expired month
