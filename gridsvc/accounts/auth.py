"""JWT wiring (callbacks render problem+json) and the decorators views use to demand a role."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import wraps

from flask import Flask, g
from flask_jwt_extended import JWTManager, current_user, verify_jwt_in_request
from sqlalchemy import exists, select

from gridsvc.accounts.models import RevokedToken, User
from gridsvc.accounts.scope import Scope
from gridsvc.errors import Forbidden, problem
from gridsvc.extensions import db


def install_jwt_callbacks(jwt: JWTManager, app: Flask) -> None:
    jwt.init_app(app)

    @jwt.user_identity_loader
    def _identity(user: User) -> str:
        return str(user.id)

    @jwt.user_lookup_loader
    def _lookup(_header: dict, payload: dict) -> User | None:
        user = db.session.get(User, int(payload["sub"]))
        if user is None or not user.active:
            return None
        g.user_id = user.id
        return user

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict, payload: dict) -> bool:
        # One query per request for both checks; it also loads the user into the session's
        # identity map, so the user lookup below costs no second round trip.
        row = db.session.execute(
            select(User, exists().where(RevokedToken.jti == payload["jti"])).where(
                User.id == int(payload["sub"])
            )
        ).first()
        if row is None:
            return False  # the user lookup answers 401 auth.user_inactive
        user, revoked = row
        if revoked:
            return True
        # A password change or deactivation invalidates every token issued before it.
        cutoff = user.tokens_valid_after
        return cutoff is not None and payload["iat"] < int(cutoff.timestamp())

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
