"""A settled day's figures never change, whatever happens to its cases, until an admin
recomputes; a day not yet settled is read live, as of now."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from gridsvc.accounts import SHELL_SCOPE
from gridsvc.assessment.daily import FACT_FIELDS, settle
from gridsvc.assessment.facts import compute
from gridsvc.assessment.models import StoredCaseFacts
from gridsvc.localtime import SHANGHAI
from gridsvc.routing import Case
from tests.assessment.conftest import COUNTY, T1, bj
from tests.assessment.test_indicators import T1_MARCH, _march
from tests.conftest import bearer

URL = "/api/v1/indicators?period=month&from=2026-03-01&by=township"


def _t1(client, user) -> dict:
    rows = client.get(URL, headers=bearer(user)).json["rows"]
    return next({k: r[k] for k in T1_MARCH} for r in rows if r["key"] == T1)


def test_settled_march_stays_until_recomputed(client, db_session, lay_case, people,
                                              admin_headers):  # fmt: skip
    cases = _march(lay_case, people)
    stored = settle(COUNTY, datetime.now(UTC))
    # March's ten cases on ten days, and L's April day.
    assert stored == {"days": 11, "cases": 11}
    assert settle(COUNTY, datetime.now(UTC)) == {"days": 0, "cases": 0}  # computed once
    supervisor = people["supervisor"]
    assert _t1(client, supervisor) == T1_MARCH  # read back from the stored facts

    # Someone closes F afterwards (resolved 30 March, before March settled): nothing moves.
    f = cases["F"]
    f.resolved_at, f.closed_at, f.status = bj(3, 30, 9), bj(3, 30, 12), "closed"
    db_session.flush()
    assert _t1(client, supervisor) == T1_MARCH

    # Until an admin recomputes the month: F is now closed (late), no longer unresolved.
    forbidden = client.post(
        "/api/v1/indicators/recompute",
        json={"from": "2026-03-01", "to": "2026-03-31"},
        headers=bearer(supervisor),
    )
    assert forbidden.status_code == 403
    redone = client.post(
        "/api/v1/indicators/recompute",
        json={"from": "2026-03-01", "to": "2026-03-31"},
        headers=admin_headers,
    )
    # A background job (run eagerly here): its page shows the counts the answer used to give.
    assert redone.status_code == 202, redone.json
    job = client.get(redone.headers["Location"], headers=admin_headers).json
    assert job["status"] == "done", job
    assert (job["county"], job["days"], job["cases"]) == (COUNTY, 10, 10)
    after = _t1(client, supervisor)
    assert (after["closed"], after["closed_on_time"], after["closing_rate"]) == (5, 3, 0.7143)
    # F was resolved 5 days after receipt: 120 h joins the other five.
    assert after["resolution_hours_mean"] == 54.75  # (208.5 + 120) / 6


def test_a_live_day_counts_as_of_now(client, lay_case, people):
    """Received an hour ago, filed, due tomorrow: filed, not yet 应结案, not overdue."""
    now = datetime.now(UTC)
    received = now - timedelta(hours=1)
    lay_case(received, "0102", "t1", 2, 24, status="accepted",
             accepted_at=now - timedelta(minutes=30))  # fmt: skip
    assert settle(COUNTY, now) == {"days": 0, "cases": 0}
    # The Beijing day it was received: "today" would miss it between 00:00 and 01:00 Beijing time.
    day = received.astimezone(SHANGHAI).date().isoformat()
    total = client.get(
        f"/api/v1/indicators?period=day&from={day}&by=county",
        headers=bearer(people["supervisor"]),
    ).json["total"]
    assert (total["reported"], total["filed"], total["due"], total["resolution_overdue"]) == (
        1,
        1,
        0,
        0,
    )
    assert total["response_hours_mean"] == 0.5


def test_the_set_based_settlement_stores_what_the_python_rules_compute(db_session, lay_case,
                                                                       people):  # fmt: skip
    """settle() puts natural-hours cases through one INSERT … SELECT (settle_sql.py) and the
    working-hours ones through facts.compute: every stored field equals what compute() says."""
    _march(lay_case, people)
    # Filed 150 s after receipt: 2.5 minutes, which both sides round half to even.
    quick = lay_case(bj(3, 20, 9), "0102", "t1", 2, 24, status="accepted",
             accepted_at=bj(3, 20, 9) + timedelta(seconds=150))  # fmt: skip
    now = datetime.now(UTC)
    computed = compute(SHELL_SCOPE, bj(3, 1), bj(5, 1), now, {"county": COUNTY})
    expected = {f.incident_id: asdict(f) for f in computed}
    # The fixture exercises every rule: calls (one rejected), 不呼叫, both deadline bases.
    assert sum(f.calls for f in computed) >= 2
    assert sum(f.calls_rejected for f in computed) == 1
    assert sum(f.not_called for f in computed) == 1
    assert sum(f.department_id is not None for f in computed) >= 1
    assert {c.deadline_basis for c in db_session.scalars(select(Case))} == {"natural", "working"}

    assert settle(COUNTY, now) == {"days": 11, "cases": 12}  # 20 March has two
    stored = {
        row.incident_id: {name: getattr(row, name) for name in FACT_FIELDS}
        for row in db_session.scalars(select(StoredCaseFacts))
    }
    assert stored == expected
    assert stored[quick.incident_id]["response_hours"] == round(150 / 3600 * 60) / 60
