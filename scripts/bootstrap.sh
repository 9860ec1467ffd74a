#!/usr/bin/env bash
# Python side of the set-up: system Python + venv support, then `.venv` with the package installed
# in editable mode. Re-installs only when setup.cfg/setup.py (or the interpreter) changed since the
# last install, so a second `make run` skips pip entirely.
#
# Run directly (`scripts/bootstrap.sh`) or source it and call `bootstrap_venv`.

set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VENV_STAMP="$VAR_DIR/venv.stamp"

# What the installed venv must match: the dependency declarations and the interpreter.
_venv_fingerprint() {
    {
        cat "$ROOT/setup.cfg" "$ROOT/setup.py"
        "$VENV/bin/python" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

_venv_works() {
    [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1
}

ensure_system_python() {
    local need=()
    command -v python3 >/dev/null 2>&1 || need+=(python3)
    # Debian splits ensurepip out of python3; without it `python3 -m venv` fails half-way.
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        need+=(python3-venv)
    fi
    if ((${#need[@]})); then
        apt_install "${need[@]}" ca-certificates
    fi
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "Python >= 3.11 is required, found $(python3 --version 2>&1)"
}

# Create or refresh .venv. Call with the setup lock held.
bootstrap_venv() {
    ensure_var_dir
    if ! _venv_works; then
        ensure_system_python
        if [[ -e "$VENV" ]]; then
            warn "$VENV is broken (its Python does not start); recreating it"
            rm -rf "$VENV"
        fi
        log "creating $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip || die "could not upgrade pip in $VENV"
        rm -f "$VENV_STAMP"
    fi
    local want have=""
    want="$(_venv_fingerprint)"
    [[ -f "$VENV_STAMP" ]] && have="$(cat "$VENV_STAMP")"
    # The stamp alone is not proof: a hand-made venv may hold every dependency but not gridsvc.
    if [[ "$want" == "$have" ]] &&
        "$VENV/bin/python" -c 'import importlib.metadata as m; m.distribution("gridsvc")' 2>/dev/null; then
        return 0
    fi
    log "installing gridsvc and its dependencies into $VENV (pip install -e '.[dev]')"
    (cd "$ROOT" && "$VENV/bin/python" -m pip install -q -e '.[dev]') ||
        die "pip install -e '.[dev]' failed (see above)"
    printf '%s\n' "$want" >"$VENV_STAMP"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    acquire_setup_lock
    bootstrap_venv
    log "venv ready: $VENV"
fi
