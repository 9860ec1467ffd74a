"""Users, revoked tokens and sessions, login throttles, the accounts audit log, API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.extensions import db

ROLES = (
    "admin",
    "gis_staff",
    "supervisor",
    "county_dispatcher",
    "department_handler",
    "team_lead",
    "officer",
    "grid_worker",
)

# Roles whose work is township-bound: they must carry a township in their scope.
TOWNSHIP_ROLES = frozenset({"team_lead", "officer", "grid_worker"})


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        CheckConstraint(
            "township_code IS NULL OR (county_code IS NOT NULL"
            " AND left(township_code, 6) = county_code)",
            name="township_in_county",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    team_id: Mapped[int | None] = mapped_column(index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # Every token carries the version current when it was issued (claim ``tv``); a password or
    # role change or a deactivation moves it on, and every earlier token is refused. A counter,
    # not a time: tokens issued in the same second as the change must end too.
    token_version: Mapped[int] = mapped_column(default=1, server_default="1")
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


# Usernames are unique regardless of case (people type "WangWu" and "wangwu").
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class RevokedToken(db.Model):
    """A revoked token id (``jti``) or a whole ended session (``sid``, ``token_type='session'``).

    A session is one login: its access and refresh tokens and every access token refreshed from it
    carry the same ``sid``, so a logout ends all of them, even the refresh token the client did
    not send. Rows are kept until every token they name has expired anyway.
    """

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_type: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginThrottle(db.Model):
    """Failed logins for one username (lower case), shared by every process through PostgreSQL.

    Keyed by the name typed, whether or not such a user exists, so throttling reveals nothing
    about which accounts exist. A successful login or an admin's unlock deletes the row.
    """

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Attempts before this instant are answered 429 without looking at the password.
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountEvent(db.Model):
    """The accounts audit log: throttled logins, unlocks (append-only by convention)."""

    __tablename__ = "account_events"
    __table_args__ = (Index("ix_account_events_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    event: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)  # None: no such user (still throttled)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # who unlocked; None for the system
    address: Mapped[str | None] = mapped_column(String(64))  # the client address of the attempt
    detail: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))


class ApiToken(db.Model):
    """A personal, read-only API token for desktop GIS (QGIS), stored as the SHA-256 of its secret.

    The secret is 32 random bytes, so a fast hash is enough (nothing to brute-force, unlike a
    password) and lets every request find its token by an indexed equality. The plaintext is
    shown once, in the creating response; a retried create (same ``client_id``) answers the
    existing token without it.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (Index("uq_api_tokens_client", "user_id", "client_id", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so people can tell them apart
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
