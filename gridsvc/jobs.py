"""Celery wiring. Tasks live in their room (``gridsvc/<room>/tasks.py``) and run in an app context.

This module never imports the app (the app imports it): ``celery -A gridsvc.worker:celery worker``
starts from :mod:`gridsvc.worker`, which builds the app once per worker process, and the app
factory hands itself to Celery in :func:`init_celery`. The entry point that commits the rows a
task needs queues it (a service never imports its room's task module).
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, has_app_context

from gridsvc.config import Config

# Each room with background work lists its task module here, so the worker imports it at start.
TASK_MODULES = [
    "gridsvc.accounts.tasks",
    "gridsvc.boundaries.tasks",
    "gridsvc.workers.tasks",
    "gridsvc.incidents.tasks",
    "gridsvc.routing.tasks",
    "gridsvc.assessment.tasks",
]

_flask_app: Flask | None = None  # the app of this process, handed over by init_celery


class AppContextTask(Task):
    """Runs every task inside the Flask app context (database session, config)."""

    def __call__(self, *args, **kwargs):
        if has_app_context():
            return self.run(*args, **kwargs)
        if _flask_app is None:
            raise RuntimeError("no Flask app: start workers with `celery -A gridsvc.worker:celery`")
        with _flask_app.app_context():
            return self.run(*args, **kwargs)


celery = Celery("gridsvc", task_cls=AppContextTask)
celery.conf.update(
    broker_url=Config.REDIS_URL or "redis://127.0.0.1:6379/0",
    result_backend=None,
    task_ignore_result=True,
    # A task is acknowledged only after it ran, so a killed worker leaves it to be redelivered.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    timezone="Asia/Shanghai",
    enable_utc=True,
    include=TASK_MODULES,
    # Keep the app's JSON-lines logging as it is inside workers.
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
    beat_schedule={
        "accounts-purge-expired": {"task": "accounts.purge_expired", "schedule": 3600.0},
        "boundaries-requeue-stale-uploads": {
            "task": "boundaries.requeue_stale_uploads",
            "schedule": 300.0,
        },
        "boundaries-requeue-stale-merges": {
            "task": "boundaries.requeue_stale_merges",
            "schedule": 300.0,
        },
        "workers-summarise-patrol-days": {
            "task": "workers.summarise_patrol_days",
            "schedule": 3600.0,
        },
        "workers-drop-expired-tracks": {"task": "workers.drop_expired_tracks", "schedule": 86400.0},
        "boundaries-requeue-stale-publishes": {
            "task": "boundaries.requeue_stale_publishes",
            "schedule": 300.0,
        },
        "incidents-purge-idempotency-keys": {
            "task": "incidents.purge_idempotency_keys",
            "schedule": 86400.0,
        },
        "routing-deliver-webhooks": {"task": "routing.deliver_webhooks", "schedule": 15.0},
        "routing-sla-sweep": {"task": "routing.sla_sweep", "schedule": 60.0},
        "assessment-hotspot-sweep": {"task": "assessment.hotspot_sweep", "schedule": 900.0},
        "assessment-settle-days": {"task": "assessment.settle_days", "schedule": 3600.0},
        "assessment-requeue-stale-recomputes": {
            "task": "assessment.requeue_stale_recomputes",
            "schedule": 300.0,
        },
    },
)


def init_celery(app: Flask) -> Celery:
    """Align Celery with the app's configuration (broker, eager mode for tests and dry runs)."""
    if app.config.get("REDIS_URL"):
        celery.conf.broker_url = app.config["REDIS_URL"]
    celery.conf.task_always_eager = bool(app.config.get("CELERY_TASK_ALWAYS_EAGER"))
    celery.conf.task_eager_propagates = bool(app.config.get("CELERY_TASK_ALWAYS_EAGER"))
    global _flask_app
    _flask_app = app
    app.extensions["celery"] = celery
    return celery
