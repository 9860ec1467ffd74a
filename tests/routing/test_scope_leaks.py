"""Issue 11's table of scope leaks, rows 1-6 and 8, each answered as the role model says.

The callers are the attacker's: the admin of a second county (430304) and the township admin of
城正街 (T2), next to the demo-like directory of tests/routing/conftest.py. Row 7 (boundaries) is
in tests/boundaries/test_upload_scope.py, row 9 (categories) in tests/incidents/test_categories.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gridsvc.accounts.models import User
from gridsvc.routing.cases.models import Case
from gridsvc.routing.deadlines.models import SupervisionNotice
from gridsvc.routing.deadlines.sweep import sweep
from gridsvc.routing.notices.models import WebhookSubscription
from tests.conftest import bearer
from tests.routing.conftest import COUNTY, T1, T2
from tests.routing.test_zones import MARKET
from tests.test_app import assert_problem

OTHER_COUNTY = "430304"


@pytest.fixture
def other_county_admin(make_user):
    return make_user(role="admin", county_code=OTHER_COUNTY, township_code=None)


@pytest.fixture
def t2_admin(make_user):
    """The township admin of 城正街 (the issue's attacker inside the county)."""
    return make_user(role="admin", county_code=COUNTY, township_code=T2)


def if_match(client, user, url: str) -> dict:
    return {**bearer(user), "If-Match": client.get(url, headers=bearer(user)).headers["ETag"]}


# --- row 1: another county's admin puts its users into this county's teams ------------------


def test_row1_other_county_admin_cannot_join_its_users_to_our_teams(
    client, people, other_county_admin, make_user, db_session
):
    t1 = people["teams"]["t1"]
    theirs = make_user(role="team_lead", township_code=f"{OTHER_COUNTY}001")
    url = f"/api/v1/users/{theirs.id}"
    moved = client.patch(
        url, json={"team_id": t1}, headers=if_match(client, other_county_admin, url)
    )
    # Answered as for a team that does not exist: the team's existence is not disclosed.
    missing = client.patch(
        url, json={"team_id": 999999}, headers=if_match(client, other_county_admin, url)
    )
    assert_problem(moved, 422, "user.unknown_team")
    assert_problem(missing, 422, "user.unknown_team")
    created = client.post(
        "/api/v1/users",
        json={
            "username": "infiltrator",
            "password": "a-long-password",
            "role": "team_lead",
            "township_code": f"{OTHER_COUNTY}001",
            "team_id": t1,
        },
        headers=bearer(other_county_admin),
    )
    assert_problem(created, 422, "user.unknown_team")
    db_session.refresh(theirs)
    assert theirs.team_id is None
    assert db_session.query(User).filter_by(username="infiltrator").first() is None
    # And so the team's queue stays closed to them.
    assert_problem(
        client.get(f"/api/v1/teams/{t1}/queue", headers=bearer(theirs)), 404, "team.not_found"
    )


def test_row1_a_team_id_through_users_follows_the_membership_rule(client, people, county_admin):
    t1, zhzf = people["teams"]["t1"], people["teams"]["zhzf"]
    body = {"username": "newlead", "password": "a-long-password", "role": "team_lead"}
    ok = client.post(
        "/api/v1/users",
        json={**body, "township_code": T1, "team_id": t1},
        headers=bearer(county_admin),
    )
    assert ok.status_code == 201, ok.json
    assert ok.json["team_id"] == t1
    wrong_township = client.post(
        "/api/v1/users",
        json={**body, "username": "lead2b", "township_code": T2, "team_id": t1},
        headers=bearer(county_admin),
    )
    assert_problem(wrong_township, 422, "team.member_outside_team_area")
    wrong_kind = client.post(
        "/api/v1/users",
        json={**body, "username": "lead2c", "township_code": T1, "team_id": zhzf},
        headers=bearer(county_admin),
    )
    assert_problem(wrong_kind, 422, "team.member_role")


# --- row 2: a township admin reads another township's team queue ------------------------------


def test_row2_township_admin_does_not_read_team_queues(
    client, people, report, t2_admin, county_admin
):
    report("0102")  # a township duty: a case in t1's queue
    for team in ("t1", "t2", "zhzf"):
        url = f"/api/v1/teams/{people['teams'][team]}/queue"
        assert_problem(client.get(url, headers=bearer(t2_admin)), 404, "team.not_found")
    url = f"/api/v1/teams/{people['teams']['t1']}/queue"
    for reader in (county_admin, people["dispatcher"], people["supervisor"], people["lead"]):
        answer = client.get(url, headers=bearer(reader))
        assert answer.status_code == 200
        assert answer.json["counts"]["total"] == 1
    assert_problem(
        client.get("/api/v1/triage", headers=bearer(t2_admin)), 403, "auth.role_forbidden"
    )


# --- row 3: a township admin takes another township's member out of a team --------------------


def test_row3_township_admin_cannot_remove_another_townships_member(
    client, people, t2_admin, make_user, db_session
):
    t1, lead = people["teams"]["t1"], people["lead"]
    gone = client.delete(f"/api/v1/teams/{t1}/members/{lead.id}", headers=bearer(t2_admin))
    assert_problem(gone, 404, "team.member_not_found")
    db_session.refresh(lead)
    assert lead.team_id == t1
    # Its own township's team and people are its own to manage.
    t2, lead2 = people["teams"]["t2"], people["lead2"]
    newcomer = make_user(role="officer", township_code=T2)
    added = client.post(
        f"/api/v1/teams/{t2}/members", json={"user_id": newcomer.id}, headers=bearer(t2_admin)
    )
    assert added.status_code == 200, added.json
    assert (
        client.delete(
            f"/api/v1/teams/{t2}/members/{lead2.id}", headers=bearer(t2_admin)
        ).status_code
        == 204
    )
    # Not a county department's, though, nor another township's team.
    handler = people["zhifa"]
    assert_problem(
        client.delete(
            f"/api/v1/teams/{people['teams']['zhzf']}/members/{handler.id}",
            headers=bearer(t2_admin),
        ),
        404,
        "team.member_not_found",
    )
    assert_problem(
        client.post(
            f"/api/v1/teams/{t1}/members", json={"user_id": newcomer.id}, headers=bearer(t2_admin)
        ),
        403,
        "team.member_forbidden",
    )


# --- row 4: a township admin changes county routing -------------------------------------------


def test_row4_township_admin_does_not_edit_routing(client, listed, admin_headers, t2_admin):
    zone = client.post(
        "/api/v1/zones",
        json={"name": "步行街", "geometry": MARKET, "team_id": listed["t1"]["id"]},
        headers=admin_headers,
    )
    assert zone.status_code == 201, zone.json
    zone_url = f"/api/v1/zones/{zone.json['id']}"
    changed = client.patch(
        zone_url, json={"active": False}, headers=if_match(client, t2_admin, zone_url)
    )
    assert_problem(changed, 403, "auth.role_forbidden")
    future = client.post(
        "/api/v1/responsibility-list",
        json={
            "category_code": "0102",
            "primary_kind": "township",
            "response_hours": 2,
            "resolution_hours": 24,
            "effective_from": (date.today() + timedelta(days=30)).isoformat(),
        },
        headers=admin_headers,
    )
    assert future.status_code == 201, future.json
    entry_url = f"/api/v1/responsibility-list/{future.json['id']}"
    edited = client.patch(
        entry_url, json={"response_hours": 1}, headers=if_match(client, t2_admin, entry_url)
    )
    assert_problem(edited, 403, "auth.role_forbidden")
    assert_problem(client.delete(entry_url, headers=bearer(t2_admin)), 403, "auth.role_forbidden")
    assert client.get(entry_url, headers=bearer(t2_admin)).json["response_hours"] == 2
    assert client.get(zone_url, headers=bearer(t2_admin)).json["properties"]["active"] is True
    new_zone = client.post(
        "/api/v1/zones",
        json={"name": "x", "geometry": MARKET, "team_id": listed["t2"]["id"]},
        headers=bearer(t2_admin),
    )
    assert_problem(new_zone, 403, "auth.role_forbidden")


# --- row 5: a township admin reads and stops the county's webhooks ----------------------------


def test_row5_township_admin_has_no_webhooks(client, county_admin, t2_admin, db_session):
    hook = WebhookSubscription(
        county_code=COUNTY, url="https://hooks.example.org/in", secret="s" * 32
    )
    db_session.add(hook)
    db_session.flush()
    for method, url in (
        ("get", f"/api/v1/webhooks/{hook.id}/deliveries"),
        ("delete", f"/api/v1/webhooks/{hook.id}"),
        ("get", "/api/v1/webhooks"),
    ):
        answer = getattr(client, method)(url, headers=bearer(t2_admin))
        assert_problem(answer, 403, "auth.role_forbidden")
    db_session.refresh(hook)
    assert hook.active is True
    assert (
        client.get(
            f"/api/v1/webhooks/{hook.id}/deliveries", headers=bearer(county_admin)
        ).status_code
        == 200
    )


# --- row 6: a township admin creates county roles ---------------------------------------------


@pytest.mark.parametrize("role", ["county_dispatcher", "supervisor", "admin", "gis_staff"])
def test_row6_township_admin_creates_only_township_roles(client, t2_admin, role):
    body = {"username": f"new_{role}", "password": "a-long-password", "role": role}
    for place in ({"township_code": T2}, {"county_code": COUNTY}):
        answer = client.post("/api/v1/users", json={**body, **place}, headers=bearer(t2_admin))
        assert answer.status_code == 403, (place, answer.json)
        assert answer.json["code"] in ("user.role_not_assignable", "user.out_of_scope")


def test_row6_what_a_township_admin_may_do_with_accounts(client, t2_admin, county_admin, make_user):
    worker = client.post(
        "/api/v1/users",
        json={
            "username": "cz_worker",
            "password": "a-long-password",
            "role": "grid_worker",
            "township_code": T2,
        },
        headers=bearer(t2_admin),
    )
    assert worker.status_code == 201, worker.json
    url = f"/api/v1/users/{worker.json['id']}"
    promoted = client.patch(
        url, json={"role": "county_dispatcher"}, headers=if_match(client, t2_admin, url)
    )
    assert_problem(promoted, 403, "user.role_not_assignable")
    # A county account inside the township admin's sight is still not its to change.
    peer = make_user(role="admin", township_code=T2)
    peer_url = f"/api/v1/users/{peer.id}"
    assert client.get(peer_url, headers=bearer(t2_admin)).status_code == 200
    assert_problem(
        client.patch(peer_url, json={"phone": "1"}, headers=if_match(client, t2_admin, peer_url)),
        403,
        "user.role_not_assignable",
    )
    # County roles are county-wide: the county admin cannot bind one to a township either.
    bound = client.post(
        "/api/v1/users",
        json={
            "username": "cz_disp",
            "password": "a-long-password",
            "role": "county_dispatcher",
            "township_code": T2,
        },
        headers=bearer(county_admin),
    )
    assert_problem(bound, 422, "user.county_role_has_township")


# --- row 8: a grid worker silences a supervision notice ---------------------------------------


def test_row8_only_the_team_lead_or_the_county_acknowledges(client, people, report, db_session):
    incident = report("0102")
    case = db_session.get(Case, incident["id"])
    assert sweep(now=case.response_due_at + timedelta(minutes=1)) == {"notices": 1}
    (notice,) = SupervisionNotice.query.all()
    url = f"/api/v1/supervision-notices/{notice.id}/acknowledge"
    for who in ("worker", "officer"):
        assert_problem(client.post(url, headers=bearer(people[who])), 403, "auth.role_forbidden")
    db_session.refresh(notice)
    assert notice.acknowledged_at is None
    assert_problem(client.post(url, headers=bearer(people["lead2"])), 404, "notice.not_found")
    done = client.post(url, headers=bearer(people["lead"]))
    assert done.status_code == 200
    assert done.json["acknowledged_by"] == people["lead"].id


# --- gis_staff: the map's people read no incident, case, call or 督办 notice ----------------


def test_gis_staff_reads_no_case_call_or_notice_lists(client, make_user):
    gis = make_user(role="gis_staff", county_code=COUNTY, township_code=None)
    dispatcher = make_user(role="county_dispatcher", county_code=COUNTY, township_code=None)
    for url in ("/api/v1/incidents", "/api/v1/calls", "/api/v1/supervision-notices"):
        assert_problem(client.get(url, headers=bearer(gis)), 403, "auth.role_forbidden")
        # The same lists answer the county desk: the refusal is the role's, not the URL's.
        assert client.get(url, headers=bearer(dispatcher)).status_code == 200
