"""What the rooms' background jobs (merges, publishes, indicator recomputes) share: a row with ``queued`` ->
``running`` -> ``done`` | ``failed``, an attempt count, and a sweep for rows a lost worker left.

Celery redelivers an unacknowledged task only after the broker's visibility timeout, and a message
lost with a crashed Redis never comes back; the beat's sweep makes sure every job ends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from gridsvc.extensions import db

MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(minutes=30)


def requeue_stale(
    model, give_up: Callable[[object], None], now: datetime | None = None
) -> list[str]:
    """Rows of ``model`` a lost worker left queued or running: queued again, or handed to
    ``give_up`` (which fails them) once their attempts are used up.

    Returns the ids to queue; the caller commits first, so the worker finds them queued.
    """
    now = now or datetime.now(UTC)
    stale = db.session.scalars(
        select(model).where(
            model.status.in_(("queued", "running")),
            model.created_at < now - STALE_AFTER,
            (model.started_at.is_(None)) | (model.started_at < now - STALE_AFTER),
        )
    ).all()
    requeued = []
    for row in stale:
        if row.attempts >= MAX_ATTEMPTS:
            give_up(row)
        else:
            row.status = "queued"
            requeued.append(str(row.id))
    db.session.flush()
    return requeued
