"""Admin user management inside the admin's scope; If-Match on updates; the users CLI."""

from __future__ import annotations

from sqlalchemy import select

from gridsvc.accounts.models import User
from tests.conftest import bearer
from tests.test_app import assert_problem


def new_user(**overrides):
    body = {
        "username": "xiaoming",
        "password": "a-long-password",
        "role": "grid_worker",
        "township_code": "430302001",
        "display_name": "小明",
    }
    body.update(overrides)
    return body


def test_county_admin_creates_a_worker_in_a_township(client, make_user):
    admin = make_user(role="admin", township_code=None, county_code="430302")
    response = client.post("/api/v1/users", json=new_user(), headers=bearer(admin))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["county_code"] == "430302"  # derived from the township
    assert response.headers["ETag"]
    login = client.post(
        "/api/v1/auth/login", json={"username": "xiaoming", "password": "a-long-password"}
    )
    assert login.status_code == 200


def test_duplicate_username_is_409(client, make_user):
    admin = make_user(role="admin", township_code=None, county_code="430302")
    make_user(username="XiaoMing")
    response = client.post("/api/v1/users", json=new_user(), headers=bearer(admin))
    assert_problem(response, 409, "user.username_taken")


def test_admin_cannot_create_users_in_another_county(client, make_user):
    admin = make_user(role="admin", township_code=None, county_code="430302")
    response = client.post(
        "/api/v1/users", json=new_user(township_code="430321001"), headers=bearer(admin)
    )
    assert_problem(response, 403, "user.out_of_scope")


def test_township_role_needs_a_township(client, make_user):
    admin = make_user(role="admin", township_code=None, county_code=None)
    body = new_user(county_code="430302")
    body.pop("township_code")
    body_resp = assert_problem(
        client.post("/api/v1/users", json=body, headers=bearer(admin)),
        422,
        "user.township_required",
    )
    assert "township_code" in body_resp["errors"]


def test_short_password_and_bad_codes_are_422(client, make_user):
    admin = make_user(role="admin", township_code=None, county_code=None)
    body = new_user(password="short", township_code="43030200")
    result = assert_problem(
        client.post("/api/v1/users", json=body, headers=bearer(admin)),
        422,
        "request.validation_failed",
    )
    assert {"password", "township_code"} <= set(result["errors"])


def test_other_townships_user_reads_as_404(client, make_user):
    township_admin = make_user(role="admin", township_code="430302001")
    stranger = make_user(township_code="430302002")
    own = make_user(township_code="430302001")
    headers = bearer(township_admin)
    assert client.get(f"/api/v1/users/{own.id}", headers=headers).status_code == 200
    assert_problem(
        client.get(f"/api/v1/users/{stranger.id}", headers=headers), 404, "user.not_found"
    )
    listed = client.get("/api/v1/users", headers=headers).get_json()["items"]
    ids = {u["id"] for u in listed}
    assert own.id in ids
    assert stranger.id not in ids


def test_list_is_cursor_paged(client, make_user):
    admin = make_user(role="admin", township_code=None, county_code=None)
    for _ in range(5):
        make_user()
    headers = bearer(admin)
    seen, cursor = [], None
    while True:
        url = "/api/v1/users?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=headers).get_json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 6
    assert seen == sorted(seen)


def test_bad_cursor_is_400(client, make_user):
    admin = make_user(role="admin", township_code=None, county_code=None)
    response = client.get("/api/v1/users?cursor=%%%garbage", headers=bearer(admin))
    assert_problem(response, 400, "request.invalid_cursor")


def test_update_needs_if_match_and_rejects_stale_etags(client, make_user):
    admin = make_user(role="admin", township_code=None, county_code="430302")
    user = make_user()
    headers = bearer(admin)
    url = f"/api/v1/users/{user.id}"
    current = client.get(url, headers=headers).headers["ETag"]
    assert_problem(
        client.patch(url, json={"phone": "13800000000"}, headers=headers),
        428,
        "request.if_match_required",
    )
    stale = {**headers, "If-Match": '"user-1-v999"'}
    assert_problem(
        client.patch(url, json={"phone": "1"}, headers=stale), 412, "request.etag_mismatch"
    )
    ok = client.patch(url, json={"phone": "13800000000"}, headers={**headers, "If-Match": current})
    assert ok.status_code == 200
    assert ok.get_json()["phone"] == "13800000000"
    assert ok.headers["ETag"] != current


def test_cli_creates_a_user(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cli_lead",
            "--role",
            "team_lead",
            "--password",
            "cli-lead-passphrase",
            "--township",
            "430302003",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.username == "cli_lead"))
    assert (user.role, user.county_code, user.township_code) == ("team_lead", "430302", "430302003")


def test_cli_refuses_bad_input(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "xiaohong",
            "--role",
            "officer",
            "--password",
            "cli-lead-passphrase",
        ]
    )
    assert result.exit_code != 0
    assert "township" in result.output
