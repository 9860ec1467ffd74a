"""Issue 15's must-show: a township's and a department's composite scores, with their inputs.

The March fixture of test_indicators, plus one case the stationed natural-resources office
(自然资源所, a 派驻机构 of 自然资源和规划局 in 雨湖路街道) handled through a call. The county's
weights from 1 January: departments' ratings weigh 0.2 in a township's score, the townships'
ratings 1/3 in a department's, the township 0.7 in its stationed agency's.
"""

from __future__ import annotations

from tests.assessment.conftest import COUNTY, T1, bj
from tests.assessment.test_indicators import _march
from tests.conftest import bearer


def _stationed_case(lay_case, people):
    zrzy = people["teams"]["zrzy"]
    lay_case(bj(3, 12, 9), "0601", None, 4, 168, status="closed", route="county_call",
        team_id=zrzy, resolution_due_at=bj(3, 19, 11), accepted_at=bj(3, 12, 10),
        dispatched_at=bj(3, 12, 11), resolved_at=bj(3, 13, 11), closed_at=bj(3, 13, 15),
        calls=[dict(origin="routing", status="completed", primary_department_id=zrzy,
                    response_hours=4, resolution_hours=168, called_at=bj(3, 12, 9, 30),
                    accept_due_at=bj(3, 12, 11, 30), accepted_at=bj(3, 12, 10),
                    dispatched_at=bj(3, 12, 11), respond_due_at=bj(3, 12, 15),
                    responded_at=bj(3, 12, 14), completed_at=bj(3, 13, 11),
                    township_rating=3, township_rated_at=bj(3, 14, 9),
                    department_rating=5, department_rated_at=bj(3, 14, 10))])  # fmt: skip


def _weights(client, people, county_admin, **fields):
    body = {
        "effective_from": "2026-01-01",
        "township_rating_share": 0.2,
        "stationed": [
            {
                "team_id": people["teams"]["zrzy"],
                "parent_department_id": people["teams"]["zrzy"],
                "township_code": T1,
            }
        ],
        **fields,
    }
    return client.post("/api/v1/assessment-weights", json=body, headers=bearer(county_admin))


def test_township_department_and_stationed_scores_with_inputs(
    client, lay_case, people, county_admin
):
    _march(lay_case, people)
    _stationed_case(lay_case, people)
    created = _weights(client, people, county_admin)
    assert created.status_code == 201, created.json
    # A later version does not touch March.
    later = _weights(client, people, county_admin, effective_from="2026-04-01",
                     township_rating_share=0.9)  # fmt: skip
    assert later.status_code == 201
    response = client.get(
        "/api/v1/scores?period=month&from=2026-03-01", headers=bearer(people["supervisor"])
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["county"] == COUNTY
    assert body["weights"] == {"id": created.json["id"], "effective_from": "2026-01-01"}
    scores = {(s["kind"], s["name"]): s for s in body["scores"]}

    # 雨湖路街道: due A B C D E F I + the stationed case = 8, closed 5 (A B C D +), in time 4
    # (A C D +): 按期结案率 4/8 = 0.5, 结案率 5/8 = 0.625 -> 100 * (0.6 * 0.5 + 0.4 * 0.625) = 55;
    # the departments rated its two calls 5 and 5 -> 100. 0.8 * 55 + 0.2 * 100 = 64.
    township = next(s for s in body["scores"] if s["kind"] == "township" and s["key"] == T1)
    assert township["score"] == 64.0
    handling, rated = township["inputs"]
    assert (handling["part"], handling["value"], handling["weight"]) == (
        "case_handling",
        55.0,
        0.8,
    )
    assert handling["from"]["on_time_rate"] == 0.5
    assert handling["from"]["closing_rate"] == 0.625
    assert handling["from"]["due"] == 8
    assert (rated["part"], rated["value"], rated["weight"]) == ("ratings", 100.0, 0.2)
    assert rated["from"]["mean"] == 5.0
    assert rated["from"]["count"] == 2
    assert rated["from"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 2}

    # 区综合行政执法局: its one due case (E) is not closed -> case handling 0; 雨湖路 rated it 4 ->
    # 80. (2/3) * 0 + (1/3) * 80 = 26.67.
    department = scores[("department", "区综合行政执法局")]
    assert department["score"] == 26.67
    handling, rated = department["inputs"]
    assert (handling["value"], handling["weight"], handling["from"]["due"]) == (0.0, 0.6667, 1)
    assert (rated["value"], rated["weight"], rated["from"]["mean"]) == (80.0, 0.3333, 4.0)

    # The stationed office: 雨湖路 rated it 3 -> 60 at 0.7; its own case closed in time -> 100
    # at 0.3 for the parent department's part. 42 + 30 = 72.
    stationed = scores[("stationed_agency", "区自然资源和规划局")]
    assert stationed["score"] == 72.0
    assert [(i["value"], i["weight"]) for i in stationed["inputs"]] == [(60.0, 0.7), (100.0, 0.3)]


def test_ratings_both_ways(client, lay_case, people):
    _march(lay_case, people)
    _stationed_case(lay_case, people)
    body = client.get(
        "/api/v1/ratings?period=month&from=2026-03-01", headers=bearer(people["dispatcher"])
    ).json
    assert [(r["name"], r["mean"], r["count"]) for r in body["departments"]] == [
        ("区综合行政执法局", 4.0, 1),
        ("区自然资源和规划局", 3.0, 1),
    ]
    assert [(r["key"], r["mean"], r["count"]) for r in body["townships"]] == [(T1, 5.0, 2)]


def test_a_department_handler_reads_their_own_departments_ratings_only(client, lay_case, people):
    _march(lay_case, people)
    _stationed_case(lay_case, people)
    march = "/api/v1/ratings?period=month&from=2026-03-01"
    body = client.get(march, headers=bearer(people["ziran"])).json
    assert [(r["name"], r["mean"], r["count"]) for r in body["departments"]] == [
        ("区自然资源和规划局", 3.0, 1)
    ]
    assert [(r["key"], r["mean"], r["count"]) for r in body["townships"]] == [(T1, 5.0, 1)]
    other = client.get(march, headers=bearer(people["zhifa"])).json
    assert [(r["name"], r["mean"]) for r in other["departments"]] == [("区综合行政执法局", 4.0)]
    worker = client.get(march, headers=bearer(people["worker"]))
    assert worker.status_code == 403


def test_weights_are_versions(client, people, county_admin):
    assert _weights(client, people, county_admin).status_code == 201
    again = _weights(client, people, county_admin, township_rating_share=0.5)
    assert again.status_code == 409
    assert again.json["code"] == "assessment.weights_version_exists"
    bad = _weights(client, people, county_admin, effective_from="2026-02-01",
                   indicator_weights={"popularity": 1})  # fmt: skip
    assert bad.status_code == 422
    listed = client.get("/api/v1/assessment-weights", headers=bearer(people["supervisor"])).json
    assert [w["effective_from"] for w in listed] == ["2026-01-01"]
    supervisor = client.post(
        "/api/v1/assessment-weights",
        json={"effective_from": "2026-05-01"},
        headers=bearer(people["supervisor"]),
    )
    assert supervisor.status_code == 403
