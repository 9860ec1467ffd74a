#!/usr/bin/env bash
# Container entry point: one image, four roles. `web` (default) serves with gunicorn; `worker` and
# `beat` run Celery; `migrate` applies the Alembic migrations (and loads the demo county when
# LOAD_DEMO=1), then exits. Anything else is executed as given (e.g. `flask --app gridsvc users ...`).

set -euo pipefail

role="${1:-web}"
(($#)) && shift

case "$role" in
web)
    exec gunicorn gridsvc.wsgi:app \
        --bind "0.0.0.0:${PORT:-8000}" \
        --workers "${WEB_CONCURRENCY:-2}" \
        --timeout "${GUNICORN_TIMEOUT:-60}" \
        --graceful-timeout 20 \
        --worker-tmp-dir /dev/shm \
        --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
        --log-level "$(printf '%s' "${LOG_LEVEL:-INFO}" | tr '[:upper:]' '[:lower:]')" \
        "$@"
    ;;
worker)
    exec celery -A gridsvc.worker:celery worker \
        --loglevel "${LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
beat)
    # The schedule state is disposable; no pid file, since the container is the unit of "one beat".
    exec celery -A gridsvc.worker:celery beat \
        --loglevel "${LOG_LEVEL:-INFO}" --schedule /tmp/celerybeat-schedule --pidfile= "$@"
    ;;
migrate)
    flask --app gridsvc db upgrade
    if [[ "${LOAD_DEMO:-0}" == 1 ]]; then
        flask --app gridsvc demo load "$@"
    fi
    ;;
*)
    exec "$role" "$@"
    ;;
esac
