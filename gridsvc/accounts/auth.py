"""JWT wiring (callbacks render problem+json) and the decorators views use to demand a role.

A token is good while its ``jti`` and its session (``sid``) are not revoked and its ``tv`` claim
equals the user's ``token_version``. Every token gets both claims when it is minted
(:func:`_claims`), however it is minted; ``service.issue_tokens`` passes one ``sid`` for a login's
pair of tokens.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from flask import Flask, g
from flask_jwt_extended import JWTManager, current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import CSRFError
from sqlalchemy import text

from gridsvc.accounts import api_tokens
from gridsvc.accounts.scope import Scope
from gridsvc.caching import VersionedCache
from gridsvc.errors import Forbidden, Unauthorized, problem
from gridsvc.extensions import db

PRINCIPAL_SQL = text(
    "SELECT u.id, u.username, u.role, u.county_code, u.township_code, u.team_id, u.active,"
    " u.token_version,"
    " EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti IN (:jti, :sid)) AS revoked"
    " FROM users u WHERE u.id = :id"
)
TOKEN_VERSION_SQL = text("SELECT token_version FROM users WHERE id = :id")


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
    token_version: int


# jti -> (principal, revoked). Every authenticated request needs the revocation check; remembering
# the answer saves a database round trip on the hot paths (locate, queues). A logout, a password
# change or an edited user bumps the ``accounts`` version, and every process reloads. The token's
# ``sid`` and ``tv`` are part of the token its ``jti`` names, so the key stays the ``jti``.
_checked: VersionedCache[tuple[Principal | None, bool]] = VersionedCache(
    "accounts", max_entries=50_000
)


def _check_token(payload: dict) -> tuple[Principal | None, bool]:
    return _checked.get(payload["jti"], lambda: _load_token_check(payload))


def _load_token_check(payload: dict) -> tuple[Principal | None, bool]:
    params = {"id": int(payload["sub"]), "jti": payload["jti"], "sid": payload.get("sid")}
    row = db.session.execute(PRINCIPAL_SQL, params).first()
    if row is None:
        return None, False  # the user lookup answers 401 auth.user_inactive
    principal = Principal(*row[:8]) if row.active else None
    # A password or role change or a deactivation moved the version on: every earlier token ends.
    # A token without the claim (minted before versions existed) is refused the same way.
    revoked = row.revoked or payload.get("tv") != row.token_version
    return principal, revoked


def _token_version(identity) -> int | None:
    version = getattr(identity, "token_version", None)
    if version is None:  # an identity that only knows its id (scripts, benchmarks)
        version = db.session.scalar(TOKEN_VERSION_SQL, {"id": identity.id})
    return version


def _claims(identity) -> dict:
    """Claims every token gets; a login passes its own ``sid`` so its two tokens share one."""
    return {"tv": _token_version(identity), "sid": uuid.uuid4().hex}


def install_jwt_callbacks(jwt: JWTManager, app: Flask) -> None:
    jwt.init_app(app)
    jwt.additional_claims_loader(_claims)

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

    # The library answers a failed CSRF check as a missing token (401), which would send the
    # console to refresh and retry in vain: it is a refusal of this request, not of the session.
    @app.errorhandler(CSRFError)
    def _csrf_failed(error: CSRFError):
        return problem(
            403,
            "auth.csrf_failed",
            f"A write with the session cookie needs the X-CSRF-TOKEN header ({error}).",
        )

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
            if not _signed_in_with_api_token(refresh):
                verify_jwt_in_request(refresh=refresh)
            if roles and current_user.role not in roles:
                raise Forbidden(
                    f"This action needs one of the roles: {', '.join(roles)}.",
                    code="auth.role_forbidden",
                )
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _signed_in_with_api_token(refresh: bool) -> bool:
    """A personal API token (Bearer ``gst_…`` or HTTP Basic) instead of a JWT: read-only, and
    never where a refresh token is asked for."""
    presented = api_tokens.presented_secret()
    if presented is None:
        return False
    if refresh:
        raise Unauthorized("an API token cannot be refreshed", code="auth.wrong_token_type")
    row = api_tokens.sign_in(*presented, utcnow())
    principal = Principal(
        row.id,
        row.username,
        row.role,
        row.county_code,
        row.township_code,
        row.team_id,
        row.active,
        row.token_version,
    )
    api_tokens.install_principal(principal, row.token_id)
    return True


def utcnow() -> datetime:
    return datetime.now(UTC)
