"""Settlement benchmark (issue 15): turning closed days into stored case facts, before and after.

*orm* is how settlement worked before: each week's cases and their calls loaded through the ORM,
``facts.case_facts`` applied in Python, the facts inserted back. *sql* is ``daily.settle`` now:
natural-hours cases in one ``INSERT … SELECT`` per week (gridsvc/assessment/settle_sql.py),
working-hours cases still through Python. The rounds alternate (orm, sql, orm, sql…) on the same
cases, each in a transaction rolled back afterwards, so both meet the same machine load; the
first sql round's stored rows are compared with the orm round's, field by field.

The county is bench/indicators.py's (incidents and cases laid down in SQL, a mix of statuses,
deadlines, reworks, extensions, returns; natural hours, no calls), BENCH_INCIDENTS of them
(default 20,000) over 2025. Run: ``PYTHONPATH=. BENCH_DATABASE_URL=… .venv/bin/python
bench/settlement.py`` (its own database: the URL's name + ``_settlement``).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app
from bench.indicators import CASES_SQL, COUNTY, INCIDENTS_SQL, SETUP_SQL, YEAR

N = int(os.environ.get("BENCH_INCIDENTS", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def build(app) -> None:
    from gridsvc.extensions import db

    with app.app_context():
        have = db.session.scalar(
            text("SELECT count(*) FROM cases WHERE county_code = :c"), {"c": COUNTY}
        )
        if have == N:
            return
        db.session.execute(text("SET session_replication_role = replica"))  # the audit trigger
        db.session.execute(
            text("TRUNCATE assessment_case_facts, assessment_settled_days, cases, calls,"
                 " incident_events, incidents CASCADE")
        )  # fmt: skip
        db.session.execute(text("SET session_replication_role = origin"))
        for statement in SETUP_SQL.split(";"):
            if statement.strip():
                db.session.execute(text(statement), {"county": COUNTY})
        user = db.session.scalar(text("SELECT id FROM users WHERE username = 'bench_indicators'"))
        db.session.execute(
            text(INCIDENTS_SQL), {"county": COUNTY, "user": user, "n": N, "year": YEAR}
        )
        db.session.execute(text(CASES_SQL), {"county": COUNTY})
        db.session.commit()
        db.session.execute(text("ANALYZE incidents; ANALYZE cases"))
        db.session.commit()
        print(f"laid down {N:,} incidents and cases")


def settle_orm(county: str, now: datetime) -> int:
    """The former settlement loop: every case through the ORM and facts.case_facts, a week at a
    time, the facts inserted back (as daily.settle did before settle_sql)."""
    from sqlalchemy import insert

    from gridsvc.accounts import SHELL_SCOPE
    from gridsvc.assessment.daily import unsettled
    from gridsvc.assessment.facts import compute
    from gridsvc.assessment.models import StoredCaseFacts
    from gridsvc.extensions import db
    from gridsvc.localtime import SHANGHAI

    start = datetime.combine(date(YEAR, 1, 1), clock(0), SHANGHAI)
    stop = datetime.combine(date(YEAR + 1, 1, 1), clock(0), SHANGHAI)
    cases = 0
    while start < stop:
        end = min(start + timedelta(days=7), stop)
        known = set(db.session.identity_map.keys())
        facts = compute(SHELL_SCOPE, start, end, now, {"county": county}, where=(unsettled(),))
        if facts:
            db.session.execute(insert(StoredCaseFacts), [asdict(f) for f in facts])
        cases += len(facts)
        for key in set(db.session.identity_map.keys()) - known:
            db.session.expunge(db.session.identity_map[key])
        start = end
    return cases


def stored_rows() -> dict:
    from gridsvc.extensions import db

    rows = db.session.execute(text("SELECT * FROM assessment_case_facts ORDER BY incident_id"))
    return {row.incident_id: tuple(row) for row in rows}


def main() -> int:
    from gridsvc.assessment.daily import settle
    from gridsvc.extensions import db

    app = bench_app("settlement")
    build(app)
    now = datetime.now(UTC)
    timings: dict[str, list[float]] = {"orm": [], "sql": []}
    compared = {}
    print(f"load average before: {os.getloadavg()}")
    with app.app_context():
        for _ in range(ROUNDS):
            for way in ("orm", "sql"):
                db.session.rollback()
                started = time.perf_counter()
                cases = settle_orm(COUNTY, now) if way == "orm" else settle(COUNTY, now)["cases"]
                db.session.flush()
                timings[way].append(cases / (time.perf_counter() - started))
                if way not in compared:
                    compared[way] = stored_rows()
                db.session.rollback()
    same = compared["orm"] == compared["sql"]
    for way, rates in timings.items():
        print(f"settle {N:,} cases ({way}): median {statistics.median(rates):,.0f} cases/s"
              f" (rounds: {', '.join(f'{r:,.0f}' for r in rates)})")  # fmt: skip
    ratio = statistics.median(timings["sql"]) / statistics.median(timings["orm"])
    print(f"sql / orm: {ratio:.1f}x; stored facts identical: {same}")
    print(f"load average after: {os.getloadavg()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
