"""Login, refresh, logout, and every way a token can fail."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import bearer, refresh_bearer
from tests.factories import PASSWORD
from tests.test_app import assert_problem


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_returns_tokens_and_user(client, make_user):
    user = make_user(username="wangwu", role="grid_worker", township_code="430302001")
    response = login(client, "WangWu")  # usernames are case-insensitive
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"]
    assert body["refresh_token"]
    assert body["user"]["id"] == user.id
    assert body["user"]["scope"] == {
        "level": "township",
        "county": "430302",
        "township": "430302001",
    }
    assert "password" not in body["user"]
    assert "password_hash" not in body["user"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["username"] == "wangwu"


def test_wrong_password_is_401_problem(client, make_user):
    make_user(username="lisi")
    assert_problem(login(client, "lisi", "wrong-password"), 401, "auth.invalid_credentials")


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    body = assert_problem(login(client, "ghost", "whatever1"), 401, "auth.invalid_credentials")
    assert "username or password" in body["detail"]


def test_disabled_user_cannot_log_in(client, make_user):
    make_user(username="gone", active=False)
    assert_problem(login(client, "gone"), 401, "auth.invalid_credentials")


def test_missing_token_is_401(client):
    response = client.get("/api/v1/me")
    assert_problem(response, 401, "auth.token_missing")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert_problem(response, 401, "auth.token_invalid")


def test_expired_token_is_401(client, make_user):
    user = make_user()
    headers = bearer(user, expires=timedelta(seconds=-10))
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "auth.token_expired")


def test_refresh_token_used_as_access_token_is_401(client, make_user):
    user = make_user()
    response = client.get("/api/v1/me", headers=refresh_bearer(user))
    assert_problem(response, 401, "auth.wrong_token_type")


def test_access_token_used_for_refresh_is_401(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/refresh", headers=bearer(user))
    assert_problem(response, 401, "auth.wrong_token_type")


def test_refresh_issues_a_working_access_token(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/refresh", headers=refresh_bearer(user))
    assert response.status_code == 200
    token = response.get_json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["id"] == user.id


def test_logout_revokes_access_and_refresh_tokens(client, make_user):
    make_user(username="zhaoliu")
    tokens = login(client, "zhaoliu").get_json()
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    out = client.post(
        "/api/v1/auth/logout", headers=access, json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204
    assert_problem(client.get("/api/v1/me", headers=access), 401, "auth.token_revoked")
    assert_problem(client.post("/api/v1/auth/refresh", headers=refresh), 401, "auth.token_revoked")


def test_logout_refuses_another_users_refresh_token(client, make_user):
    me, other = make_user(), make_user()
    from flask_jwt_extended import create_refresh_token

    response = client.post(
        "/api/v1/auth/logout",
        headers=bearer(me),
        json={"refresh_token": create_refresh_token(identity=other)},
    )
    assert_problem(response, 422, "auth.token_invalid")


def test_token_of_a_disabled_user_stops_working(client, make_user, db_session):
    user = make_user()
    headers = bearer(user)
    user.active = False
    db_session.flush()
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "auth.user_inactive")


def test_wrong_role_is_403(client, make_user):
    worker = make_user(role="grid_worker")
    assert_problem(client.get("/api/v1/users", headers=bearer(worker)), 403, "auth.role_forbidden")


def test_revocation_cache_forgets_on_logout_and_user_change(client, app, make_user, monkeypatch):
    from flask_jwt_extended import create_access_token

    # Versions re-read only every minute: this process must still see its own logout at once.
    monkeypatch.setitem(app.config, "CACHE_CHECK_SECONDS", 60)
    user = make_user(username="cached")
    token = create_access_token(identity=user)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # now cached
    assert client.post("/api/v1/auth/logout", headers=headers, json={}).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "auth.token_revoked")
