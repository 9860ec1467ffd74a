"""Issue 15's must-show: indicators computed by hand match GET /api/v1/indicators to the digit.

March 2026 in 雨湖路街道 (T1): nine cases — on time, overdue, reworked, extended (on working
hours), returned on a power the township does not hold (不呼叫), a rejected call (乱呼叫), a report
not filed, a duplicate, and one received on the last evening — plus one case in 城正街街道 (T2)
and one received in April. Each case is read as of its day's settlement (the day's end + 30 days),
long past: every case here is settled, and only what happened before that counts.
"""

from __future__ import annotations

import pytest

from tests.assessment.conftest import T1, T2, bj
from tests.conftest import bearer


def _march(lay_case, people):
    zhzf = people["teams"]["zhzf"]
    cases = {}
    # A: filed after 1 h, resolved after 9 h, closed and evaluated — all in time.
    cases["A"] = lay_case(
        bj(3, 2, 9),
        "0102",
        "t1",
        2,
        24,
        status="evaluated",
        accepted_at=bj(3, 2, 10),
        dispatched_at=bj(3, 2, 10, 30),
        resolved_at=bj(3, 2, 18),
        closed_at=bj(3, 2, 20),
        satisfaction=5,
    )
    # B: filed after 3 h (2 h allowed), resolved after 36 h (24 h allowed): overdue both ways.
    cases["B"] = lay_case(
        bj(3, 5, 9),
        "0102",
        "t1",
        2,
        24,
        status="closed",
        accepted_at=bj(3, 5, 12),
        dispatched_at=bj(3, 5, 13),
        resolved_at=bj(3, 6, 21),
        closed_at=bj(3, 7, 10),
        overdue_since=bj(3, 6, 9),
    )
    # C: reworked (返工) at 20:00, so the deadline restarted (20:00 + 24 h); resolved again at
    # 12:00 next day (28 h after receipt), in time for the new deadline.
    cases["C"] = lay_case(
        bj(3, 10, 8),
        "0102",
        "t1",
        2,
        24,
        status="closed",
        resolution_due_at=bj(3, 11, 20),
        accepted_at=bj(3, 10, 9),
        dispatched_at=bj(3, 10, 9, 30),
        resolved_at=bj(3, 11, 12),
        closed_at=bj(3, 11, 15),
        reopen_count=1,
    )
    # D: working hours (08:30-12:00, 14:30-17:30). Received Friday 13 March 16:30; 2 working
    # hours to respond -> Monday 09:30; 8 to resolve -> Tuesday 09:00, extended (延期) by 8 ->
    # Wednesday 10:30. Filed Monday 09:00: 1 h Friday + 0.5 h Monday = 1.5 working hours.
    # Resolved Wednesday 10:00: 1 + 6.5 + 6.5 + 1.5 = 15.5 working hours, in time.
    cases["D"] = lay_case(
        bj(3, 13, 16, 30),
        "0102",
        "t1",
        2,
        8,
        status="closed",
        deadline_basis="working",
        response_due_at=bj(3, 16, 9, 30),
        resolution_due_at=bj(3, 18, 10, 30),
        accepted_at=bj(3, 16, 9),
        dispatched_at=bj(3, 16, 9, 10),
        resolved_at=bj(3, 18, 10),
        closed_at=bj(3, 18, 16),
        extension_count=1,
    )
    # E: 违法建设 (0601) is kept by 综合行政执法局 (not delegated). A zone gave it to the township
    # team, which returned it (退回) instead of calling the county (不呼叫); routing then called
    # the county, which answered in time. Filed 11:00 (2 h); resolved 25 March (120 h) before the
    # call's deadline (dispatch 12:00 + 168 h), not yet verified: due, not closed.
    cases["E"] = lay_case(
        bj(3, 20, 9),
        "0601",
        None,
        4,
        168,
        status="resolved",
        route="county_call",
        team_id=zhzf,
        returned_by=[people["teams"]["t1"]],
        return_count=1,
        resolution_due_at=bj(3, 27, 12),
        accepted_at=bj(3, 20, 11),
        dispatched_at=bj(3, 20, 12),
        resolved_at=bj(3, 25, 9),
        calls=[
            dict(
                origin="routing",
                status="completed",
                primary_department_id=zhzf,
                response_hours=4,
                resolution_hours=168,
                called_at=bj(3, 20, 10),
                accept_due_at=bj(3, 20, 12),
                accepted_at=bj(3, 20, 11),
                dispatched_at=bj(3, 20, 12),
                respond_due_at=bj(3, 20, 16),
                responded_at=bj(3, 20, 14),
                completed_at=bj(3, 25, 9),
                township_rating=4,
                department_rating=5,
                township_rated_at=bj(3, 26, 9),
                department_rated_at=bj(3, 26, 10),
            )
        ],
    )
    # F: a street market (0501, delegated to townships): the team lead called the county anyway
    # and the county rejected the call (乱呼叫). Filed in 1 h, never resolved: overdue.
    cases["F"] = lay_case(
        bj(3, 25, 9),
        "0501",
        "t1",
        1,
        24,
        status="in_progress",
        accepted_at=bj(3, 25, 10),
        dispatched_at=bj(3, 25, 10, 30),
        calls=[
            dict(
                origin="township",
                status="rejected",
                caller_team_id=people["teams"]["t1"],
                primary_department_id=zhzf,
                response_hours=2,
                resolution_hours=24,
                called_at=bj(3, 25, 11),
                accept_due_at=bj(3, 25, 13),
                reject_reason="属街道委托事项，由街道自行处置",
            )
        ],
    )
    # G: not filed (不予立案) within the response time; H: a confirmed duplicate.
    cases["G"] = lay_case(
        bj(3, 28, 9), "0102", "t1", 2, 24, status="rejected", closed_at=bj(3, 28, 10)
    )
    cases["H"] = lay_case(
        bj(3, 29, 9), "0102", "t1", 2, 24, status="duplicate", closed_at=bj(3, 29, 9, 30)
    )
    # I: received on the evening of the 31st, filed in 1 h, due on 1 April and never resolved:
    # 应结案 (March settles on 1 May) and overdue, though its deadline falls in April.
    cases["I"] = lay_case(
        bj(3, 31, 20), "0102", "t1", 2, 24, status="accepted", accepted_at=bj(3, 31, 21)
    )
    # K: 城正街街道, filed in 30 minutes, never resolved. L: April, outside the period.
    cases["K"] = lay_case(
        bj(3, 3, 9),
        "0102",
        "t2",
        2,
        24,
        township=T2,
        status="dispatched",
        accepted_at=bj(3, 3, 9, 30),
        dispatched_at=bj(3, 3, 10),
    )
    cases["L"] = lay_case(
        bj(4, 2, 9), "0102", "t1", 2, 24, status="accepted", accepted_at=bj(4, 2, 10)
    )
    return cases  # fmt: skip


# 雨湖路街道's March, counted by hand from the cases above.
T1_MARCH = {
    "reported": 9,  # A B C D E F G H I
    "taken": 8,  # all but the duplicate H
    "filed": 7,  # A B C D E F I
    "dispatched": 6,  # A B C D E F
    "due": 7,  # A B C D E F, and I (due 1 April, before March settles on 1 May)
    "closed": 4,  # A B C D
    "closed_on_time": 3,  # A C D
    "reworked": 1,  # C
    "extended": 1,  # D
    "returned": 1,  # E
    "response_overdue": 1,  # B
    "resolution_overdue": 3,  # B F I
    "calls": 2,  # E F
    "calls_rejected": 1,  # F
    "calls_on_time": 1,  # E
    "not_called": 1,  # E
    "fixed_on_site": 0,
    "filing_rate": 0.875,  # 7 / 8
    "dispatch_rate": 0.8571,  # 6 / 7
    "closing_rate": 0.5714,  # 4 / 7
    "on_time_rate": 0.4286,  # 3 / 7
    "rework_rate": 0.1429,  # 1 / 7
    "extension_rate": 0.1429,  # 1 / 7
    # filed: A 1, B 3, C 1, D 1.5 (working), E 2, F 1, I 1 -> 10.5 / 7; sorted
    # 1 1 1 1 1.5 2 3, p90 at rank 5.4: 2 + 0.4 * (3 - 2)
    "response_hours_mean": 1.5,
    "response_hours_p90": 2.4,
    # resolved: A 9, B 36, C 28, D 15.5 (working), E 120 -> 208.5 / 5; sorted
    # 9 15.5 28 36 120, p90 at rank 3.6: 36 + 0.6 * (120 - 36)
    "resolution_hours_mean": 41.7,
    "resolution_hours_p90": 86.4,
}
# 城正街街道: K alone, filed in 0.5 h, unresolved past its deadline.
T2_MARCH = {
    **{k: 0 for k in T1_MARCH if not k.endswith(("_rate", "_mean", "_p90"))},
    "reported": 1, "taken": 1, "filed": 1, "dispatched": 1, "due": 1, "resolution_overdue": 1,
    "filing_rate": 1.0, "dispatch_rate": 1.0, "closing_rate": 0.0, "on_time_rate": 0.0,
    "rework_rate": 0.0, "extension_rate": 0.0,
    "response_hours_mean": 0.5, "response_hours_p90": 0.5,
    "resolution_hours_mean": None, "resolution_hours_p90": None,
}  # fmt: skip


def _figures(row):
    return {k: row[k] for k in T1_MARCH}


def test_march_by_township_matches_the_hand_count(client, lay_case, people):
    _march(lay_case, people)
    response = client.get(
        "/api/v1/indicators?period=month&from=2026-03-15&by=township",
        headers=bearer(people["supervisor"]),
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["period"] == {"kind": "month", "from": "2026-03-01", "to": "2026-03-31"}
    rows = {row["key"]: row for row in body["rows"]}
    assert set(rows) == {T1, T2}
    assert rows[T1]["name"] == "雨湖路街道"
    assert _figures(rows[T1]) == T1_MARCH
    assert _figures(rows[T2]) == T2_MARCH
    assert (body["total"]["reported"], body["total"]["due"]) == (10, 8)


def test_by_department_and_team(client, lay_case, people):
    _march(lay_case, people)
    headers = bearer(people["dispatcher"])
    by_department = client.get(
        "/api/v1/indicators?period=month&from=2026-03-01&by=department", headers=headers
    ).json["rows"]
    # E is the department's through routing's call; F's rejected call named it but never
    # reached it, so F stays with the township.
    assert [(r["name"], r["reported"], r["due"], r["closed"], r["calls_on_time"]) for r in
            by_department] == [("区综合行政执法局", 1, 1, 0, 1)]  # fmt: skip
    by_team = {
        r["name"]: r["reported"]
        for r in client.get(
            "/api/v1/indicators?period=month&from=2026-03-01&by=team", headers=headers
        ).json["rows"]
    }
    assert by_team == {
        "雨湖路街道综合行政执法队": 8,
        "城正街街道综合行政执法队": 1,
        "区综合行政执法局": 1,
    }


def test_custom_period_and_day(client, lay_case, people):
    _march(lay_case, people)
    headers = bearer(people["supervisor"])
    day = client.get(
        "/api/v1/indicators?period=day&from=2026-03-13&by=county", headers=headers
    ).json
    # D alone: its figures do not depend on the period asked for.
    assert (day["total"]["reported"], day["total"]["filed"], day["total"]["extended"]) == (1, 1, 1)
    assert day["total"]["response_hours_mean"] == 1.5
    assert day["total"]["resolution_hours_mean"] == 15.5
    week = client.get(
        "/api/v1/indicators?period=week&from=2026-03-18&by=county", headers=headers
    ).json
    assert week["period"] == {"kind": "week", "from": "2026-03-16", "to": "2026-03-22"}
    assert week["total"]["reported"] == 1  # E
    custom = client.get(
        "/api/v1/indicators?period=custom&from=2026-03-20&to=2026-04-30&by=county",
        headers=headers,
    ).json
    assert custom["total"]["reported"] == 6  # E F G H I, and L in April
    bad = client.get("/api/v1/indicators?period=custom&from=2026-03-20&by=county", headers=headers)
    assert bad.status_code == 422


def test_scope(client, lay_case, people):
    """A team lead reads their own team; another township's code reads as not found."""
    _march(lay_case, people)
    lead2 = bearer(people["lead2"])
    own = client.get("/api/v1/indicators?period=month&from=2026-03-01&by=township", headers=lead2)
    assert own.status_code == 200
    assert [(r["key"], r["reported"]) for r in own.json["rows"]] == [(T2, 1)]
    other = client.get(
        f"/api/v1/indicators?period=month&from=2026-03-01&township={T1}", headers=lead2
    )
    assert other.status_code == 404
    other_team = client.get(
        f"/api/v1/indicators?period=month&from=2026-03-01&team_id={people['teams']['t1']}",
        headers=lead2,
    )
    assert other_team.status_code == 404
    worker = client.get("/api/v1/indicators", headers=bearer(people["worker"]))
    assert worker.status_code == 403


def test_a_department_reads_the_cases_it_handled(client, lay_case, people):
    """A county department's handler: its own 主办 cases only; another team reads as not found."""
    _march(lay_case, people)
    url = "/api/v1/indicators?period=month&from=2026-03-01&by=county"
    zhifa = client.get(url, headers=bearer(people["zhifa"]))
    assert zhifa.status_code == 200
    # E alone reached the 综合行政执法局 (F's call was rejected): as the dispatcher's by=department.
    total = zhifa.json["total"]
    assert (total["reported"], total["due"], total["calls_on_time"]) == (1, 1, 1)
    assert zhifa.json["filters"] == {"department_id": people["zhifa"].team_id}
    assert client.get(url, headers=bearer(people["ziran"])).json["total"]["reported"] == 0
    cases = client.get(
        "/api/v1/indicators/cases?period=month&from=2026-03-01", headers=bearer(people["zhifa"])
    ).json["cases"]
    assert [c["department_id"] for c in cases] == [people["zhifa"].team_id]
    other_team = client.get(
        f"{url}&team_id={people['teams']['t1']}", headers=bearer(people["zhifa"])
    )
    assert other_team.status_code == 404
    # The ratings and scores stay the county desk's.
    ratings = client.get(
        "/api/v1/scores?period=month&from=2026-03-01", headers=bearer(people["zhifa"])
    )
    assert ratings.status_code == 403


def test_percentiles_from_value_counts_are_postgresqls(db_session):
    """The exact percentile read off value counts equals percentile_cont over the values, with
    repeated values (hours to the minute repeat a lot) and odd and even counts."""
    import random
    from collections import Counter

    from sqlalchemy import text

    from gridsvc.assessment.aggregate import percentile_of_counts

    chance = random.Random(15)
    for size in (1, 2, 7, 10, 101, 1000):
        values = [round(chance.uniform(0, 5) * 60) / 60 for _ in range(size)]
        values += values[: size // 3]  # repeats
        expected = db_session.execute(
            text("SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY v) FROM unnest(:v) v"),
            {"v": values},
        ).scalar()
        assert percentile_of_counts(Counter(values), 0.9) == pytest.approx(expected, abs=1e-12)
    assert percentile_of_counts(Counter(), 0.9) is None


def test_an_on_the_spot_fix_counts_live_and_settled(client, lay_case, people):
    """自处置: a worker's fix on the spot in May is one fixed_on_site; not filed, not a ticket;
    the figure reads the same from the live facts and from the settled ones."""
    from datetime import UTC, datetime

    from gridsvc.assessment.daily import settle
    from tests.assessment.conftest import COUNTY

    lay_case(
        bj(5, 6, 9),
        "0104",
        "t1",
        2,
        24,
        status="closed",
        on_site=True,
        resolved_at=bj(5, 6, 9, 5),
        closed_at=bj(5, 6, 9, 5),
    )
    lay_case(bj(5, 7, 9), "0102", "t1", 2, 24, status="accepted", accepted_at=bj(5, 7, 10))
    url = "/api/v1/indicators?period=month&from=2026-05-01&by=township"
    headers = bearer(people["supervisor"])

    def figures():
        total = client.get(url, headers=headers).json["total"]
        return {k: total[k] for k in ("reported", "filed", "fixed_on_site")}

    assert figures() == {"reported": 2, "filed": 1, "fixed_on_site": 1}
    assert settle(COUNTY, datetime.now(UTC))["cases"] == 2
    assert figures() == {"reported": 2, "filed": 1, "fixed_on_site": 1}  # read back stored
