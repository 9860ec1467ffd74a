"""Queue benchmark (named queue_page.py: a bench/queue.py would shadow the standard library's
``queue`` for every script in this folder): a 500-item team queue page over 1,000,000 incidents, API vs raw SQL.

Targets (issue 6): the page in under 50 ms at the database, and under 2x that through the API
(``GET /api/v1/teams/{id}/queue?limit=500``), measured in the same run. The raw SQL is the same
page query plus the same counts query the API runs, through one psycopg2 connection.

It works in its own database (BENCH_DATABASE_URL's name + ``_queue``). Run: ``make bench`` or ``PYTHONPATH=. .venv/bin/python bench/queue_page.py`` (the first run builds the
million incidents, a few minutes; later runs reuse them).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app

N_INCIDENTS = 1_000_000
N_TEAMS = 50
OPEN_SHARE = 0.1  # a tenth of all incidents still open: ~2,000 open cases per team
PAGE = 500
ROUNDS = 25
COUNTY = "430302"

BUILD_SQL = [
    # Bench-only rows written straight into the tables (no boundaries needed for a queue).
    f"""INSERT INTO teams (id, county_code, township_code, kind, code, name)
        SELECT n, '{COUNTY}', '{COUNTY}' || lpad(n::text, 3, '0'), 'township_team',
               'BENCH' || n, '压测中队' || n
        FROM generate_series(1, {N_TEAMS}) n""",
    f"""INSERT INTO incidents (client_id, request_hash, category_code, status, geom, raw_lon,
            raw_lat, crs, reported_at, received_at, county_code, township_code, reporter_id,
            source, description, address)
        SELECT gen_random_uuid(), 'bench', c.code,
               CASE WHEN random() < {OPEN_SHARE}
                    THEN (ARRAY['reported','accepted','dispatched','in_progress','resolved'])
                         [1 + floor(random() * 5)::int]
                    ELSE 'closed' END,
               ST_SetSRID(ST_MakePoint(x, y), 4326), x, y, 'EPSG:4326', t, t,
               '{COUNTY}', '{COUNTY}' || lpad((1 + n % {N_TEAMS})::text, 3, '0'), :user, 'app',
               '人行道上有流动摊贩占道经营，影响行人通行', '雨湖路 ' || n || ' 号'
        FROM generate_series(1, {N_INCIDENTS}) n
        CROSS JOIN LATERAL (SELECT 112.80 + random() * 0.2 AS x, 27.80 + random() * 0.2 AS y,
                                   now() - random() * interval '365 days' AS t) p
        JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM categories) c
          ON c.k = n % (SELECT count(*) FROM categories)""",
    f"""INSERT INTO cases (incident_id, county_code, township_code, status, route, team_id,
            deadline_basis, resolution_hours, response_due_at, resolution_due_at, due_at,
            closed_at)
        SELECT i.id, i.county_code, i.township_code, i.status, 'township_team', 1 + i.id % {N_TEAMS},
               'natural', 24, d, d, d, CASE WHEN i.status = 'closed' THEN i.received_at END
        FROM incidents i
        CROSS JOIN LATERAL (SELECT now() + (random() * 20 - 10) * interval '1 day' AS d) due""",
]
# What autovacuum does soon after a bulk load: statistics, and the visibility map that lets the
# queue's counts read the index alone.
MAINTENANCE = ["VACUUM ANALYZE incidents", "VACUUM ANALYZE cases"]


def build(app) -> int:
    """The million incidents and their cases (once); returns a team lead's user id."""
    from gridsvc.accounts.models import User
    from gridsvc.extensions import db

    with app.app_context():
        lead = db.session.execute(
            text("SELECT id FROM users WHERE username = 'bench_queue_lead'")
        ).scalar()
        have = db.session.execute(text("SELECT count(*) FROM cases")).scalar()
        if lead and have == N_INCIDENTS:
            return lead
        print(f"building {N_INCIDENTS:,} incidents and cases …", flush=True)
        db.session.execute(
            text("TRUNCATE cases, calls, supervision_notices, incident_photos CASCADE")
        )
        # The audit trail refuses DELETE and TRUNCATE by design; bench data has none.
        db.session.execute(text("DELETE FROM incidents"))
        db.session.execute(text("TRUNCATE teams CASCADE"))
        reporter = User(
            username="bench_queue_reporter",
            password_hash="!",  # noqa: S106  (no password: bench accounts cannot log in)
            role="grid_worker",
            county_code=COUNTY,
            township_code=f"{COUNTY}001",
        )
        db.session.execute(text("DELETE FROM users WHERE username LIKE 'bench_queue_%'"))
        db.session.add(reporter)
        db.session.flush()
        started = time.perf_counter()
        for sql in BUILD_SQL:
            db.session.execute(text(sql), {"user": reporter.id})
        db.session.execute(text("SELECT setval('teams_id_seq', :n)"), {"n": N_TEAMS})
        leader = User(
            username="bench_queue_lead",
            password_hash="!",  # noqa: S106  (no password: bench accounts cannot log in)
            role="team_lead",
            county_code=COUNTY,
            township_code=f"{COUNTY}001",
            team_id=1,
        )
        db.session.add(leader)
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for sql in MAINTENANCE:
                conn.execute(text(sql))
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
        return leader.id


def main() -> None:
    from flask_jwt_extended import create_access_token

    from gridsvc.accounts.models import User
    from gridsvc.extensions import db
    from gridsvc.routing.cases.queue import COUNTS_SQL, DESCRIPTION_CHARS, PAGE_SQL

    app = bench_app("queue")
    lead_id = build(app)
    page_sql = PAGE_SQL.format(chars=DESCRIPTION_CHARS, owner="c.team_id = :team", filters="")
    counts_sql = COUNTS_SQL.format(owner="c.team_id = :team")
    params = {"team": 1, "limit": PAGE + 1, "now": datetime.now(UTC)}

    with app.app_context():
        open_cases = db.session.execute(
            text("SELECT count(*) FROM cases WHERE team_id = 1 AND closed_at IS NULL")
        ).scalar()
        total = db.session.execute(text("SELECT count(*) FROM incidents")).scalar()
        token = create_access_token(identity=db.session.get(User, lead_id))
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        page_psycopg = re.sub(r"(?<!:):(\w+)", r"%(\1)s", page_sql)
        counts_psycopg = re.sub(r"(?<!:):(\w+)", r"%(\1)s", counts_sql)

        def raw_page():
            cursor.execute(page_psycopg, params)
            return cursor.fetchall()

        def raw_page_and_counts():
            raw_page()
            cursor.execute(counts_psycopg, params)
            return cursor.fetchall()

        def server_ms() -> float:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + page_psycopg, params)
            return cursor.fetchone()[0][0]["Execution Time"]

        assert len(raw_page()) == PAGE + 1, "the team needs more than one page of open cases"
        server = statistics.median(server_ms() for _ in range(ROUNDS))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def api():
            response = client.get(f"/api/v1/teams/1/queue?limit={PAGE}", headers=headers)
            assert response.status_code == 200, response.get_json()
            assert len(response.get_json()["features"]) == PAGE

        # Interleaved rounds: the machine's other load hits both sides alike.
        timings = {"page": [], "both": [], "api": []}
        for fn in (raw_page, raw_page_and_counts, api):
            fn()  # warm-up: plans cached, pages in shared buffers
        for _ in range(ROUNDS):
            for name, fn in (("page", raw_page), ("both", raw_page_and_counts), ("api", api)):
                start = time.perf_counter()
                fn()
                timings[name].append((time.perf_counter() - start) * 1000)
        raw.close()

    page_only, both, through_api = (statistics.median(timings[k]) for k in ("page", "both", "api"))
    ratios = [a / b for a, b in zip(timings["api"], timings["both"], strict=True)]
    print(f"{total:,} incidents; team 1 holds {open_cases:,} open cases; page of {PAGE}")
    print(
        f"{'page, executor time inside PostgreSQL (EXPLAIN ANALYZE)':<58} median {server:7.1f} ms"
    )
    print(f"{'page, raw SQL through psycopg2':<58} median {page_only:7.1f} ms")
    print(f"{'page + counts by status, raw SQL (what the API runs)':<58} median {both:7.1f} ms")
    print(
        f"{'GET /api/v1/teams/1/queue?limit=500 (GeoJSON)':<58} median {through_api:7.1f} ms"
        f"  (min {min(timings['api']):.1f}, max {max(timings['api']):.1f}, {ROUNDS} rounds)"
    )
    print(
        f"API / raw page+counts: median of per-round ratios {statistics.median(ratios):.2f}x "
        f"(target: page < 50 ms at the database, API < 2x the raw SQL)"
    )


if __name__ == "__main__":
    main()
