#!/usr/bin/env bash
# Find (or make) a PostgreSQL + PostGIS server and the databases gridsvc needs.
#
# Order of preference, first that applies wins:
#   1. DATABASE_URL from the environment or .env (a configured server is never second-guessed;
#      if it is our own private cluster and stopped, it is started);
#   2. the private cluster under var/pg, if one was initialised before;
#   3. the local server on 127.0.0.1:5432 (GRIDSVC_PG_PROBE_PORT), if it lets `postgres` in
#      without a password (trust) -- skipped when GRIDSVC_FORCE_PRIVATE_PG=1;
#   4. a new private cluster under var/pg: initdb (as the `postgres` user when we are root),
#      127.0.0.1 only, port 54329 (GRIDSVC_PG_PORT), password auth with a generated password.
# The choice is written to .env as DATABASE_URL (unless the environment set it), so every later
# run, and the app's `flask` CLI, talk to the same server.
#
# Usage: scripts/database.sh ensure [DBNAME...]   resolve the server, create DBs, enable PostGIS
#        scripts/database.sh url [DBNAME]         print the resolved SQLAlchemy URL
#        scripts/database.sh start|stop|status    the private cluster under var/pg

set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_PRIVATE_PORT="${GRIDSVC_PG_PORT:-54329}"
PG_PROBE_PORT="${GRIDSVC_PG_PROBE_PORT:-5432}"
PG_LINK="$VAR_DIR/pg"
PSQL=""
DB_URL=""    # set by db_resolve: SQLAlchemy URL of the app database on the chosen server
DB_SOURCE="" # environment | .env | private | local

# ---------------------------------------------------------------------------------------------
# URLs and queries

# SQLAlchemy's `postgresql+psycopg2://` -> libpq's `postgresql://` (the rest is the same syntax).
to_libpq() { sed -E 's#^postgres(ql)?(\+[A-Za-z0-9_]+)?://#postgresql://#' <<<"$1"; }

url_with_db() {
    local url="$1" db="$2"
    [[ "$url" =~ ^([^/]*//[^/?]*)(/[^?]*)?(\?.*)?$ ]] || die "not a database URL: $url"
    printf '%s/%s%s\n' "${BASH_REMATCH[1]}" "$db" "${BASH_REMATCH[3]}"
}

url_db() {
    parse_url "$1" || die "not a database URL: $1"
    printf '%s\n' "${URL_PATH:-postgres}"
}

# The URL without its password, for messages.
redact() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

ensure_pg_client() {
    local found
    if ! PSQL="$(command -v psql)"; then
        found="$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -n 1)" || true
        if [[ -z "$found" ]]; then
            apt_install postgresql-client
            found="$(command -v psql)"
        fi
        PSQL="$found"
    fi
}

# pg_query URL SQL: run one statement, print the unaligned result. Never prompts for a password.
pg_query() {
    "$PSQL" -X -w -q -At -v ON_ERROR_STOP=1 -d "$(to_libpq "$1")" -c "$2"
}

# Does the server behind URL let us in? Tries the maintenance database first (the target may not
# exist yet), then the target itself (some roles may not connect to `postgres`).
pg_answers() {
    pg_query "$(url_with_db "$1" postgres)" 'SELECT 1' >/dev/null 2>&1 ||
        pg_query "$1" 'SELECT 1' >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------------
# The private cluster

_pg_home() { readlink -f "$PG_LINK" 2>/dev/null || printf '%s\n' "$PG_LINK"; }

pg_private_exists() { [[ -f "$(_pg_home)/data/PG_VERSION" ]]; }

# Run as the cluster's owner: `postgres` when we are root (initdb refuses root), else ourselves.
_as_pg_owner() {
    if is_root; then
        # From /, since `postgres` may not be allowed into the current directory.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_installed_majors() {
    local f
    for f in /usr/lib/postgresql/*/bin/postgres; do
        [[ -x "$f" ]] && basename "$(dirname "$(dirname "$f")")"
    done | sort -V
}

_pg_bindir() {
    local major="$1"
    if [[ -x "/usr/lib/postgresql/$major/bin/pg_ctl" ]]; then
        printf '%s\n' "/usr/lib/postgresql/$major/bin"
    elif command -v pg_ctl >/dev/null 2>&1; then # non-Debian layouts put them on PATH
        dirname "$(command -v pg_ctl)"
    else
        return 1
    fi
}

_private_port() {
    local conf
    conf="$(_pg_home)/data/postgresql.conf"
    sed -n -E 's/^port = ([0-9]+).*/\1/p' "$conf" 2>/dev/null | tail -n 1 | grep . ||
        printf '%s\n' "$PG_PRIVATE_PORT"
}

_private_url() {
    local password
    password="$(cat "$(_pg_home)/superuser.password")" ||
        die "cannot read $(_pg_home)/superuser.password (the private cluster's password)"
    printf 'postgresql+psycopg2://postgres:%s@127.0.0.1:%s/%s\n' "$password" "$(_private_port)" "${1:-gridsvc}"
}

# Where the cluster lives. Normally var/pg itself; when running as root in a checkout that the
# `postgres` user cannot reach (e.g. under /root, mode 700), the cluster goes to
# /var/lib/postgresql/gridsvc-<hash> and var/pg becomes a symlink to it.
_choose_pg_home() {
    local fallback
    if ! is_root || runuser -u postgres -- test -x "$VAR_DIR" 2>/dev/null; then
        mkdir -p "$PG_LINK"
        return 0
    fi
    fallback="/var/lib/postgresql/gridsvc-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
    log "the postgres user cannot reach $VAR_DIR; the private cluster goes to $fallback (var/pg links to it)"
    mkdir -p "$fallback"
    rm -rf "$PG_LINK"
    ln -s "$fallback" "$PG_LINK"
}

pg_private_init() {
    local major bindir home pwfile socket_dir
    major="$(_installed_majors | tail -n 1)"
    if [[ -z "$major" ]]; then
        apt_install postgresql
        major="$(_installed_majors | tail -n 1)"
    fi
    [[ -n "$major" ]] || die "no PostgreSQL server found; install one (apt-get install postgresql)"
    apt_install "postgresql-$major-postgis-3"
    bindir="$(_pg_bindir "$major")" || die "PostgreSQL $major's programs (initdb, pg_ctl) not found"
    if is_root; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to own the cluster"
    fi
    ensure_var_dir
    _choose_pg_home
    home="$(_pg_home)"
    log "initialising a private PostgreSQL $major cluster in $home (127.0.0.1:$PG_PRIVATE_PORT)"
    rm -rf "$home/data"
    mkdir -p "$home/data" "$home/run" "$home/log"
    chmod 700 "$home/data"
    if is_root; then
        chown postgres:postgres "$home/data" "$home/run" "$home/log"
    fi
    if [[ ! -s "$home/superuser.password" ]]; then
        (umask 077 && random_hex 24 >"$home/superuser.password")
    fi
    # initdb reads the password from a file its own user can read; it is removed right after.
    pwfile="$(mktemp)"
    cat "$home/superuser.password" >"$pwfile"
    is_root && chown postgres "$pwfile"
    if ! _as_pg_owner "$bindir/initdb" -D "$home/data" -U postgres --pwfile="$pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$home/log/initdb.log" 2>&1; then
        rm -f "$pwfile"
        tail -n 20 "$home/log/initdb.log" >&2
        die "initdb failed (log: $home/log/initdb.log)"
    fi
    rm -f "$pwfile"
    # Unix socket paths are limited to ~107 bytes; a deep checkout gets TCP only.
    socket_dir="$home/run"
    ((${#socket_dir} < 90)) || socket_dir=""
    cat >>"$home/data/postgresql.conf" <<EOF

# --- gridsvc private cluster (scripts/database.sh) ---
listen_addresses = '127.0.0.1'
port = $PG_PRIVATE_PORT
unix_socket_directories = '$socket_dir'
EOF
}

pg_private_running() {
    local home major bindir
    home="$(_pg_home)"
    pg_private_exists || return 1
    major="$(cat "$home/data/PG_VERSION")"
    bindir="$(_pg_bindir "$major")" || return 1
    _as_pg_owner "$bindir/pg_ctl" -D "$home/data" status >/dev/null 2>&1
}

pg_private_start() {
    local home major bindir port
    home="$(_pg_home)"
    pg_private_exists || die "no private cluster in $home"
    pg_private_running && return 0
    # Also running when its owner is someone else (pg_ctl status needs to read the data dir).
    pg_answers "$(_private_url postgres)" && return 0
    major="$(cat "$home/data/PG_VERSION")"
    if ! bindir="$(_pg_bindir "$major")"; then
        apt_install "postgresql-$major" "postgresql-$major-postgis-3"
        bindir="$(_pg_bindir "$major")" || die "PostgreSQL $major (the private cluster's version) is not installed"
    fi
    port="$(_private_port)"
    if tcp_open 127.0.0.1 "$port"; then
        die "port $port is taken by another program; stop it, or remove var/pg and set GRIDSVC_PG_PORT"
    fi
    log "starting the private PostgreSQL $major cluster (127.0.0.1:$port)"
    # 9>&-: the postmaster must not inherit (and so hold) the setup lock.
    if ! _as_pg_owner "$bindir/pg_ctl" -D "$home/data" -l "$home/log/postgresql.log" -w -t 60 \
        start >/dev/null 9>&-; then
        tail -n 20 "$home/log/postgresql.log" >&2 || true
        die "the private cluster did not start (log: $home/log/postgresql.log)"
    fi
}

pg_private_stop() {
    local home major bindir
    home="$(_pg_home)"
    pg_private_running || {
        log "the private cluster is not running"
        return 0
    }
    major="$(cat "$home/data/PG_VERSION")"
    bindir="$(_pg_bindir "$major")"
    log "stopping the private cluster"
    _as_pg_owner "$bindir/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null
}

_is_private_url() {
    parse_url "$1" || return 1
    pg_private_exists && host_is_local "$URL_HOST" && [[ "${URL_PORT:-5432}" == "$(_private_port)" ]]
}

# ---------------------------------------------------------------------------------------------
# Resolution

# Decide which server to use; sets DB_URL (the app database on it) and DB_SOURCE.
db_resolve() {
    local url probe
    ensure_pg_client
    url="${DATABASE_URL:-}"
    DB_SOURCE=environment
    if [[ -z "$url" ]] && url="$(env_file_get DATABASE_URL)" && [[ -n "$url" ]]; then
        DB_SOURCE=.env
    fi
    if [[ -n "$url" ]]; then
        if ! pg_answers "$url" && _is_private_url "$url"; then
            pg_private_start
        fi
        if ! pg_answers "$url"; then
            local hint=""
            [[ "$DB_SOURCE" == .env ]] &&
                hint=$'\n  (recorded in .env by an earlier run; delete that line to let the scripts choose again)'
            die "DATABASE_URL (from $DB_SOURCE) does not answer: $(redact "$url")
  $(pg_query "$(url_with_db "$url" postgres)" 'SELECT 1' 2>&1 | head -n 3)$hint"
        fi
        DB_URL="$url"
        return 0
    fi
    if pg_private_exists; then
        pg_private_start
        DB_URL="$(_private_url gridsvc)"
        DB_SOURCE=private
    elif [[ "${GRIDSVC_FORCE_PRIVATE_PG:-0}" != 1 ]] &&
        probe="postgresql+psycopg2://postgres@127.0.0.1:$PG_PROBE_PORT/gridsvc" &&
        pg_answers "$probe"; then
        DB_URL="$probe"
        DB_SOURCE=local
    else
        if [[ "${GRIDSVC_FORCE_PRIVATE_PG:-0}" != 1 ]] && tcp_open 127.0.0.1 "$PG_PROBE_PORT"; then
            log "a server listens on 127.0.0.1:$PG_PROBE_PORT but does not let 'postgres' in without a password; using a private cluster (set DATABASE_URL to use that server instead)"
        fi
        pg_private_init
        pg_private_start
        DB_URL="$(_private_url gridsvc)"
        DB_SOURCE=private
    fi
    pg_answers "$DB_URL" || die "the chosen server does not answer: $(redact "$DB_URL")"
    remember DATABASE_URL "$DB_URL"
}

# Make sure the database named in URL exists and has PostGIS.
db_ensure_database() {
    local url="$1" name major version
    name="$(url_db "$url")"
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] ||
        die "database name '$name' is not a plain identifier; create it yourself (with PostGIS)"
    if ! pg_query "$url" 'SELECT 1' >/dev/null 2>&1; then
        log "creating database $name"
        pg_query "$(url_with_db "$url" postgres)" "CREATE DATABASE \"$name\"" ||
            die "could not create database $name on $(redact "$url") (the role needs CREATEDB)"
    fi
    if [[ -n "$(pg_query "$url" "SELECT 1 FROM pg_extension WHERE extname = 'postgis'")" ]]; then
        return 0
    fi
    if [[ -z "$(pg_query "$url" "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ]]; then
        parse_url "$url"
        host_is_local "$URL_HOST" ||
            die "PostGIS is not installed on the server at $URL_HOST; install it there (postgis for its PostgreSQL version)"
        major="$(($(pg_query "$url" 'SHOW server_version_num') / 10000))"
        apt_install "postgresql-$major-postgis-3"
        [[ -n "$(pg_query "$url" "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ]] ||
            die "postgresql-$major-postgis-3 is installed but the server does not see PostGIS (is it another installation?)"
    fi
    pg_query "$url" 'CREATE EXTENSION IF NOT EXISTS postgis' ||
        die "could not enable PostGIS in $name: a superuser must run CREATE EXTENSION postgis there"
    version="$(pg_query "$url" 'SELECT postgis_lib_version()')"
    log "PostGIS $version enabled in $name"
}

_main() {
    local cmd="${1:-ensure}" name
    shift || true
    case "$cmd" in
    ensure)
        acquire_setup_lock
        db_resolve
        log "database server: $(redact "$DB_URL") (from $DB_SOURCE)"
        (($#)) || set -- "$(url_db "$DB_URL")"
        for name in "$@"; do
            db_ensure_database "$(url_with_db "$DB_URL" "$name")"
        done
        ;;
    url)
        db_resolve
        if (($#)); then url_with_db "$DB_URL" "$1"; else printf '%s\n' "$DB_URL"; fi
        ;;
    start) pg_private_start ;;
    stop) pg_private_stop ;;
    status)
        if ! pg_private_exists; then
            echo "no private cluster under $PG_LINK"
        elif pg_private_running; then
            echo "private cluster running on 127.0.0.1:$(_private_port) ($(_pg_home))"
        else
            echo "private cluster stopped ($(_pg_home))"
            return 3
        fi
        ;;
    *) die "usage: $0 ensure [DBNAME...] | url [DBNAME] | start | stop | status" ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    _main "$@"
fi
