"""Sessions end whole: a logout ends the refresh token too, a password or role change or a
deactivation ends every earlier token (a per-user version, not a time)."""

from __future__ import annotations

import pytest
from flask_jwt_extended import create_access_token, decode_token

from tests.conftest import bearer
from tests.factories import PASSWORD
from tests.test_app import assert_problem


def login(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return response.json


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def refresh(client, refresh_token):
    return client.post("/api/v1/auth/refresh", headers=auth(refresh_token))


def test_one_login_is_one_session(client, make_user):
    make_user(username="sessions")
    tokens = login(client, "sessions")
    refreshed = refresh(client, tokens["refresh_token"]).json["access_token"]
    sids = {decode_token(t)["sid"] for t in (tokens["access_token"], tokens["refresh_token"])}
    assert sids == {decode_token(refreshed)["sid"]}
    assert decode_token(login(client, "sessions")["access_token"])["sid"] not in sids


def test_logout_without_the_refresh_token_ends_the_whole_session(client, make_user):
    make_user(username="phone")
    tokens = login(client, "phone")
    refreshed = refresh(client, tokens["refresh_token"]).json["access_token"]
    other_device = login(client, "phone")
    out = client.post("/api/v1/auth/logout", headers=auth(tokens["access_token"]), json={})
    assert out.status_code == 204
    assert_problem(client.get("/api/v1/me", headers=auth(refreshed)), 401, "auth.token_revoked")
    response = refresh(client, tokens["refresh_token"])
    assert_problem(response, 401, "auth.token_revoked")
    # Another login of the same user is another session: it goes on.
    assert client.get("/api/v1/me", headers=auth(other_device["access_token"])).status_code == 200
    assert refresh(client, other_device["refresh_token"]).status_code == 200


def test_logout_from_a_refreshed_token_ends_the_login_it_came_from(client, make_user):
    make_user(username="refreshed")
    tokens = login(client, "refreshed")
    refreshed = refresh(client, tokens["refresh_token"]).json["access_token"]
    assert client.post("/api/v1/auth/logout", headers=auth(refreshed), json={}).status_code == 204
    assert_problem(
        client.get("/api/v1/me", headers=auth(tokens["access_token"])), 401, "auth.token_revoked"
    )
    assert_problem(refresh(client, tokens["refresh_token"]), 401, "auth.token_revoked")


def test_logout_with_a_refresh_token_of_another_session_ends_both(client, make_user):
    make_user(username="twice")
    first, second = login(client, "twice"), login(client, "twice")
    out = client.post(
        "/api/v1/auth/logout",
        headers=auth(first["access_token"]),
        json={"refresh_token": second["refresh_token"]},
    )
    assert out.status_code == 204
    for token in (first["refresh_token"], second["refresh_token"]):
        assert_problem(refresh(client, token), 401, "auth.token_revoked")
    assert_problem(
        client.get("/api/v1/me", headers=auth(second["access_token"])), 401, "auth.token_revoked"
    )


def patch_user(client, admin, user, body):
    url = f"/api/v1/users/{user.id}"
    etag = client.get(url, headers=bearer(admin)).headers["ETag"]
    response = client.patch(url, json=body, headers={**bearer(admin), "If-Match": etag})
    assert response.status_code == 200, response.json
    return response


@pytest.mark.parametrize(
    "change",
    [
        {"password": "a-brand-new-passphrase"},
        {"role": "officer"},
        {"active": False},
    ],
    ids=["password", "role", "deactivation"],
)
def test_a_change_ends_every_earlier_token_at_once(client, app, make_user, monkeypatch, change):
    # Versions re-read only every minute: the change must still be seen at once in this process.
    monkeypatch.setitem(app.config, "CACHE_CHECK_SECONDS", 60)
    admin = make_user(role="admin", county_code="430302", township_code=None)
    user = make_user(username="changed", role="grid_worker")
    # Tokens of the same second as the change: a time comparison let these survive.
    sessions = [login(client, "changed") for _ in range(3)]
    tokens = [auth(s["access_token"]) for s in sessions] + [bearer(user)]
    for headers in tokens:
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # now cached
    patch_user(client, admin, user, change)
    for headers in tokens:
        assert_problem(client.get("/api/v1/me", headers=headers), 401, "auth.token_revoked")
    for session in sessions:
        assert_problem(refresh(client, session["refresh_token"]), 401, "auth.token_revoked")
    if "password" in change:
        fresh = login(client, "changed", change["password"])
        assert client.get("/api/v1/me", headers=auth(fresh["access_token"])).status_code == 200


def test_reactivation_does_not_revive_old_tokens(client, make_user):
    admin = make_user(role="admin", county_code="430302", township_code=None)
    user = make_user(username="back")
    old = login(client, "back")
    patch_user(client, admin, user, {"active": False})
    patch_user(client, admin, user, {"active": True})
    assert_problem(
        client.get("/api/v1/me", headers=auth(old["access_token"])), 401, "auth.token_revoked"
    )
    fresh = login(client, "back")
    assert client.get("/api/v1/me", headers=auth(fresh["access_token"])).status_code == 200


def test_other_edits_keep_the_tokens(client, make_user):
    admin = make_user(role="admin", county_code="430302", township_code=None)
    user = make_user(username="kept")
    tokens = login(client, "kept")
    patch_user(client, admin, user, {"display_name": "新名字", "phone": "13800000000"})
    assert client.get("/api/v1/me", headers=auth(tokens["access_token"])).status_code == 200
    assert refresh(client, tokens["refresh_token"]).status_code == 200


def test_a_token_without_a_version_is_refused(client, make_user):
    # What tokens minted before versions existed look like: no ``tv`` claim.
    user = make_user()
    token = create_access_token(identity=user, additional_claims={"tv": None})
    assert_problem(client.get("/api/v1/me", headers=auth(token)), 401, "auth.token_revoked")
