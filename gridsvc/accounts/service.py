"""Account logic: authentication, sessions and their end, user management inside the caller's scope.

A login opens a *session*: its access and refresh tokens, and every access token refreshed from it,
carry the same ``sid`` claim, so logging out ends them all (``end_session``). Every token also
carries the user's ``token_version`` (claim ``tv``, see ``auth.py``), which a password or role change
or a deactivation moves on, ending every earlier token of that user.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import func, select

from gridsvc.accounts import policy, throttle
from gridsvc.accounts.handoff import team_roster
from gridsvc.accounts.models import TOWNSHIP_ROLES, RevokedToken, User
from gridsvc.accounts.passwords import (
    hash_password,
    needs_rehash,
    new_password_hash,
    verify_password,
)
from gridsvc.accounts.scope import Scope
from gridsvc.accounts.throttle import Throttled
from gridsvc.errors import Conflict, Invalid, NotFound, Unauthorized
from gridsvc.extensions import db
from gridsvc.paging import keyset_page, split_page


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


class InvalidCredentials(Unauthorized):
    code = "auth.invalid_credentials"


# What a login can be refused with; the counting of failures must persist through either.
LOGIN_REFUSALS = (InvalidCredentials, Throttled)


def authenticate(username: str, password: str, *, address: str | None = None) -> User:
    """Return the user for valid credentials; one error for every failure (no user enumeration).

    Raises ``Throttled`` (429) without looking at the password while the name is blocked, and
    counts every failure (``throttle``): the caller commits that count even when it answers with
    the error.
    """
    now = datetime.now(UTC)
    throttle.begin(username, now)
    user = find_by_username(username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        user_id = user.id if user is not None else None
        throttle.failed(username, user_id=user_id, address=address, now=now)
        raise InvalidCredentials("Wrong username or password.")
    throttle.succeeded(username)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # the login view commits it
    db.session.flush()
    return user


def _expires_in() -> int:
    return int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())


def issue_tokens(user: User) -> dict:
    """A new session: an access and a refresh token sharing one session id."""
    session_id = uuid.uuid4().hex
    return {
        "access_token": create_access_token(
            identity=user, additional_claims={"role": user.role, "sid": session_id}
        ),
        "refresh_token": create_refresh_token(identity=user, additional_claims={"sid": session_id}),
        "token_type": "Bearer",
        "expires_in": _expires_in(),
        "user": user,
    }


def refresh_access(user, refresh_payload: dict) -> dict:
    """A new access token in the refresh token's session (a logout of either ends both)."""
    claims = {"role": user.role, "sid": refresh_payload.get("sid")}
    return {
        "access_token": create_access_token(identity=user, additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": _expires_in(),
    }


def revoke(payload: dict) -> None:
    """Store a token's id until it expires; idempotent (logging out twice is fine)."""
    _store_revocation(
        payload["jti"],
        payload.get("type", "access"),
        int(payload["sub"]),
        datetime.fromtimestamp(payload["exp"], UTC),
    )


def end_session(payload: dict) -> None:
    """End the session ``payload`` belongs to: every token of that login, refreshed ones too.

    The session row must outlive every token of the session; the refresh token may not be at hand,
    so it is kept for the longest a token minted now could live (a refresh, then one more access).
    """
    session_id = payload.get("sid")
    if not session_id:
        revoke(payload)  # a token from before sessions: only itself
        return
    config = current_app.config
    lifetime = config["JWT_REFRESH_TOKEN_EXPIRES"] + config["JWT_ACCESS_TOKEN_EXPIRES"]
    _store_revocation(session_id, "session", int(payload["sub"]), datetime.now(UTC) + lifetime)


def _store_revocation(key: str, kind: str, user_id: int, expires_at: datetime) -> None:
    if db.session.get(RevokedToken, key) is None:
        db.session.add(
            RevokedToken(jti=key, token_type=kind, user_id=user_id, expires_at=expires_at)
        )


def logout(access_payload: dict, refresh_token: str | None) -> None:
    """End the caller's session; a refresh token sent along ends its own session too."""
    end_session(access_payload)
    if refresh_token:
        try:
            refresh_payload = decode_token(refresh_token, allow_expired=True)
        except Exception as exc:
            raise Invalid("refresh_token is not a valid token.", code="auth.token_invalid") from exc
        if refresh_payload.get("sub") != access_payload["sub"]:
            raise Invalid("refresh_token belongs to another user.", code="auth.token_invalid")
        end_session(refresh_payload)
    db.session.flush()


def unlock(scope: Scope, user: User) -> int:
    """Lift the login delay on ``user`` (an admin's act, audited); the failures it forgot.

    A change to the account: only an admin who may manage it (``policy.user`` WRITE).
    """
    policy.user(
        scope, policy.WRITE, county=user.county_code, township=user.township_code, role=user.role
    )
    return throttle.unlock(user.username, user_id=user.id, actor_id=scope.user_id)


def purge_expired_revocations(now: datetime | None = None) -> int:
    """Revocations of expired tokens are dead weight; the sweep removes them."""
    now = now or datetime.now(UTC)
    return db.session.query(RevokedToken).filter(RevokedToken.expires_at < now).delete()


# --- user management -------------------------------------------------------------------------


def _check_assignable(scope: Scope, data: dict) -> None:
    """Where an account lands and with which role: the policy decides who may place it there,
    and the role must fit the place (township roles in a township, county roles county-wide)."""
    county, township = data.get("county_code"), data.get("township_code")
    if township and not county:
        county = data["county_code"] = township[:6]
    role = data.get("role")
    policy.user_placement(scope, county=county, township=township, role=role)
    if role in TOWNSHIP_ROLES and not township:
        raise Invalid(
            f"A {role} belongs to a township.",
            code="user.township_required",
            errors={"township_code": ["required for this role"]},
        )
    if role in policy.COUNTY_ROLES and township:
        raise Invalid(
            f"A {role} works for the whole county; it has no township.",
            code="user.county_role_has_township",
            errors={"township_code": ["not allowed for this role"]},
        )
    if role and role != "admin" and not county:
        raise Invalid(
            "Only an admin may have a global scope.",
            code="user.county_required",
            errors={"county_code": ["required for this role"]},
        )


def _check_team(scope: Scope, team_id: int | None, fields: dict) -> None:
    """A ``team_id`` is a body id like any other: the team's owner (routing) checks it."""
    if team_id is None:
        return
    team_roster().admit(
        scope,
        team_id,
        role=fields["role"],
        county_code=fields["county_code"],
        township_code=fields["township_code"],
    )


def create_user(scope: Scope, data: dict) -> User:
    _check_assignable(scope, data)
    _check_team(
        scope,
        data.get("team_id"),
        {
            "role": data["role"],
            "county_code": data.get("county_code"),
            "township_code": data.get("township_code"),
        },
    )
    if find_by_username(data["username"]) is not None:
        raise Conflict("That username is taken.", code="user.username_taken")
    password = data.pop("password")
    user = User(**data, password_hash=new_password_hash(password, data["username"]))
    db.session.add(user)
    db.session.flush()
    return user


def get_user(scope: Scope, user_id: int) -> User:
    """An account the caller may read: their own, or one the policy lets an admin see."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user not found", code="user.not_found")
    if user.id != scope.user_id:
        policy.user(
            scope, policy.READ, county=user.county_code, township=user.township_code, role=user.role
        )
    return user


def update_user(scope: Scope, user: User, data: dict) -> User:
    # The account as it is may be beyond the caller (a township admin and a county dispatcher)...
    policy.user(
        scope, policy.WRITE, county=user.county_code, township=user.township_code, role=user.role
    )
    merged = {
        "role": data.get("role", user.role),
        "county_code": data.get("county_code", user.county_code),
        "township_code": data.get("township_code", user.township_code),
    }
    # ...and so may what it would become.
    _check_assignable(scope, merged)  # fills county_code from township_code when missing
    if "township_code" in data or "county_code" in data:
        data["county_code"] = merged["county_code"]
    if data.keys() & {"team_id", "role", "county_code", "township_code"}:
        # A member moved to another township or role must still fit its team.
        _check_team(scope, data.get("team_id", user.team_id), merged)
    password = data.pop("password", None)
    # A changed password, role or a disabled account must not keep its tokens: moving the version
    # on ends every token issued before, even in the same second.
    ends_tokens = (
        bool(password) or data.get("active") is False or data.get("role", user.role) != user.role
    )
    for key, value in data.items():
        setattr(user, key, value)
    if password:
        user.password_hash = new_password_hash(password, user.username)
    if ends_tokens:
        user.token_version += 1
    db.session.flush()
    return user


def list_users(scope: Scope, args: dict) -> tuple[list[User], str | None]:
    stmt = select(User).where(scope.where(User.county_code, User.township_code))
    if "role" in args:
        stmt = stmt.where(User.role == args["role"])
    if "township" in args:
        stmt = stmt.where(User.township_code == args["township"])
    if "active" in args:
        stmt = stmt.where(User.active == args["active"])
    if "q" in args:
        pattern = f"%{args['q']}%"
        stmt = stmt.where(User.username.ilike(pattern) | User.display_name.ilike(pattern))
    stmt, size = keyset_page(stmt, [User.id], args.get("cursor"), args.get("limit"))
    rows = list(db.session.scalars(stmt))
    return split_page(rows, size, lambda u: [u.id])
