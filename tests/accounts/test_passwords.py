"""Common and weak passwords are refused when a password is set; existing ones still log in."""

from __future__ import annotations

import pytest

from gridsvc.accounts.passwords import MIN_LENGTH, common_passwords, hash_password, weakness
from gridsvc.demo import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import bearer
from tests.test_app import assert_problem


def new_user(password, username="xiaowang"):
    return {
        "username": username,
        "password": password,
        "role": "grid_worker",
        "township_code": "430302001",
    }


@pytest.mark.parametrize(
    "password",
    ["12345678", "password", "aaaaaaaa", "Password1", "qwertyuiop", "woaini1314", "Admin@123"],
)
def test_weak_passwords_are_refused_on_create(client, make_user, password):
    admin = make_user(role="admin", county_code="430302", township_code=None)
    response = client.post("/api/v1/users", json=new_user(password), headers=bearer(admin))
    body = assert_problem(response, 422, "user.weak_password")
    assert "密码太弱" in body["detail"]
    assert list(body["errors"]) == ["password"]


def test_weak_password_is_refused_on_update(client, make_user):
    admin = make_user(role="admin", county_code="430302", township_code=None)
    user = make_user(username="zhaosi")
    url = f"/api/v1/users/{user.id}"
    etag = client.get(url, headers=bearer(admin)).headers["ETag"]
    headers = {**bearer(admin), "If-Match": etag}
    for weak, reason in [("zhaosi2024", "contains the username"), ("87654321", None)]:
        body = assert_problem(
            client.patch(url, json={"password": weak}, headers=headers), 422, "user.weak_password"
        )
        if reason:
            assert body["errors"] == {"password": [reason]}
    assert (
        client.patch(url, json={"password": "雨湖路巡查2024"}, headers=headers).status_code == 200
    )


@pytest.mark.parametrize(
    ("password", "username", "reason"),
    [
        ("1234567", None, f"shorter than {MIN_LENGTH} characters"),
        ("dragon2024!", None, "a common password"),  # a common one with digits appended
        ("abababab", None, "one character or pattern repeated"),
        ("abcabcab", None, "one character or pattern repeated"),
        ("aabbaabb", None, "one character or pattern repeated"),
        ("lmnopqrs", None, "a run of consecutive characters"),
        ("20240517", None, "only digits and shorter than 10"),
        ("Liuxiaoyu", "liuxiaoyu", "contains the username"),
        ("13907321234", None, None),  # long enough for digits alone
        ("雨湖路巡查2024", "wangwu", None),
        ("correct horse battery", "wangwu", None),
    ],
)
def test_rules(password, username, reason):
    assert weakness(password, username) == reason


def test_the_demo_password_passes_for_every_demo_user():
    assert all(weakness(DEMO_PASSWORD, spec["username"]) is None for spec in DEMO_USERS)


def test_the_common_list_ships_with_the_package():
    common = common_passwords()
    assert len(common) > 4000
    assert {"password", "12345678", "1qaz2wsx", "5201314", "woaini1314"} <= common
    assert all(p == p.lower() and len(p) >= 6 for p in common)


def test_an_old_weak_password_still_logs_in(client, make_user):
    # Rules apply when a password is chosen; a stored one is never re-judged (or rehashed away).
    make_user(username="legacy", password_hash=hash_password("12345678"))
    response = client.post(
        "/api/v1/auth/login", json={"username": "legacy", "password": "12345678"}
    )
    assert response.status_code == 200


def test_the_shell_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "weakling", "--role", "admin", "--password", "password"]
    )
    assert result.exit_code != 0
    assert "user.weak_password" in result.output
