"""Background upkeep of patrol tracks: the daily summaries and the retention of raw points."""

from __future__ import annotations

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
    return retention.drop_expired(datetime.now(UTC), commit=db.session.commit)
