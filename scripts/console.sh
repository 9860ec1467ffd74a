#!/usr/bin/env bash
# The web console's front end: Node/npm (Debian's, only when missing), Chromium and the CJK fonts
# the browser tests need (only when missing), then the vendor libraries.
#
# The build is deliberately boring: our own code is plain ES modules in gridsvc/console/static/js
# and needs no build; `npm ci` installs the pinned third-party libraries (package-lock.json) and
# their browser builds (MapLibre GL JS, ECharts) are copied into gridsvc/console/static/vendor
# (gitignored). Nothing is fetched from a CDN at run time. A stamp of package-lock.json skips the
# work when nothing changed, as bootstrap.sh's stamp skips pip.
#
# Run directly (`scripts/console.sh`) or source it and call `console_build`.

set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CONSOLE_DIR="$ROOT/gridsvc/console"
FRONTEND="$CONSOLE_DIR/frontend"
VENDOR="$CONSOLE_DIR/static/vendor"
CONSOLE_STAMP="$VAR_DIR/console.stamp"

# Source file in node_modules -> name under static/vendor.
VENDOR_FILES=(
    "maplibre-gl/dist/maplibre-gl.js:maplibre-gl.js"
    "maplibre-gl/dist/maplibre-gl.css:maplibre-gl.css"
    "echarts/dist/echarts.min.js:echarts.min.js"
)

ensure_console_tools() {
    # This machine may have NodeSource's node (which bundles npm): keep it, install only if absent.
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
}

# What the browser tests need; `make run` does not (a console user brings their own browser).
ensure_browser_test_tools() {
    [[ -x /usr/bin/chromium ]] || apt_install chromium
    pkg_installed fonts-noto-cjk || apt_install fonts-noto-cjk
}

_console_fingerprint() {
    sha256sum "$FRONTEND/package-lock.json" | cut -d' ' -f1
}

_vendor_complete() {
    local entry
    for entry in "${VENDOR_FILES[@]}"; do
        [[ -s "$VENDOR/${entry#*:}" ]] || return 1
    done
}

# Install the pinned libraries and copy their browser builds. Call with the setup lock held.
console_build() {
    ensure_var_dir
    ensure_console_tools
    local want have=""
    want="$(_console_fingerprint)"
    [[ -f "$CONSOLE_STAMP" ]] && have="$(cat "$CONSOLE_STAMP")"
    if [[ "$want" == "$have" ]] && _vendor_complete; then
        return 0
    fi
    log "console: npm ci (gridsvc/console/frontend) and copying MapLibre GL + ECharts to static/vendor"
    (cd "$FRONTEND" && npm ci --no-audit --no-fund --loglevel=error) ||
        die "npm ci failed in $FRONTEND (see above)"
    mkdir -p "$VENDOR"
    local entry
    for entry in "${VENDOR_FILES[@]}"; do
        cp "$FRONTEND/node_modules/${entry%%:*}" "$VENDOR/${entry#*:}"
    done
    printf '%s\n' "$want" >"$CONSOLE_STAMP"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    acquire_setup_lock
    ensure_browser_test_tools
    console_build
    log "console ready: $VENDOR"
fi
