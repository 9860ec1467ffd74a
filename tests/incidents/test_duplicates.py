"""Probable duplicates: flagged on arrival, confirmed or dismissed by a dispatcher (If-Match)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import bearer
from tests.incidents.conftest import HOME
from tests.test_app import assert_problem

# Metres to degrees near 27.87°N.
LAT_M = 1 / 110_770
LON_M = 1 / 98_000


def _near(metres_east: float, metres_north: float = 0.0) -> tuple[float, float]:
    return HOME[0] + metres_east * LON_M, HOME[1] + metres_north * LAT_M


def test_same_category_20_m_away_is_a_probable_duplicate(report):
    first = report().get_json()
    second = report(lonlat=_near(20)).get_json()
    assert second["probable_duplicate_of"] == first["id"]
    assert second["duplicate_distance_m"] == pytest.approx(20, abs=1)
    assert second["status"] == "reported"


def test_nearest_open_incident_wins(report):
    report(lonlat=_near(40))
    near = report(lonlat=_near(10)).get_json()
    third = report().get_json()
    assert third["probable_duplicate_of"] == near["id"]


@pytest.mark.parametrize(
    ("lonlat", "overrides"),
    [
        (_near(80), {}),  # beyond 0501's 50 m
        (_near(20), {"category": "0503"}),  # another category
        (_near(20), {"reported_at": (datetime.now(UTC) - timedelta(hours=80)).isoformat()}),
    ],
)
def test_not_duplicates(report, lonlat, overrides):
    report()
    assert report(lonlat=lonlat, **overrides).get_json()["probable_duplicate_of"] is None


def test_radius_and_window_come_from_the_category(report):
    # 违法建设 (0601): 100 m and 30 days.
    first = report(
        category="0601", reported_at=(datetime.now(UTC) - timedelta(days=20)).isoformat()
    )
    second = report(category="0601", lonlat=_near(0, 80)).get_json()
    assert second["probable_duplicate_of"] == first.get_json()["id"]
    assert second["duplicate_distance_m"] == pytest.approx(80, abs=2)


def test_closed_cases_are_not_duplicate_targets(report, db_session):
    from gridsvc.incidents.models import Incident

    first = report().get_json()
    db_session.get(Incident, first["id"]).status = "rejected"
    db_session.flush()
    assert report(lonlat=_near(10)).get_json()["probable_duplicate_of"] is None


def _decide(client, headers, incident, **body):
    tag = f'"incident-{incident["id"]}-v{incident["version"]}"'
    return client.post(
        f"/api/v1/incidents/{incident['id']}/duplicate",
        json=body,
        headers=headers | {"If-Match": tag},
    )


def test_dispatcher_confirms_a_duplicate(client, report, as_dispatcher):
    original = report().get_json()
    repeat = report(lonlat=_near(20)).get_json()
    response = _decide(client, as_dispatcher, repeat, decision="confirm", note="同一摊位")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "duplicate"
    assert body["duplicate_of"] == original["id"]
    assert body["probable_duplicate_of"] is None
    assert response.headers["ETag"] == f'"incident-{repeat["id"]}-v{body["version"]}"'
    assert body["version"] > repeat["version"]
    events = client.get(f"/api/v1/incidents/{repeat['id']}/events", headers=as_dispatcher)
    last = events.get_json()["items"][-1]
    assert (last["action"], last["from_status"], last["to_status"], last["note"]) == (
        "duplicate_confirmed",
        "reported",
        "duplicate",
        "同一摊位",
    )
    assert last["data"]["duplicate_of"] == original["id"]
    # Now a duplicate, it cannot be confirmed again.
    assert_problem(
        _decide(client, as_dispatcher, body, decision="confirm", original_id=original["id"]),
        409,
        "incident.invalid_transition",
    )


def test_confirming_links_to_the_root_case(client, report, as_dispatcher):
    root = report().get_json()
    middle = report(lonlat=_near(10)).get_json()
    middle = _decide(client, as_dispatcher, middle, decision="confirm").get_json()
    late = report(lonlat=_near(0, 30), category="0501").get_json()
    body = _decide(
        client, as_dispatcher, late, decision="confirm", original_id=middle["id"]
    ).get_json()
    assert body["duplicate_of"] == root["id"]


def test_dispatcher_dismisses_the_flag(client, report, as_dispatcher):
    report()
    repeat = report(lonlat=_near(20)).get_json()
    body = _decide(client, as_dispatcher, repeat, decision="dismiss", note="不同摊位").get_json()
    assert body["probable_duplicate_of"] is None
    assert body["duplicate_distance_m"] is None
    assert body["status"] == "reported"
    assert_problem(
        _decide(client, as_dispatcher, body, decision="dismiss"), 409, "incident.not_flagged"
    )


def test_decision_needs_a_current_etag(client, report, as_dispatcher):
    report()
    repeat = report(lonlat=_near(20)).get_json()
    url = f"/api/v1/incidents/{repeat['id']}/duplicate"
    assert_problem(
        client.post(url, json={"decision": "dismiss"}, headers=as_dispatcher),
        428,
        "request.if_match_required",
    )
    stale = as_dispatcher | {"If-Match": f'"incident-{repeat["id"]}-v0"'}
    assert_problem(
        client.post(url, json={"decision": "dismiss"}, headers=stale),
        412,
        "request.etag_mismatch",
    )


def test_confirm_needs_an_original(client, report, as_dispatcher):
    lone = report().get_json()
    assert_problem(
        _decide(client, as_dispatcher, lone, decision="confirm"), 422, "incident.original_required"
    )
    assert_problem(
        _decide(client, as_dispatcher, lone, decision="confirm", original_id=lone["id"]),
        422,
        "incident.duplicate_of_self",
    )


def test_who_may_decide(client, report, make_user, as_worker):
    report()
    repeat = report(lonlat=_near(20)).get_json()
    assert_problem(
        _decide(client, as_worker, repeat, decision="dismiss"), 403, "auth.role_forbidden"
    )
    other_lead = bearer(make_user(role="team_lead", township_code="430302002"))
    assert_problem(
        _decide(client, other_lead, repeat, decision="dismiss"), 404, "incident.not_found"
    )
    own_lead = bearer(make_user(role="team_lead", township_code="430302001"))
    assert _decide(client, own_lead, repeat, decision="dismiss").status_code == 200
