"""Browser sessions (the web console): tokens in HttpOnly cookies, a CSRF header on every write.

The bearer API for phones is unchanged; a cookie caller gets exactly the scope a bearer caller
gets.
"""

from __future__ import annotations

from tests.conftest import bearer
from tests.factories import PASSWORD
from tests.test_app import assert_problem

SESSION = "/api/v1/auth/session"
COOKIES = ("access_token_cookie", "refresh_token_cookie", "csrf_access_token", "csrf_refresh_token")


def browser_login(client, username, password=PASSWORD):
    return client.post(SESSION, json={"username": username, "password": password})


def csrf(client, kind="access") -> dict:
    return {"X-CSRF-TOKEN": client.get_cookie(f"csrf_{kind}_token").value}


def test_browser_login_sets_httponly_cookies_and_no_tokens_in_the_body(client, make_user):
    user = make_user(username="lead_a", role="team_lead")
    response = browser_login(client, "lead_a")
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["id"] == user.id
    assert "access_token" not in body
    assert "refresh_token" not in body
    access = client.get_cookie("access_token_cookie")
    refresh = client.get_cookie("refresh_token_cookie", path="/api/v1/auth/")
    assert access.http_only
    assert refresh.http_only
    assert access.same_site == "Lax"
    assert not access.secure  # plain http in tests; production turns it on (next test)
    # The double-submit tokens are readable by the page's script, so not HttpOnly.
    assert not client.get_cookie("csrf_access_token").http_only
    me = client.get("/api/v1/me")  # no Authorization header: the cookie is the credential
    assert me.status_code == 200
    assert me.get_json()["username"] == "lead_a"


def test_cookies_are_secure_when_configured(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "JWT_COOKIE_SECURE", True)
    make_user(username="lead_s", role="team_lead")
    response = browser_login(client, "lead_s")
    assert response.status_code == 201
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in header for header in cookies), cookies


def test_wrong_password_sets_no_cookie(client, make_user):
    make_user(username="lead_w", role="team_lead")
    assert_problem(
        browser_login(client, "lead_w", "wrong-password"), 401, "auth.invalid_credentials"
    )
    assert client.get_cookie("access_token_cookie") is None


def test_a_write_with_the_cookie_but_no_csrf_header_is_refused_in_chinese(client, make_user):
    make_user(username="lead_c", role="team_lead")
    browser_login(client, "lead_c")
    response = client.delete(SESSION, headers={"Accept-Language": "zh-CN"})
    body = assert_problem(response, 403, "auth.csrf_failed")
    assert "X-CSRF-TOKEN" in body["detail"]
    assert "请" in body["detail"]
    assert body["title"] == "请求未通过安全校验"
    # A wrong token is refused the same way; the session is still alive afterwards.
    assert_problem(
        client.delete(SESSION, headers={"X-CSRF-TOKEN": "forged"}), 403, "auth.csrf_failed"
    )
    assert client.get("/api/v1/me").status_code == 200


def test_logout_ends_the_session_and_clears_the_cookies(client, make_user):
    make_user(username="lead_l", role="team_lead")
    browser_login(client, "lead_l")
    stolen = client.get_cookie("access_token_cookie").value
    assert client.delete(SESSION, headers=csrf(client)).status_code == 204
    for name in COOKIES:
        path = "/api/v1/auth/" if name == "refresh_token_cookie" else "/"
        assert client.get_cookie(name, path=path) is None, name
    assert_problem(client.get("/api/v1/me"), 401, "auth.token_missing")
    # The token itself is dead too, not only forgotten by this browser.
    revoked = client.get("/api/v1/me", headers={"Authorization": f"Bearer {stolen}"})
    assert_problem(revoked, 401, "auth.token_revoked")


def test_refresh_with_the_cookie_sets_a_new_access_cookie(client, make_user):
    make_user(username="lead_r", role="team_lead")
    browser_login(client, "lead_r")
    old = client.get_cookie("access_token_cookie").value
    client.delete_cookie("access_token_cookie")  # as when it expired
    assert_problem(client.get("/api/v1/me"), 401, "auth.token_missing")
    # Without the refresh CSRF header the refresh is refused as any cookie write is.
    assert_problem(client.post("/api/v1/auth/refresh"), 403, "auth.csrf_failed")
    response = client.post("/api/v1/auth/refresh", headers=csrf(client, "refresh"))
    assert response.status_code == 200
    assert client.get_cookie("access_token_cookie").value != old
    assert client.get("/api/v1/me").status_code == 200


def test_bearer_callers_need_no_csrf_header(client, make_user):
    user = make_user(username="phone_user")
    # A phone's write: bearer header, no cookie, no CSRF token, as before cookies existed.
    response = client.post("/api/v1/auth/logout", json={}, headers=bearer(user))
    assert response.status_code == 204


def test_the_scope_applies_to_cookie_callers_as_to_bearer_callers(client, make_user):
    make_user(username="tadmin", role="admin", township_code="430302001")
    stranger = make_user(township_code="430302002")
    own = make_user(township_code="430302001")
    browser_login(client, "tadmin")
    assert client.get(f"/api/v1/users/{own.id}").status_code == 200
    assert_problem(client.get(f"/api/v1/users/{stranger.id}"), 404, "user.not_found")
    listed = {u["id"] for u in client.get("/api/v1/users").get_json()["items"]}
    assert own.id in listed
    assert stranger.id not in listed
    # And a role the endpoint does not allow is refused to a cookie caller too.
    make_user(username="worker_k", role="grid_worker")
    browser_login(client, "worker_k")
    assert_problem(client.get("/api/v1/users"), 403, "auth.role_forbidden")
