"""Grid assignments through the API: history, one primary, idempotent retries, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import bearer
from tests.workers.helpers import GRID, T1, T2

URL = f"/api/v1/grids/{GRID}/assignments"


def assign(client, admin, user, role="primary", code=GRID, **extra):
    return client.post(
        f"/api/v1/grids/{code}/assignments",
        json={"user_id": user.id, "role": role, **extra},
        headers=bearer(admin),
    )


def test_new_primary_closes_the_previous_one_and_history_stays(
    client, hierarchy, make_worker, admin_of
):
    admin = admin_of(T1)
    first, second, helper = make_worker(), make_worker(), make_worker()
    a = assign(client, admin, first)
    assert a.status_code == 201, a.get_json()
    assert a.get_json()["current"] is True
    assert assign(client, admin, helper, role="secondary").status_code == 201
    b = assign(client, admin, second)
    assert b.status_code == 201
    history = client.get(URL, headers=bearer(admin)).get_json()["items"]
    assert [(h["user_id"], h["role"], h["current"]) for h in history] == [
        (first.id, "primary", False),
        (helper.id, "secondary", True),
        (second.id, "primary", True),
    ]
    assert history[0]["end_reason"] == "reassigned"
    assert history[0]["valid_to"] == b.get_json()["valid_from"]
    current = client.get(f"{URL}?current=true&role=primary", headers=bearer(admin)).get_json()
    assert [h["user_id"] for h in current["items"]] == [second.id]
    # "Who was responsible when first was": the history answers.
    at = a.get_json()["valid_from"]
    then = client.get(URL, query_string={"at": at, "role": "primary"}, headers=bearer(admin))
    assert [h["user_id"] for h in then.get_json()["items"]] == [first.id]


def test_posting_the_current_assignment_again_returns_it(client, hierarchy, make_worker, admin_of):
    admin, worker = admin_of(T1), make_worker()
    one = assign(client, admin, worker).get_json()
    two = assign(client, admin, worker).get_json()
    assert one["id"] == two["id"]
    assert len(client.get(URL, headers=bearer(admin)).get_json()["items"]) == 1


def test_secondary_promoted_to_primary_and_primary_cannot_become_secondary(
    client, hierarchy, make_worker, admin_of
):
    admin, worker = admin_of(T1), make_worker()
    assign(client, admin, worker, role="secondary")
    promoted = assign(client, admin, worker)
    assert promoted.status_code == 201
    items = client.get(URL, headers=bearer(admin)).get_json()["items"]
    assert [(i["role"], i["end_reason"]) for i in items] == [
        ("secondary", "promoted"),
        ("primary", None),
    ]
    r = assign(client, admin, worker, role="secondary")
    assert r.status_code == 409
    assert r.get_json()["code"] == "assignment.is_primary"


def test_refusals(client, hierarchy, make_user, make_worker, admin_of):
    admin = admin_of(T1)
    worker = make_worker()
    r = assign(client, admin, worker, code="430302001001009")
    assert (r.status_code, r.get_json()["code"]) == (404, "grid.not_found")
    r = assign(client, admin, worker, code="430302002001001")  # another township's grid
    assert (r.status_code, r.get_json()["code"]) == (404, "grid.not_found")
    r = assign(client, admin_of("430302"), make_worker(T2))  # county admin, wrong township
    assert (r.status_code, r.get_json()["code"]) == (422, "assignment.township_mismatch")
    officer = make_user(role="officer", township_code=T1)
    r = assign(client, admin, officer)
    assert (r.status_code, r.get_json()["code"]) == (422, "assignment.not_grid_worker")
    no_profile = make_user(role="grid_worker", township_code=T1)
    r = assign(client, admin, no_profile)
    assert (r.status_code, r.get_json()["code"]) == (422, "assignment.no_profile")
    retired = make_worker(active=False)
    r = assign(client, admin, retired)
    assert (r.status_code, r.get_json()["code"]) == (422, "assignment.worker_inactive")
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = assign(client, admin, worker, valid_from=future)
    assert (r.status_code, r.get_json()["code"]) == (422, "assignment.future_start")
    r = assign(
        client, make_user(role="supervisor", county_code="430302", township_code=None), worker
    )
    assert (r.status_code, r.get_json()["code"]) == (403, "auth.role_forbidden")
    r = assign(client, admin, worker, role="boss")
    assert r.status_code == 422


def test_backdated_primary_cannot_start_before_the_current_one(
    client, hierarchy, make_worker, admin_of
):
    admin = admin_of(T1)
    now = datetime.now(UTC)
    assign(client, admin, make_worker(), valid_from=(now - timedelta(days=3)).isoformat())
    r = assign(client, admin, make_worker(), valid_from=(now - timedelta(days=5)).isoformat())
    assert (r.status_code, r.get_json()["code"]) == (422, "assignment.starts_before_current")
    ok = assign(client, admin, make_worker(), valid_from=(now - timedelta(days=1)).isoformat())
    assert ok.status_code == 201


def test_ending_sets_valid_to_keeps_the_row_and_is_idempotent(
    client, hierarchy, make_worker, admin_of
):
    admin, worker = admin_of(T1), make_worker()
    row = assign(client, admin, worker).get_json()
    end = f"{URL}/{row['id']}/end"
    r = client.post(end, json={"reason": "worker_left"}, headers=bearer(admin))
    assert r.status_code == 200
    ended = r.get_json()
    assert (ended["current"], ended["end_reason"]) == (False, "worker_left")
    again = client.post(end, json={}, headers=bearer(admin)).get_json()
    assert again["valid_to"] == ended["valid_to"]
    assert again["end_reason"] == "worker_left"
    assert client.post(end, json={}, headers=bearer(admin_of(T2))).status_code == 404
    wrong_grid = f"/api/v1/grids/430302001001002/assignments/{row['id']}/end"
    assert client.post(wrong_grid, json={}, headers=bearer(admin)).status_code == 404
    bad = client.post(
        f"{URL}/{assign(client, admin, worker).get_json()['id']}/end",
        json={"valid_to": "2000-01-01T00:00:00+08:00"},
        headers=bearer(admin),
    )
    assert (bad.status_code, bad.get_json()["code"]) == (422, "assignment.bad_end")


def test_who_reads_assignments(client, hierarchy, make_user, make_worker, admin_of):
    admin = admin_of(T1)
    me, other = make_worker(), make_worker()
    assign(client, admin, me)
    assign(client, admin, other, role="secondary")
    mine = client.get(URL, headers=bearer(me)).get_json()["items"]
    assert [i["user_id"] for i in mine] == [me.id]  # a worker sees only their own rows
    mine = client.get(f"/api/v1/workers/{me.id}/assignments", headers=bearer(me)).get_json()
    assert [i["grid_code"] for i in mine["items"]] == [GRID]
    r = client.get(f"/api/v1/workers/{other.id}/assignments", headers=bearer(me))
    assert r.status_code == 404
    r = client.get(f"/api/v1/workers/{me.id}/assignments", headers=bearer(admin_of(T2)))
    assert r.status_code == 404
    supervisor = make_user(role="supervisor", county_code="430302", township_code=None)
    assert len(client.get(URL, headers=bearer(supervisor)).get_json()["items"]) == 2
    assert client.get(URL, headers=bearer(admin_of(T2))).status_code == 404
    unknown = client.get("/api/v1/grids/430302001001009/assignments", headers=bearer(admin))
    assert unknown.status_code == 404
    empty = client.get("/api/v1/grids/430302001002002/assignments", headers=bearer(admin))
    assert empty.get_json()["items"] == []
    profile = client.get(f"/api/v1/workers/{me.id}", headers=bearer(me)).get_json()
    assert profile["current_grids"] == [
        {"grid_code": GRID, "role": "primary", "since": profile["current_grids"][0]["since"]}
    ]
