"""Users and revoked tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, func
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
    # Tokens issued before this instant are refused (password change, deactivation).
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


# Usernames are unique regardless of case (people type "WangWu" and "wangwu").
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class RevokedToken(db.Model):
    """A logged-out token's id, kept until the token would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_type: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
