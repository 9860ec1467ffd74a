#!/usr/bin/env bash
# Container entry point: one image, four roles. `web` (default) serves with Granian; `worker` and
# `beat` run Celery; `migrate` applies the Alembic migrations (and loads the demo county when
# LOAD_DEMO=1), then exits. Anything else is executed as given (e.g. `flask --app gridsvc users ...`).

set -euo pipefail

role="${1:-web}"
(($#)) && shift

case "$role" in
web)
    # The settings `make run` uses (gridsvc/serving.py: Granian, workers, threads). Inside
    # the container the server listens on every interface of the container's own network; the
    # compose file publishes only nginx, which forwards to it.
    export BIND="${BIND:-0.0.0.0}"
    exec python -m gridsvc.serving "$@"
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
