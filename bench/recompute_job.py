"""Recompute as a job: what an admin's request costs now, and what the job then does.

``POST /api/v1/indicators/recompute`` used to settle the range inside the request, under the web's
15 s ``statement_timeout``; now it records a job (202) and ``assessment.run_recompute`` settles
the range in the jobs' process. This prints, on bench/settlement.py's county (BENCH_INCIDENTS
cases over 2025, settled first):

- the request: median ms to the 202, the task's queueing stubbed out (it runs below);
- the job: seconds for the year's 365 days through the task, as the worker runs it;
- the raw work: ``daily.recompute`` called directly in a transaction rolled back (what the old
  request ran), so the job's own overhead (its row, the lock, two commits) shows beside it.

Run: ``PYTHONPATH=. BENCH_DATABASE_URL=… .venv/bin/python bench/recompute_job.py`` (it shares
bench/settlement.py's database: the URL's name + ``_settlement``).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_account, bench_app
from bench.settlement import COUNTY, YEAR, build

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def main() -> int:
    from flask_jwt_extended import create_access_token

    from gridsvc.accounts.models import User
    from gridsvc.assessment import daily
    from gridsvc.assessment.tasks import run_recompute
    from gridsvc.extensions import db

    app = bench_app("settlement")
    build(app)
    span = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}
    with app.app_context():
        daily.settle(COUNTY, datetime.now(UTC), progress=db.session.commit)
        db.session.commit()
        admin = bench_account("bench_recompute", "admin", COUNTY)
        db.session.commit()
        token = create_access_token(identity=db.session.get(User, admin))
    queued: list[str] = []
    run_recompute.delay = queued.append  # the request alone: the job is timed below
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    print(f"load average before: {os.getloadavg()}")
    request_ms, job_s, raw_s = [], [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.post("/api/v1/indicators/recompute", json=span, headers=headers)
        request_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 202, response.get_json()
        with app.app_context():
            started = time.perf_counter()
            status = run_recompute(queued[-1])
            job_s.append(time.perf_counter() - started)
            assert status == "done", status
            started = time.perf_counter()
            counts = daily.recompute(
                COUNTY, date(YEAR, 1, 1), date(YEAR, 12, 31), datetime.now(UTC)
            )
            raw_s.append(time.perf_counter() - started)
            db.session.rollback()
    job = client.get(f"/api/v1/indicator-recomputes/{queued[-1]}", headers=headers).get_json()
    print(f"POST /indicators/recompute ({YEAR}, 365 days) -> 202: median"
          f" {statistics.median(request_ms):.1f} ms (rounds: {', '.join(f'{v:.1f}' for v in request_ms)})")  # fmt: skip
    print(f"the job (task run_recompute): median {statistics.median(job_s):.2f} s"
          f" (rounds: {', '.join(f'{v:.2f}' for v in job_s)}); days {job['days']}, cases {job['cases']}")  # fmt: skip
    print(f"daily.recompute alone (the old request's work): median {statistics.median(raw_s):.2f} s"
          f" (rounds: {', '.join(f'{v:.2f}' for v in raw_s)}); {counts}")  # fmt: skip
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
