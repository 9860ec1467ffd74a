#!/usr/bin/env bash
# `make test`: the same set-up as `make run` against database gridsvc_test, then ruff and pytest.
#
# Exits with pytest's status (1 if pytest passed but ruff found problems). pytest's status is also
# written to var/test-results/pytest-exit-code, because `make` turns every failure into status 2
# and .ci/run must tell "no tests collected" (5) apart from other failures.
#
# PYTEST_ARGS is split like shell words: make test PYTEST_ARGS='-x -k "locate and not slow"'.

set -euo pipefail
HERE="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source "$HERE/common.sh"
# shellcheck source=scripts/bootstrap.sh
source "$HERE/bootstrap.sh"
# shellcheck source=scripts/database.sh
source "$HERE/database.sh"
# shellcheck source=scripts/console.sh
source "$HERE/console.sh"

RESULTS_DIR="$VAR_DIR/test-results"

main() {
    local test_url lint_status=0 status=0 args=()
    mkdir -p "$RESULTS_DIR"
    rm -f "$RESULTS_DIR/pytest-exit-code"

    acquire_setup_lock
    bootstrap_venv
    # Browser tests drive Debian's Chromium (never a browser downloaded by `playwright install`),
    # with the CJK fonts their screenshots need, against the console built as `make run` builds it.
    ensure_browser_test_tools
    console_build
    db_resolve
    test_url="$(setting TEST_DATABASE_URL)"
    [[ -n "$test_url" ]] || test_url="$(url_with_db "$DB_URL" gridsvc_test)"
    log "test database: $(redact "$test_url")"
    db_ensure_database "$test_url"
    release_setup_lock

    export TEST_DATABASE_URL="$test_url" DATABASE_URL="$test_url"
    # Tests run Celery tasks eagerly and keep rate-limit counters in memory, so one run cannot
    # leak state into the next through Redis. TEST_REDIS_URL opts back in.
    if [[ -n "${TEST_REDIS_URL:-}" ]]; then
        export REDIS_URL="$TEST_REDIS_URL"
    else
        unset REDIS_URL
    fi
    export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
    export PATH="$VENV/bin:$PATH"
    cd "$ROOT"

    # The same checks as `make lint`: style, formatting, and the import contracts (.importlinter).
    log "ruff check + ruff format --check gridsvc tests bench"
    ruff check gridsvc tests bench || lint_status=$?
    ruff format --check gridsvc tests bench || lint_status=$?
    log "lint-imports (.importlinter: room order, routing's parts, faces)"
    lint-imports || lint_status=$?

    # eval only splits the caller's own PYTEST_ARGS into words, honouring their quotes.
    eval "args=(${PYTEST_ARGS:-})"
    log "pytest ${args[*]}"
    pytest "${args[@]}" || status=$?
    printf '%s\n' "$status" >"$RESULTS_DIR/pytest-exit-code"

    if ((status == 0 && lint_status != 0)); then
        log "pytest passed but ruff found problems"
        exit 1
    fi
    exit "$status"
}

main "$@"
