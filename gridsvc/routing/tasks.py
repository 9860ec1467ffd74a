"""Background work of the routing room: webhook delivery (and, below, the SLA sweep)."""

from __future__ import annotations

from gridsvc.jobs import celery
from gridsvc.routing.deadlines.sweep import sweep
from gridsvc.routing.notices.webhooks import deliver_due


@celery.task(name="routing.deliver_webhooks")
def deliver_webhooks() -> dict:
    return deliver_due()


@celery.task(name="routing.sla_sweep")
def sla_sweep() -> dict:
    return sweep()
