"""The county desk's lists for a global admin, who has no county: they name one (``county``).

The console's desk asks a global admin to pick a county and reads calls, triage and 督办
notices of that county only; a county's own staff cannot reach another county that way.
"""

from __future__ import annotations

from tests.conftest import bearer
from tests.routing.conftest import COUNTY

ELSEWHERE = "430399"  # a county the test data has nothing in


def test_a_global_admin_reads_the_triage_of_the_county_they_name(client, make_user, report):
    incident = report("0601")  # a department's power: a county call, in triage
    admin = bearer(make_user(role="admin", county_code=None, township_code=None))

    unnamed = client.get("/api/v1/triage", headers=admin)
    assert unnamed.status_code == 422
    assert unnamed.json["code"] == "routing.county_required"

    named = client.get("/api/v1/triage", query_string={"county": COUNTY}, headers=admin).json
    assert incident["id"] in [f["id"] for f in named["features"]]
    other = client.get("/api/v1/triage", query_string={"county": ELSEWHERE}, headers=admin).json
    assert other["features"] == []


def test_a_county_dispatcher_cannot_name_another_county(client, people, report):
    incident = report("0601")
    dispatcher = bearer(people["dispatcher"])
    other = client.get("/api/v1/triage", query_string={"county": ELSEWHERE}, headers=dispatcher)
    assert other.status_code == 404
    assert other.json["code"] == "county.not_found"
    assert other.headers["Content-Type"].startswith("application/problem+json")
    own = client.get("/api/v1/triage", query_string={"county": COUNTY}, headers=dispatcher).json
    assert incident["id"] in [f["id"] for f in own["features"]]


def test_calls_and_notices_filter_by_county(client, make_user, report):
    incident = report("0601")
    admin = bearer(make_user(role="admin", county_code=None, township_code=None))
    mine = client.get("/api/v1/calls", query_string={"county": COUNTY}, headers=admin).json
    assert incident["id"] in [c["incident_id"] for c in mine["items"]]
    assert {c["county_code"] for c in mine["items"]} == {COUNTY}
    none = client.get("/api/v1/calls", query_string={"county": ELSEWHERE}, headers=admin).json
    assert none["items"] == []
    bad = client.get("/api/v1/calls", query_string={"county": "43"}, headers=admin)
    assert bad.status_code == 422
    notices = client.get(
        "/api/v1/supervision-notices", query_string={"county": ELSEWHERE}, headers=admin
    )
    assert notices.status_code == 200
    assert notices.json["items"] == []
