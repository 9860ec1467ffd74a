"""Background work of the accounts room: clearing rows that no longer guard anything."""

from __future__ import annotations

from datetime import UTC, datetime

from gridsvc.accounts import service, throttle
from gridsvc.extensions import db
from gridsvc.jobs import celery


@celery.task(name="accounts.purge_expired")
def purge_expired() -> dict:
    """Revocations of tokens and sessions that have expired anyway, and stale login throttles."""
    now = datetime.now(UTC)
    purged = {
        "revocations": service.purge_expired_revocations(now),
        "throttles": throttle.purge_stale(now),
    }
    db.session.commit()
    return purged
