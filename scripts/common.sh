# shellcheck shell=bash
# shellcheck disable=SC2034  # globals (VENV, URL_*) are used by the scripts that source this
# Shared helpers for the make targets. Sourced by the other scripts, never run on its own.
#
# Conventions: every function either succeeds or calls `die` with a message that says what to do;
# nothing here reads stdin (CI runs with none), and apt-get never prompts.

if [[ -n "${GRIDSVC_COMMON_LOADED:-}" ]]; then
    return 0
fi
GRIDSVC_COMMON_LOADED=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR_DIR="$ROOT/var"
ENV_FILE="$ROOT/.env"
VENV="$ROOT/.venv"

# No prompts anywhere: apt, pip and libpq must fail rather than wait for an answer nobody gives.
export DEBIAN_FRONTEND=noninteractive
export PIP_NO_INPUT=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}"

# The setup lock lives on this descriptor; daemons started while it is held must close it
# (`9>&-`), or they would keep the lock for as long as they run.
LOCK_FD=9

log() {
    if [[ -t 2 ]]; then
        printf '\033[1m==> %s\033[0m\n' "$*" >&2
    else
        printf '==> %s\n' "$*" >&2
    fi
}
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# Run a command as root: directly when we are root, through password-less sudo when that works.
# Returns 1 (without running anything) when neither is possible, so callers can explain.
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n -E "$@"
    else
        return 1
    fi
}

can_be_root() { is_root || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; }

ensure_var_dir() { mkdir -p "$VAR_DIR"; }

# Hold the setup lock (venv install, database creation, migrations) until `release_setup_lock`
# or exit, so two concurrent `make` invocations take turns instead of corrupting the venv.
acquire_setup_lock() {
    ensure_var_dir
    eval "exec ${LOCK_FD}>\"\$VAR_DIR/.setup.lock\""
    if ! flock -n "$LOCK_FD"; then
        log "another make run/test is setting up; waiting for it (up to 15 min)"
        flock -w 900 "$LOCK_FD" || die "timed out waiting for the setup lock ($VAR_DIR/.setup.lock)"
    fi
}

release_setup_lock() { eval "exec ${LOCK_FD}>&-"; }

# ---------------------------------------------------------------------------------------------
# Debian packages

pkg_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

_APT_UPDATED=""

# Install the packages that are missing (and only those); `apt-get update` runs at most once per
# process and only when something is actually missing, so a set-up machine never touches the net.
apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    command -v apt-get >/dev/null 2>&1 ||
        die "missing ${missing[*]} and this is not a Debian system: install them and run again"
    can_be_root ||
        die "missing Debian packages: ${missing[*]}. Run as root once, or: sudo apt-get install ${missing[*]}"
    if [[ -z "$_APT_UPDATED" ]]; then
        log "apt-get update"
        as_root apt-get -o DPkg::Lock::Timeout=300 update -q || die "apt-get update failed"
        _APT_UPDATED=1
    fi
    log "apt-get install ${missing[*]}"
    as_root apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" 9>&- ||
        die "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------------------------------------
# .env: what the scripts decided, kept between runs. The environment always wins over the file
# (the same precedence python-dotenv gives the flask CLI).

# Print KEY's value from .env (quotes stripped); status 1 when the key is absent.
env_file_get() {
    local key="$1" line value
    [[ -f "$ENV_FILE" ]] || return 1
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line#"${line%%[![:space:]]*}"}"
        line="${line#export }"
        [[ "$line" == "$key="* ]] || continue
        value="${line#"$key="}"
        if [[ "$value" =~ ^\"(.*)\"[[:space:]]*$ || "$value" =~ ^\'(.*)\'[[:space:]]*$ ]]; then
            value="${BASH_REMATCH[1]}"
        fi
        printf '%s\n' "$value"
        return 0
    done <"$ENV_FILE"
    return 1
}

# Set KEY=VALUE in .env: replaces an existing line in place, else appends. Other lines (and
# comments) are kept as they are. The file holds secrets, hence mode 600.
env_file_set() {
    local key="$1" value="$2" tmp line done=""
    ensure_env_file
    tmp="$(mktemp "$ENV_FILE.XXXXXX")"
    while IFS= read -r line || [[ -n "$line" ]]; do
        if [[ -z "$done" && ("$line" == "$key="* || "$line" == "export $key="*) ]]; then
            printf '%s=%s\n' "$key" "$value"
            done=1
        else
            printf '%s\n' "$line"
        fi
    done <"$ENV_FILE" >"$tmp"
    [[ -n "$done" ]] || printf '%s=%s\n' "$key" "$value" >>"$tmp"
    chmod 600 "$tmp"
    mv "$tmp" "$ENV_FILE"
}

ensure_env_file() {
    [[ -f "$ENV_FILE" ]] && return 0
    (
        umask 077
        cat >"$ENV_FILE" <<'EOF'
# Written by `make run` / `make test` (scripts/*.sh). Values here are kept on later runs and
# the environment overrides them. Read by the app's `flask` CLI and exported by scripts/run.sh.
EOF
    )
}

# Value of KEY: the environment if set and non-empty, else .env, else the default ($2).
setting() {
    local key="$1" default="${2-}" value
    value="${!key:-}"
    if [[ -z "$value" ]]; then
        value="$(env_file_get "$key" 2>/dev/null)" || value=""
    fi
    printf '%s\n' "${value:-$default}"
}

# Remember VALUE for KEY in .env unless the environment or .env already says something: the
# scripts record what they decided, never overwrite what a person chose.
remember() {
    local key="$1" value="$2"
    [[ -n "${!key:-}" ]] && return 0
    env_file_get "$key" >/dev/null 2>&1 && return 0
    env_file_set "$key" "$value"
}

# Export every KEY=VALUE of .env that the environment does not already set (for processes such
# as the server and celery, which do not read .env themselves).
export_env_file() {
    local line key value
    [[ -f "$ENV_FILE" ]] || return 0
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line#"${line%%[![:space:]]*}"}"
        line="${line#export }"
        [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)= ]] || continue
        key="${BASH_REMATCH[1]}"
        [[ -n "${!key:-}" ]] && continue
        value="$(env_file_get "$key")"
        export "$key=$value"
    done <"$ENV_FILE"
}

random_hex() { head -c "${1:-32}" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Secrets are generated once and kept: regenerating them would log everybody out.
ensure_secrets() {
    local key
    for key in SECRET_KEY JWT_SECRET_KEY; do
        if [[ -z "$(setting "$key")" ]]; then
            log "generating $key into .env"
            env_file_set "$key" "$(random_hex 32)"
        fi
    done
}

# Is anything accepting TCP connections on host:port? (bash's /dev/tcp; no extra tools.)
tcp_open() {
    # shellcheck disable=SC2016  # $1/$2 belong to the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# Split a URL into URL_SCHEME, URL_USERINFO, URL_HOST, URL_PORT, URL_PATH (no leading /), URL_QUERY.
parse_url() {
    local url="$1" authority
    URL_SCHEME="" URL_USERINFO="" URL_HOST="" URL_PORT="" URL_PATH="" URL_QUERY=""
    [[ "$url" =~ ^([A-Za-z][A-Za-z0-9+.-]*)://([^/?]*)(/[^?]*)?(\?.*)?$ ]] || return 1
    URL_SCHEME="${BASH_REMATCH[1]}"
    authority="${BASH_REMATCH[2]}"
    URL_PATH="${BASH_REMATCH[3]#/}"
    URL_QUERY="${BASH_REMATCH[4]}"
    if [[ "$authority" == *@* ]]; then
        URL_USERINFO="${authority%@*}"
        authority="${authority##*@}"
    fi
    if [[ "$authority" =~ ^\[([^]]*)\](:([0-9]+))?$ || "$authority" =~ ^([^:]*)(:([0-9]+))?$ ]]; then
        URL_HOST="${BASH_REMATCH[1]}"
        URL_PORT="${BASH_REMATCH[3]}"
    fi
}

# Local means: a server this machine could install packages for or start itself.
host_is_local() {
    case "$1" in
    "" | 127.* | localhost | ::1 | /*) return 0 ;;
    *) return 1 ;;
    esac
}
