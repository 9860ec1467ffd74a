"""Background work of the incidents room."""

from __future__ import annotations

from gridsvc import idempotency
from gridsvc.extensions import db
from gridsvc.jobs import celery


@celery.task(name="incidents.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Drop Idempotency-Key records past their expiry (they only guard retries)."""
    purged = idempotency.purge_expired()
    db.session.commit()
    return purged
