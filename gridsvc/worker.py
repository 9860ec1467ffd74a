"""Celery's entry point: ``celery -A gridsvc.worker:celery worker`` (and ``beat``).

Builds the app once per worker process, from the same configuration as the web process, so tasks
see the same settings; :mod:`gridsvc.jobs` itself never imports the app.
"""

from __future__ import annotations

from gridsvc.app import create_app

app = create_app()
celery = app.extensions["celery"]
