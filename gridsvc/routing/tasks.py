"""Background work of the routing room: webhook delivery and the SLA sweep."""

from __future__ import annotations

from gridsvc.extensions import db
from gridsvc.jobs import celery
from gridsvc.routing.cases.on_site_notices import late_photos
from gridsvc.routing.deadlines.sweep import sweep
from gridsvc.routing.notices.webhooks import deliver_due


@celery.task(name="routing.deliver_webhooks")
def deliver_webhooks() -> dict:
    counts = deliver_due()
    db.session.commit()  # the attempts, statuses and next attempt times of this round
    return counts


@celery.task(name="routing.sla_sweep")
def sla_sweep() -> dict:
    counts = sweep()
    # On-the-spot reports whose photos are late: the same minute's beat, the same transaction.
    counts["on_site_late"] = late_photos()
    db.session.commit()  # notices, audit events and inbox lines of this sweep together
    return counts
