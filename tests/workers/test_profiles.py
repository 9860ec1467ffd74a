"""Worker profiles: who may create, read and change them."""

from __future__ import annotations

from tests.conftest import bearer
from tests.workers.helpers import T1, T2


def test_township_admin_creates_reads_and_updates_a_profile(client, make_user, admin_of):
    admin = admin_of(T1)
    user = make_user(role="grid_worker", township_code=T1, phone="0731-5555")
    body = {"user_id": user.id, "employment": "part_time", "hired_on": "2025-03-01"}
    r = client.post("/api/v1/workers", json=body, headers=bearer(admin))
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["employment"] == "part_time"
    assert created["phone"] == "0731-5555"  # taken from the account when not given
    assert created["township_code"] == T1
    assert created["username"] == user.username
    assert created["current_grids"] == []
    # A retry with the same payload answers the same profile; a different one is 409.
    again = client.post("/api/v1/workers", json=body, headers=bearer(admin))
    assert again.status_code == 201
    assert again.get_json()["user_id"] == user.id
    clash = client.post(
        "/api/v1/workers", json={**body, "employment": "full_time"}, headers=bearer(admin)
    )
    assert clash.status_code == 409
    assert clash.get_json()["code"] == "worker.profile_exists"

    url = f"/api/v1/workers/{user.id}"
    read = client.get(url, headers=bearer(admin))
    tag = read.headers["ETag"]
    assert client.patch(url, json={"phone": "139"}, headers=bearer(admin)).status_code == 428
    stale = client.patch(
        url, json={"phone": "139"}, headers={**bearer(admin), "If-Match": '"worker-1-v99"'}
    )
    assert stale.status_code == 412
    ok = client.patch(
        url, json={"employment": "full_time"}, headers={**bearer(admin), "If-Match": tag}
    )
    assert ok.status_code == 200
    assert ok.get_json()["employment"] == "full_time"
    assert ok.headers["ETag"] != tag


def test_profiles_only_for_grid_workers_in_scope(client, make_user, admin_of):
    admin = admin_of(T1)
    officer = make_user(role="officer", township_code=T1)
    r = client.post("/api/v1/workers", json={"user_id": officer.id}, headers=bearer(admin))
    assert r.status_code == 422
    assert r.get_json()["code"] == "worker.not_grid_worker"
    elsewhere = make_user(role="grid_worker", township_code=T2)
    r = client.post("/api/v1/workers", json={"user_id": elsewhere.id}, headers=bearer(admin))
    assert r.status_code == 404
    assert r.get_json()["code"] == "user.not_found"
    r = client.post("/api/v1/workers", json={"user_id": 10**9}, headers=bearer(admin))
    assert r.status_code == 404
    r = client.post(
        "/api/v1/workers",
        json={"user_id": elsewhere.id, "employment": "sometimes"},
        headers=bearer(admin),
    )
    assert r.status_code == 422
    assert "employment" in r.get_json()["errors"]


def test_who_reads_profiles(client, make_user, make_worker, admin_of):
    me, colleague, far = make_worker(), make_worker(), make_worker(T2)
    url = f"/api/v1/workers/{colleague.id}"
    assert client.get(f"/api/v1/workers/{me.id}", headers=bearer(me)).status_code == 200
    assert client.get(url, headers=bearer(me)).status_code == 404  # another worker's
    dispatcher = make_user(role="county_dispatcher", county_code="430302", township_code=None)
    assert client.get(url, headers=bearer(dispatcher)).status_code == 200
    assert client.get(url, headers=bearer(admin_of(T2))).status_code == 404
    lead = make_user(role="team_lead", township_code=T1)
    assert client.get(url, headers=bearer(lead)).status_code == 403
    # Lists: a county admin sees every township's workers, a township admin its own, a worker self.
    county = client.get("/api/v1/workers?limit=2", headers=bearer(admin_of("430302"))).get_json()
    assert len(county["items"]) == 2
    assert county["next_cursor"]
    rest = client.get(
        f"/api/v1/workers?limit=2&cursor={county['next_cursor']}",
        headers=bearer(admin_of("430302")),
    ).get_json()
    assert {w["user_id"] for w in county["items"] + rest["items"]} == {me.id, colleague.id, far.id}
    township = client.get("/api/v1/workers", headers=bearer(admin_of(T1))).get_json()
    assert {w["user_id"] for w in township["items"]} == {me.id, colleague.id}
    own = client.get("/api/v1/workers", headers=bearer(me)).get_json()
    assert [w["user_id"] for w in own["items"]] == [me.id]


def test_only_admins_manage_profiles(client, make_user, make_worker):
    worker = make_worker()
    supervisor = make_user(role="supervisor", county_code="430302", township_code=None)
    target = make_user(role="grid_worker", township_code=T1)
    r = client.post("/api/v1/workers", json={"user_id": target.id}, headers=bearer(supervisor))
    assert r.status_code == 403
    assert r.get_json()["code"] == "auth.role_forbidden"
    r = client.patch(
        f"/api/v1/workers/{worker.id}",
        json={"phone": "1"},
        headers={**bearer(worker), "If-Match": "*"},
    )
    assert r.status_code == 403
