#!/usr/bin/env bash
# Redis for Celery (broker) and the rate limiter: use the one REDIS_URL names if it answers,
# else start our own on 127.0.0.1 (data and log under var/redis), installing redis-server if needed.
#
# Usage: scripts/redis.sh ensure | stop | status

set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REDIS_DIR="$VAR_DIR/redis"
REDIS_URL_DEFAULT="redis://127.0.0.1:6379/0"

# Does something speak Redis on host:port? Any reply counts, an error included (-NOAUTH means a
# Redis with a password, which the URL then carries).
redis_answers() {
    local host="$1" port="$2"
    # shellcheck disable=SC2016  # $1/$2 belong to the inner bash
    timeout 3 bash -c '
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        printf "PING\r\n" >&3
        IFS= read -r -t 2 reply <&3 || exit 1
        [[ "$reply" == [+-]* ]]
    ' _ "$host" "$port" 2>/dev/null
}

_redis_endpoint() {
    parse_url "$1" || die "REDIS_URL is not a URL: $1"
    REDIS_HOST="${URL_HOST:-127.0.0.1}"
    REDIS_PORT="${URL_PORT:-6379}"
}

redis_ensure() {
    local url
    url="$(setting REDIS_URL "$REDIS_URL_DEFAULT")"
    _redis_endpoint "$url"
    if [[ "$URL_SCHEME" == rediss ]]; then
        # TLS: cannot be probed with a plain PING; trust the configuration.
        return 0
    fi
    if ! redis_answers "$REDIS_HOST" "$REDIS_PORT"; then
        host_is_local "$REDIS_HOST" ||
            die "REDIS_URL ($REDIS_HOST:$REDIS_PORT) does not answer"
        if ! command -v redis-server >/dev/null 2>&1; then
            apt_install redis-server
            # Debian's package starts its own service where it can; that one will do.
            sleep 1
        fi
    fi
    if ! redis_answers "$REDIS_HOST" "$REDIS_PORT"; then
        mkdir -p "$REDIS_DIR"
        log "starting redis-server on 127.0.0.1:$REDIS_PORT (data in $REDIS_DIR)"
        # 9>&-: the daemon must not inherit (and so hold) the setup lock.
        redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
            --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
            --save 60 1 --appendonly no 9>&- ||
            die "redis-server did not start (log: $REDIS_DIR/redis.log)"
        for _ in $(seq 50); do
            redis_answers 127.0.0.1 "$REDIS_PORT" && break
            sleep 0.1
        done
        redis_answers 127.0.0.1 "$REDIS_PORT" ||
            die "redis-server started but does not answer (log: $REDIS_DIR/redis.log)"
    fi
    remember REDIS_URL "$url"
}

# Stop only the Redis this script started (the one whose pid file is under var/redis).
redis_stop() {
    local pid
    [[ -f "$REDIS_DIR/redis.pid" ]] || {
        log "no Redis of ours is running"
        return 0
    }
    pid="$(cat "$REDIS_DIR/redis.pid")"
    if kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server* ]]; then
        log "stopping redis-server (pid $pid)"
        kill "$pid"
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$REDIS_DIR/redis.pid"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    case "${1:-ensure}" in
    ensure) redis_ensure ;;
    stop) redis_stop ;;
    status)
        _redis_endpoint "$(setting REDIS_URL "$REDIS_URL_DEFAULT")"
        if redis_answers "$REDIS_HOST" "$REDIS_PORT"; then
            echo "redis answers on $REDIS_HOST:$REDIS_PORT"
        else
            echo "no redis on $REDIS_HOST:$REDIS_PORT"
            exit 3
        fi
        ;;
    *) die "usage: $0 ensure | stop | status" ;;
    esac
fi
