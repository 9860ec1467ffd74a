"""Background work of the routing room: webhook delivery (and, below, the SLA sweep)."""

from __future__ import annotations

from gridsvc.jobs import celery


@celery.task(name="routing.deliver_webhooks")
def deliver_webhooks() -> dict:
    from gridsvc.routing.notices.webhooks import deliver_due

    return deliver_due()


@celery.task(name="routing.sla_sweep")
def sla_sweep() -> dict:
    from gridsvc.routing.deadlines.sweep import sweep

    return sweep()
