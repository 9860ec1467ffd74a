#!/usr/bin/env bash
# `make run`: set up whatever is missing, migrate, load the demo county, then serve.
#
# Granian (web, gridsvc/serving.py), a Celery worker and Celery beat run side by side in the foreground; when any of
# them exits (or on Ctrl-C / SIGTERM) the others are stopped too, so nothing is left behind.
# Set-up is idempotent: a second run keeps the data and the secrets and skips pip.

set -euo pipefail
HERE="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source "$HERE/common.sh"
# shellcheck source=scripts/bootstrap.sh
source "$HERE/bootstrap.sh"
# shellcheck source=scripts/database.sh
source "$HERE/database.sh"
# shellcheck source=scripts/redis.sh
source "$HERE/redis.sh"
# shellcheck source=scripts/console.sh
source "$HERE/console.sh"

RUN_DIR="$VAR_DIR/run"
PIDS=()

setup() {
    acquire_setup_lock
    bootstrap_venv
    console_build
    db_resolve
    log "database: $(redact "$DB_URL") (from $DB_SOURCE)"
    db_ensure_database "$DB_URL"
    ensure_secrets
    redis_ensure
    export_env_file
    export DATABASE_URL="$DB_URL"
    export PATH="$VENV/bin:$PATH"
    cd "$ROOT"
    log "migrating (flask db upgrade)"
    flask --app gridsvc db upgrade
    if [[ "${GRIDSVC_ENV:-development}" == production ]]; then
        log "GRIDSVC_ENV=production: not loading the demo county"
    else
        log "loading the demo county (flask demo load)"
        flask --app gridsvc demo load
    fi
    # China's statutory holidays and 调休 workdays for this year and the next (hand edits stay).
    log "filling the office calendar (flask routing calendar-fill)"
    flask --app gridsvc routing calendar-fill
    release_setup_lock
}

stop_all() {
    local pid
    trap - INT TERM
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # Celery's warm shutdown finishes the running task; give it time, then insist.
    for _ in $(seq 100); do
        local alive=0
        for pid in "${PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        ((alive)) || return 0
        sleep 0.2
    done
    for pid in "${PIDS[@]}"; do
        pkill -KILL -P "$pid" 2>/dev/null || true # its own children (server/celery pool workers)
        kill -KILL "$pid" 2>/dev/null || true
    done
}

wait_until_up() {
    local url="$1"
    for _ in $(seq 150); do
        python3 - "$url" <<'EOF' 2>/dev/null && return 0
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2)
EOF
        # Stop waiting if the server already died (e.g. an import error).
        kill -0 "${PIDS[0]}" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# Celery beat refuses to start while its pid file names a live process; after a crash the pid may
# have been reused by something else entirely.
_drop_stale_beat_pidfile() {
    local pidfile="$RUN_DIR/celerybeat.pid" pid
    [[ -f "$pidfile" ]] || return 0
    pid="$(cat "$pidfile" 2>/dev/null)"
    if ! grep -qs celery "/proc/${pid:-0}/cmdline"; then
        rm -f "$pidfile"
    fi
}

# Where `make run` listens: 127.0.0.1 unless BIND opens it (BIND=0.0.0.0, or one address). The
# demo county's passwords are in the README, so the default keeps them on this machine.
bind_address() { setting BIND 127.0.0.1; }

# Where this machine reaches the server: the bound address, or loopback for a wildcard.
local_address() {
    case "$(bind_address)" in
    0.0.0.0 | :: | "[::]") echo 127.0.0.1 ;;
    *) bind_address ;;
    esac
}

serve() {
    local port="${PORT:-8000}" level="${LOG_LEVEL:-INFO}" host status=0
    check_port
    host="$(local_address)"
    # gridsvc/serving.py reads these (and WEB_CONCURRENCY, WEB_THREADS, HEADER_READ_TIMEOUT_MS).
    BIND="$(bind_address)"
    export BIND PORT="$port" LOG_LEVEL="$level"
    mkdir -p "$RUN_DIR"
    _drop_stale_beat_pidfile
    log "starting Granian on $BIND:$port (gridsvc/serving.py), a Celery worker and Celery beat"
    python -m gridsvc.serving &
    PIDS+=($!)
    celery -A gridsvc.worker:celery worker --loglevel "$level" \
        --concurrency "${CELERY_CONCURRENCY:-2}" &
    PIDS+=($!)
    celery -A gridsvc.worker:celery beat --loglevel "$level" \
        --schedule "$VAR_DIR/celerybeat-schedule" --pidfile "$RUN_DIR/celerybeat.pid" &
    PIDS+=($!)
    trap 'stop_all; exit 130' INT
    trap 'stop_all; exit 143' TERM
    local reach="Listening on $BIND only; BIND=0.0.0.0 make run serves other machines too."
    [[ "$BIND" == 127.* ]] || reach="Listening on $BIND: other machines can reach it."
    if wait_until_up "http://$host:$port/healthz"; then
        cat >&2 <<EOF

  gridsvc is up:
    console    http://$host:$port/console/
    API docs   http://$host:$port/api/v1/docs
    OpenAPI    http://$host:$port/api/v1/openapi.json
    health     http://$host:$port/healthz, /readyz
  $reach
  Stop with Ctrl-C.

EOF
        if [[ "${GRIDSVC_ENV:-development}" != production ]]; then
            flask --app gridsvc demo logins >&2 || true
            echo >&2
        fi
    fi
    # Whichever process ends first brings the others down: a web server without its worker
    # (or the reverse) would look healthy while uploads never get processed.
    wait -n "${PIDS[@]}" || status=$?
    log "a process exited (status $status); stopping the others"
    stop_all
    exit "$status"
}

check_port() {
    local port
    port="$(setting PORT 8000)"
    if tcp_open "$(local_address)" "$port"; then
        die "port $port is already in use (another make run?); stop it or set PORT"
    fi
}

main() {
    check_port # before the set-up, so a second `make run` fails at once
    setup
    serve
}

main "$@"
