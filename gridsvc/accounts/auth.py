"""JWT wiring (callbacks render problem+json) and the decorators views use to demand a role."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from flask import Flask, current_app, g
from flask_jwt_extended import JWTManager, current_user, verify_jwt_in_request
from sqlalchemy import text

from gridsvc.accounts.scope import Scope
from gridsvc.errors import Forbidden, problem
from gridsvc.extensions import db

PRINCIPAL_SQL = text(
    "SELECT u.id, u.username, u.role, u.county_code, u.township_code, u.team_id, u.active,"
    " u.tokens_valid_after, EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = :jti) AS revoked"
    " FROM users u WHERE u.id = :id"
)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller as the request sees it (the full account is loaded on demand)."""

    id: int
    username: str
    role: str
    county_code: str | None
    township_code: str | None
    team_id: int | None
    active: bool


# jti -> (checked at, principal, revoked). Every authenticated request needs the revocation check;
# remembering its answer for AUTH_CACHE_SECONDS saves a database round trip on the hot paths
# (locate, queues). This process forgets an entry the moment it revokes the token or changes the
# user; other processes notice within AUTH_CACHE_SECONDS (0 turns the cache off).
_checked: dict[str, tuple[float, Principal | None, bool]] = {}
_CACHE_MAX = 50_000


def _check_token(payload: dict) -> tuple[Principal | None, bool]:
    ttl = current_app.config.get("AUTH_CACHE_SECONDS", 0)
    now = time.monotonic()
    jti = payload["jti"]
    if ttl > 0:
        hit = _checked.get(jti)
        if hit is not None and now - hit[0] < ttl:
            return hit[1], hit[2]
    row = db.session.execute(PRINCIPAL_SQL, {"id": int(payload["sub"]), "jti": jti}).first()
    if row is None:
        principal, revoked = None, False  # the user lookup answers 401 auth.user_inactive
    else:
        principal = Principal(*row[:7]) if row.active else None
        # A password change or deactivation invalidates every token issued before it.
        cutoff = row.tokens_valid_after
        revoked = row.revoked or (cutoff is not None and payload["iat"] < int(cutoff.timestamp()))
    if ttl > 0:
        if len(_checked) >= _CACHE_MAX:
            _checked.clear()
        _checked[jti] = (now, principal, revoked)
    return principal, revoked


def forget_token(jti: str) -> None:
    _checked.pop(jti, None)


def forget_user(user_id: int) -> None:
    for jti, (_at, principal, _revoked) in list(_checked.items()):
        if principal is not None and principal.id == user_id:
            _checked.pop(jti, None)


def install_jwt_callbacks(jwt: JWTManager, app: Flask) -> None:
    jwt.init_app(app)

    @jwt.user_identity_loader
    def _identity(user) -> str:
        return str(user.id)

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict, payload: dict) -> bool:
        principal, revoked = _check_token(payload)
        g.principal = principal
        return revoked

    @jwt.user_lookup_loader
    def _lookup(_header: dict, payload: dict) -> Principal | None:
        principal = g.get("principal")
        if principal is None or principal.id != int(payload["sub"]):
            return None
        g.user_id = principal.id
        return principal

    @jwt.expired_token_loader
    def _expired(_header: dict, payload: dict):
        kind = payload.get("type", "access")
        return problem(401, "auth.token_expired", f"The {kind} token has expired.")

    @jwt.invalid_token_loader
    def _invalid(reason: str):
        if "refresh" in reason.lower() and "only" in reason.lower():
            return problem(401, "auth.wrong_token_type", reason)
        return problem(401, "auth.token_invalid", reason)

    @jwt.unauthorized_loader
    def _missing(reason: str):
        return problem(
            401,
            "auth.token_missing",
            reason,
            headers={"WWW-Authenticate": 'Bearer realm="gridsvc"'},
        )

    @jwt.revoked_token_loader
    def _revoked_response(_header: dict, _payload: dict):
        return problem(401, "auth.token_revoked", "The token has been revoked; log in again.")

    @jwt.user_lookup_error_loader
    def _no_user(_header: dict, _payload: dict):
        return problem(401, "auth.user_inactive", "The account no longer exists or is disabled.")

    @jwt.needs_fresh_token_loader
    def _not_fresh(_header: dict, _payload: dict):
        return problem(401, "auth.fresh_token_required", "Log in again to do this.")


def current_scope() -> Scope:
    """The caller's scope; views pass it down to services (services never read the request)."""
    return Scope.of(current_user)


def roles_required(*roles: str, refresh: bool = False):
    """Require a valid access token and one of ``roles`` (none given: any authenticated user)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request(refresh=refresh)
            if roles and current_user.role not in roles:
                raise Forbidden(
                    f"This action needs one of the roles: {', '.join(roles)}.",
                    code="auth.role_forbidden",
                )
            return view(*args, **kwargs)

        return wrapper

    return decorator


def utcnow() -> datetime:
    return datetime.now(UTC)
