"""Personal read-only API tokens: what QGIS and scripts sign in with instead of a 30-minute JWT.

A user creates a token (a name, an optional expiry), sees its secret once, lists its tokens and
revokes them. A request carries it as ``Authorization: Bearer gst_…`` or as HTTP Basic with the
username and the token as password (QGIS's "Basic" authentication). A token is read-only: any
request with a method other than GET/HEAD/OPTIONS is refused (403 ``auth.token_read_only``),
whatever the user's role may otherwise do. It acts with its user's current role and scope;
deactivating the user ends it with the rest of their access.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from datetime import datetime

from flask import g, request
from sqlalchemy import select, text

from gridsvc.accounts.models import ApiToken
from gridsvc.caching import VersionedCache
from gridsvc.errors import Forbidden, Invalid, NotFound, Unauthorized
from gridsvc.extensions import db

PREFIX = "gst_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_TOKENS_PER_USER = 50

TOKEN_SQL = text(
    "SELECT t.id AS token_id, t.expires_at, t.revoked_at, u.id, u.username, u.role,"
    " u.county_code, u.township_code, u.team_id, u.active, u.token_version"
    " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = :h"
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- managing one's tokens (the views commit) --------------------------------------------------


def create_token(user_id: int, data: dict, now: datetime) -> tuple[ApiToken, str | None]:
    """A new token and its secret; a retry with the same ``client_id`` answers the first token
    without its secret (never a second token)."""
    existing = db.session.scalar(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.client_id == data["client_id"])
    )
    if existing is not None:
        return existing, None
    if data.get("expires_at") is not None and data["expires_at"] <= now:
        raise Invalid("expires_at must lie in the future", code="api_token.expiry_past")
    live = db.session.scalar(
        text("SELECT count(*) FROM api_tokens WHERE user_id = :u AND revoked_at IS NULL"),
        {"u": user_id},
    )
    if live >= MAX_TOKENS_PER_USER:
        raise Invalid(
            f"at most {MAX_TOKENS_PER_USER} tokens per user: revoke one first",
            code="api_token.too_many",
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user_id,
        client_id=data["client_id"],
        name=data["name"],
        token_hash=_digest(secret),
        prefix=secret[:12],
        expires_at=data.get("expires_at"),
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def list_tokens(user_id: int) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        )
    )


def revoke_token(user_id: int, token_id: int, now: datetime) -> None:
    """Tokens are personal: another user's token reads as missing, whoever asks."""
    token = db.session.get(ApiToken, token_id) if token_id < 2**63 else None
    if token is None or token.user_id != user_id:
        raise NotFound("API token not found", code="api_token.not_found")
    if token.revoked_at is None:
        token.revoked_at = now


# --- signing in with one ----------------------------------------------------------------------

# token hash -> its row joined to its user; a revoke or a user's change bumps ``accounts``.
_checked: VersionedCache[object | None] = VersionedCache("accounts", max_entries=10_000)


def presented_secret() -> tuple[str, str | None] | None:
    """(secret, username given with it) when the request carries an API token, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value.startswith(PREFIX):
        return value, None
    if scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized("malformed Basic credentials", code="auth.token_invalid") from exc
        if not password.startswith(PREFIX):
            raise Unauthorized(
                "HTTP Basic takes a username and a personal API token (gst_…) as the password",
                code="auth.token_invalid",
            )
        return password, username
    return None


def sign_in(secret: str, username: str | None, now: datetime):
    """The principal an API token stands for; refuses unknown, revoked, expired and write use."""
    row = _checked.get(
        _digest(secret), lambda: db.session.execute(TOKEN_SQL, {"h": _digest(secret)}).first()
    )
    if row is None or (username is not None and username.lower() != row.username.lower()):
        raise Unauthorized("unknown API token", code="auth.token_invalid")
    if row.revoked_at is not None:
        raise Unauthorized("the API token has been revoked", code="auth.token_revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("the API token has expired", code="auth.token_expired")
    if not row.active:
        raise Unauthorized(
            "The account no longer exists or is disabled.", code="auth.user_inactive"
        )
    if request.method not in SAFE_METHODS:
        raise Forbidden(
            "API tokens are read-only: sign in with your password to change anything.",
            code="auth.token_read_only",
        )
    return row


def install_principal(principal, token_id: int) -> None:
    """Make the request look signed in to flask-jwt-extended's ``current_user`` and ``get_jwt``
    (what every view and ``current_scope`` read), as the JWT path does."""
    g._jwt_extended_jwt = {"sub": str(principal.id), "jti": f"api-token-{token_id}", "type": "api"}
    g._jwt_extended_jwt_header = {}
    g._jwt_extended_jwt_user = {"loaded_user": principal}
    g.principal = principal
    g.user_id = principal.id
