"""Schemathesis against the app: every answer conforms to /api/v1/openapi.json.

Generated clients trust the spec, so the server must answer only what it documents. Every
operation of the spec gets a few requests generated from its schema (a fixed seed, so a run is
repeatable and a failure reproducible), as a county admin (who passes most role checks, so the
requests reach the code behind them) and as a grid worker, in the routing story's county (teams,
people, the responsibility list, a routed report). Each answer goes through the checks a
``--checks all`` run makes of a response:

* ``not_a_server_error`` — no 5xx;
* ``status_code_conformance`` — the status is documented for the operation;
* ``content_type_conformance`` — the media type is the documented one (problem+json for errors);
* ``response_schema_conformance`` — the body validates against the documented schema;
* ``response_headers_conformance`` — documented response headers are present and well-formed.

All failures are collected and reported together (no shrinking: it costs minutes and the
failing request is printed as it was sent).

Deliberately not run here:

* the checks that send further requests of their own (``negative_data_rejection``,
  ``positive_data_acceptance``, ``missing_required_header``, ``unsupported_method``,
  ``ignored_auth``, ``use_after_free``, ``ensure_resource_availability``): they test input
  handling, which tests/test_fuzz.py and tests/test_bad_input.py cover with the codes expected,
  and would multiply the run time past what CI can give;
* ``max_response_time``: the CI machine is shared, so a time limit would measure the load.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import bearer
from tests.routing.conftest import (  # noqa: F401  (fixtures used here)
    admin_headers,
    county_admin,
    directory,
    hierarchy,
    listed,
    make_team,
    people,
    publish,
    report,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES = 4  # per operation and caller: ~800 requests in all
SEED = 20261202


@pytest.fixture
def callers(people, county_admin):  # noqa: F811  (imported fixtures)
    """Each caller's token, new for every operation: POST /auth/logout ends the session of the
    token it is sent with, and must not log the caller out of the rest of the run."""
    return {"admin": lambda: bearer(county_admin), "grid_worker": lambda: bearer(people["worker"])}


def run_operation(operation, headers: dict) -> list[str]:
    """Send EXAMPLES generated requests; the failures found, one line each."""
    found: list[str] = []

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(case=operation.as_strategy())
    def send(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                detail = " ".join(str(failure.message).split())[:300]
                found.append(
                    f"{operation.label} -> {response.status_code}: {failure.title}: {detail}"
                )

    send()
    return found


def test_every_answer_conforms_to_the_spec(app, callers, report):  # noqa: F811
    report()  # one routed incident, so reads and actions on it can succeed
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for role, headers in callers.items():
            failures += [f"[{role}] {line}" for line in run_operation(operation, headers())]
    assert operations >= 100
    distinct = sorted(set(failures))
    print(f"schemathesis: {operations} operations, {len(distinct)} distinct failures")
    assert not distinct, "\n".join(distinct)


def test_the_map_answers_match_their_documented_geojson(app, client, people, report):  # noqa: F811
    """Random ids rarely reach a 200, so the GeoJSON answers are also read as their users do."""
    incident = report()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    worker, dispatcher = bearer(people["worker"]), bearer(people["dispatcher"])
    lead = bearer(people["lead"])
    team = people["teams"]["t1"]
    reads = [
        ("/areas", "/api/v1/areas?level=township", worker),
        ("/areas/{code}", "/api/v1/areas/430302001", worker),
        ("/grids", "/api/v1/grids?township=430302001&limit=2", worker),
        ("/grids/{code}", "/api/v1/grids/430302001001001", worker),
        ("/grids/{code}/history", "/api/v1/grids/430302001001001/history", worker),
        ("/locate", "/api/v1/locate?lon=112.81&lat=27.87", worker),
        ("/teams/{team_id}/queue", f"/api/v1/teams/{team}/queue", lead),
        ("/triage", "/api/v1/triage", dispatcher),
        ("/me/tasks", "/api/v1/me/tasks", worker),
        ("/incidents/{incident_id}", f"/api/v1/incidents/{incident['id']}", worker),
        ("/incidents", "/api/v1/incidents?format=geojson", worker),
        ("/me/grids", "/api/v1/me/grids", worker),
        ("/workers/{user_id}/tracks", f"/api/v1/workers/{people['worker'].id}/tracks", worker),
        ("/zones", "/api/v1/zones", worker),
        ("/responsibility-list", "/api/v1/responsibility-list?limit=2", worker),
    ]
    for template, url, headers in reads:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.get_json())
        schema[f"/api/v1{template}"]["GET"].validate_response(response)
    features = client.get(f"/api/v1/teams/{team}/queue", headers=lead).get_json()["features"]
    assert features, "the routed report is in its team's queue"
    located = client.post(
        "/api/v1/locate",
        json={"points": [{"lon": 112.81, "lat": 27.87, "id": "a"}]},
        headers=worker,
    )
    schema["/api/v1/locate"]["POST"].validate_response(located)
