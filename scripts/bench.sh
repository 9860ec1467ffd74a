#!/usr/bin/env bash
# `make bench`: run every bench/*.py (helpers named _*.py excepted) against database gridsvc_bench
# on the same server `make run` uses. Each benchmark prints its own figures; this script only
# reports which ones failed and exits non-zero if any did.

set -euo pipefail
HERE="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/common.sh
source "$HERE/common.sh"
# shellcheck source=scripts/bootstrap.sh
source "$HERE/bootstrap.sh"
# shellcheck source=scripts/database.sh
source "$HERE/database.sh"

main() {
    local bench_url script failed=()
    acquire_setup_lock
    bootstrap_venv
    # The HTTP sides of the benches are driven by wrk (a C client, as pgbench is on the raw side).
    apt_install wrk
    db_resolve
    bench_url="$(setting BENCH_DATABASE_URL)"
    [[ -n "$bench_url" ]] || bench_url="$(url_with_db "$DB_URL" gridsvc_bench)"
    db_ensure_database "$bench_url"
    release_setup_lock

    export BENCH_DATABASE_URL="$bench_url"
    # The benchmarks import `bench._common`, so the checkout root must be importable.
    export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
    unset REDIS_URL
    cd "$ROOT"
    for script in bench/[!_]*.py; do
        [[ -e "$script" ]] || continue
        log "$script"
        "$VENV/bin/python" "$script" || failed+=("$script")
    done
    if ((${#failed[@]})); then
        die "failed: ${failed[*]}"
    fi
}

main "$@"
