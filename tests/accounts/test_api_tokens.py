"""Personal read-only API tokens: shown once, stored hashed, Bearer and Basic, read-only, revocable."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from gridsvc.extensions import db
from tests.boundaries.conftest import hierarchy, publish  # noqa: F401  (fixtures reused)
from tests.conftest import bearer
from tests.test_app import assert_problem

URL = "/api/v1/me/api-tokens"


def create(client, user, **body):
    payload = {"client_id": str(uuid.uuid4()), "name": "QGIS 台式机", **body}
    return client.post(URL, json=payload, headers=bearer(user))


def with_token(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def basic(username: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()}


def test_a_token_is_shown_once_and_stored_hashed(client, make_user):
    user = make_user(role="gis_staff", township_code=None)
    created = create(client, user)
    assert created.status_code == 201, created.json
    secret = created.json["token"]
    assert secret.startswith("gst_")
    assert len(secret) > 40
    assert created.json["prefix"] == secret[:12]
    listed = client.get(URL, headers=bearer(user)).json
    assert [t["id"] for t in listed] == [created.json["id"]]
    assert "token" not in listed[0]
    stored = db.session.execute(text("SELECT * FROM api_tokens")).mappings().one()
    assert secret not in {str(v) for v in stored.values()}
    assert len(stored["token_hash"]) == 64


def test_a_retried_create_makes_no_second_token(client, make_user):
    user = make_user(role="gis_staff", township_code=None)
    body = {"client_id": str(uuid.uuid4()), "name": "QGIS"}
    first = client.post(URL, json=body, headers=bearer(user))
    again = client.post(URL, json=body, headers=bearer(user))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert "token" not in again.json
    assert db.session.scalar(text("SELECT count(*) FROM api_tokens")) == 1


def test_bearer_and_basic_sign_in_as_the_user(client, make_user):
    user = make_user(role="supervisor", township_code=None)
    secret = create(client, user).json["token"]
    me = client.get("/api/v1/me", headers=with_token(secret))
    assert me.status_code == 200
    assert me.json["id"] == user.id
    me = client.get("/api/v1/me", headers=basic(user.username.upper(), secret))
    assert me.status_code == 200
    assert me.json["id"] == user.id
    # Basic names the user the token belongs to; anything else is refused.
    other = make_user(role="supervisor", township_code=None)
    assert_problem(
        client.get("/api/v1/me", headers=basic(other.username, secret)), 401, "auth.token_invalid"
    )
    assert_problem(
        client.get("/api/v1/me", headers=basic(user.username, "correct-horse-battery")),
        401,
        "auth.token_invalid",
    )
    assert_problem(
        client.get("/api/v1/me", headers={"Authorization": "Basic !!!"}), 401, "auth.token_invalid"
    )
    assert_problem(
        client.get("/api/v1/me", headers=with_token("gst_" + "x" * 43)), 401, "auth.token_invalid"
    )


def test_a_token_cannot_write(client, make_user):
    admin = make_user(role="admin", township_code=None)
    secret = create(client, admin).json["token"]
    refused = client.post(
        URL, json={"client_id": str(uuid.uuid4()), "name": "x"}, headers=with_token(secret)
    )
    assert_problem(refused, 403, "auth.token_read_only")
    target = make_user(role="grid_worker")
    patch = client.patch(
        f"/api/v1/users/{target.id}",
        json={"display_name": "改名"},
        headers={**with_token(secret), "If-Match": "*"},
    )
    assert_problem(patch, 403, "auth.token_read_only")
    delete = client.delete(f"{URL}/1", headers=basic(admin.username, secret))
    assert_problem(delete, 403, "auth.token_read_only")
    assert_problem(
        client.post("/api/v1/auth/refresh", headers=with_token(secret)),
        401,
        "auth.wrong_token_type",
    )
    assert db.session.scalar(text("SELECT count(*) FROM api_tokens")) == 1


def test_revoked_expired_and_deactivated(client, make_user):
    user = make_user(role="supervisor", township_code=None)
    first, second = create(client, user).json, create(client, user).json
    assert client.get("/api/v1/me", headers=with_token(first["token"])).status_code == 200
    assert client.delete(f"{URL}/{first['id']}", headers=bearer(user)).status_code == 204
    assert_problem(
        client.get("/api/v1/me", headers=with_token(first["token"])), 401, "auth.token_revoked"
    )
    db.session.execute(
        text("UPDATE api_tokens SET expires_at = :t WHERE id = :i"),
        {"t": datetime.now(UTC) - timedelta(minutes=1), "i": second["id"]},
    )
    assert_problem(
        client.get("/api/v1/me", headers=with_token(second["token"])), 401, "auth.token_expired"
    )
    third = create(client, user, expires_at=(datetime.now(UTC) + timedelta(days=90)).isoformat())
    assert third.json["expires_at"] is not None
    assert client.get("/api/v1/me", headers=with_token(third.json["token"])).status_code == 200
    db.session.execute(text("UPDATE users SET active = false WHERE id = :i"), {"i": user.id})
    assert_problem(
        client.get("/api/v1/me", headers=with_token(third.json["token"])), 401, "auth.user_inactive"
    )


def test_expiry_in_the_past_and_others_tokens(client, make_user):
    user = make_user(role="supervisor", township_code=None)
    past = create(client, user, expires_at="2020-01-01T00:00:00+08:00")
    assert_problem(past, 422, "api_token.expiry_past")
    mine = create(client, user).json
    other = make_user(role="admin", township_code=None)
    assert_problem(
        client.delete(f"{URL}/{mine['id']}", headers=bearer(other)), 404, "api_token.not_found"
    )
    assert_problem(
        client.delete(f"{URL}/99999999999999999999", headers=bearer(user)),
        404,
        "api_token.not_found",
    )
    assert client.get("/api/v1/me", headers=with_token(mine["token"])).status_code == 200


def test_a_token_reads_tiles(client, make_user, hierarchy):  # noqa: F811  (the fixture)
    from tests.maps.helpers import tile_of

    user = make_user(role="supervisor", township_code=None)
    secret = create(client, user).json["token"]
    x, y = tile_of(112.82, 27.87, 14)
    tile = client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt", headers=basic(user.username, secret))
    assert tile.status_code == 200
    assert tile.data
