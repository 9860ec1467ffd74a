"""A bearer JWT is decoded once per request (gridsvc.extensions.SingleDecodeJWTManager), and the
answers around it are those of flask-jwt-extended's own two-decode path."""

from __future__ import annotations

from datetime import timedelta

import jwt as pyjwt
import pytest

from tests.conftest import bearer
from tests.test_app import assert_problem


@pytest.fixture
def decodes(monkeypatch):
    """How many times PyJWT parsed a token's claims (verified or not) since the fixture began."""
    seen = []
    original = pyjwt.api_jwt.PyJWT.decode_complete

    def counting(self, *args, **kwargs):
        seen.append(repr((args[1:], kwargs)))  # not the token itself
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pyjwt.api_jwt.PyJWT, "decode_complete", counting)
    return seen


def test_one_decode_per_request(client, make_user, decodes):
    headers = bearer(make_user(role="supervisor"))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert len(decodes) == 1
    # The one decode is the verifying one, not the library's unverified peek.
    assert "'verify_signature': False" not in decodes[0]


def test_refusals_unchanged(client, make_user, decodes):
    user = make_user(role="supervisor")
    expired = bearer(user, expires=timedelta(seconds=-120))
    assert_problem(client.get("/api/v1/me", headers=expired), 401, "auth.token_expired")
    token = bearer(user)["Authorization"]
    forged = {"Authorization": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")}
    assert_problem(client.get("/api/v1/me", headers=forged), 401, "auth.token_invalid")
    garbage = {"Authorization": "Bearer not.a.jwt"}
    assert_problem(client.get("/api/v1/me", headers=garbage), 401, "auth.token_invalid")
