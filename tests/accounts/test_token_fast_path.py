"""The request edge's shortcuts keep every answer the long way gives.

A verified token is remembered by its text (gridsvc.extensions.SingleDecodeJWTManager), so these
pin what must still fail after a token was once accepted: its expiry, a changed signature, another
app's key, a logout. The limiter skips its per-request hook only when no limit could apply
(gridsvc.extensions.EndpointLimiter): limits configured every other way still answer 429.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask
from flask_jwt_extended import create_access_token
from flask_limiter.util import get_remote_address

from gridsvc import create_app
from gridsvc.config import TestConfig
from gridsvc.extensions import EndpointLimiter, jwt
from tests.conftest import bearer
from tests.factories import PASSWORD
from tests.test_app import assert_problem


def test_a_remembered_token_still_expires(client, make_user):
    user = make_user()
    headers = bearer(user, expires=timedelta(seconds=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # now remembered
    time.sleep(1.2)
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "auth.token_expired")


def test_a_remembered_token_with_another_signature_is_refused(client, make_user):
    user = make_user()
    headers = bearer(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token = headers["Authorization"].removeprefix("Bearer ")
    head, claims, signature = token.split(".")
    forged = f"{head}.{claims}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "auth.token_invalid")


def test_a_token_remembered_by_one_app_is_checked_again_under_another_key(client, make_user):
    user = make_user()
    headers = bearer(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    other = create_app({**_config(TestConfig), "JWT_SECRET_KEY": "another-key-" + "x" * 40})
    with other.app_context():
        response = other.test_client().get("/api/v1/me", headers=headers)
    assert_problem(response, 401, "auth.token_invalid")


def test_logout_ends_a_remembered_token(client, make_user):
    make_user(username="zhaoliu")
    tokens = client.post(
        "/api/v1/auth/login", json={"username": "zhaoliu", "password": PASSWORD}
    ).get_json()
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=access).status_code == 200
    logout = client.post(
        "/api/v1/auth/logout", headers=access, json={"refresh_token": tokens["refresh_token"]}
    )
    assert logout.status_code == 204
    assert_problem(client.get("/api/v1/me", headers=access), 401, "auth.token_revoked")


def test_remembered_claims_are_handed_out_as_copies(app, make_user):
    user = make_user()
    with app.test_request_context():
        token = create_access_token(identity=user)
        first = jwt._decode_jwt_from_config(token)
        first["sub"] = "somebody else"
        assert jwt._decode_jwt_from_config(token)["sub"] == str(user.id)


def _config(config_class) -> dict:
    return {key: getattr(config_class, key) for key in dir(config_class) if key.isupper()}


def _limited_app(**limiter_options) -> tuple[Flask, EndpointLimiter]:
    """A bare app with a limiter of its own (the app's limiter is shared by every test)."""
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter = EndpointLimiter(key_func=get_remote_address, **limiter_options)
    limiter.init_app(app)

    @app.get("/open")
    def open_view():
        return "ok"

    @app.get("/login")
    @limiter.limit("2 per minute")
    def login_view():
        return "ok"

    return app, limiter


def test_a_decorated_limit_still_answers_429():
    app, _limiter = _limited_app()
    client = app.test_client()
    assert [client.get("/login").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/open").status_code for _ in range(5)] == [200] * 5


def test_default_and_application_limits_still_apply_to_every_endpoint():
    for options in ({"default_limits": ["2 per minute"]}, {"application_limits": ["2 per minute"]}):
        app, _limiter = _limited_app(**options)
        client = app.test_client()
        assert [client.get("/open").status_code for _ in range(3)] == [200, 200, 429], options


def test_a_blueprint_limit_still_applies():
    from flask import Blueprint

    app, limiter = _limited_app()
    blueprint = Blueprint("limited", __name__)

    @blueprint.get("/in-blueprint")
    def in_blueprint():
        return "ok"

    limiter.limit("2 per minute")(blueprint)
    app.register_blueprint(blueprint)
    client = app.test_client()
    assert [client.get("/in-blueprint").status_code for _ in range(3)] == [200, 200, 429]
