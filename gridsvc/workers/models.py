"""Worker profiles and grid assignments.

Assignments are history, never edited in place: a change closes the current row (``valid_to``)
and opens a new one, so "who was responsible for this grid on 3 May" has an answer. A grid has at
most one current primary worker (a partial unique index, so two concurrent assignments cannot both
win) and any number of secondaries.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.extensions import db

EMPLOYMENT_TYPES = ("full_time", "part_time")  # 专职 / 兼职
ASSIGNMENT_ROLES = ("primary", "secondary")


class WorkerProfile(db.Model):
    """What the county keeps about a grid worker beyond the login account."""

    __tablename__ = "worker_profiles"
    __table_args__ = (
        CheckConstraint(f"employment IN {EMPLOYMENT_TYPES!r}", name="employment_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    township_code: Mapped[str] = mapped_column(String(9), index=True)
    employment: Mapped[str] = mapped_column(String(16), server_default="full_time")
    phone: Mapped[str | None] = mapped_column(String(32))
    hired_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class GridAssignment(db.Model):
    """One worker responsible for one grid (by code) from ``valid_from`` until ``valid_to``."""

    __tablename__ = "grid_assignments"
    __table_args__ = (
        CheckConstraint(f"role IN {ASSIGNMENT_ROLES!r}", name="role_known"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        # At most one current primary per grid; a worker holds a grid at most once at a time.
        Index(
            "uq_grid_assignments_current_primary",
            "layer",
            "grid_code",
            unique=True,
            postgresql_where=text("role = 'primary' AND valid_to IS NULL"),
        ),
        Index(
            "uq_grid_assignments_current_worker",
            "layer",
            "grid_code",
            "user_id",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index("ix_grid_assignments_user", "user_id", "valid_from"),
        Index("ix_grid_assignments_grid", "grid_code", "valid_from"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    township_code: Mapped[str] = mapped_column(String(9), index=True)
    layer: Mapped[str] = mapped_column(String(32), server_default="unified")
    grid_code: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(16), server_default="primary")
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Why the row was closed: reassigned, boundary_change, worker_left, …
    end_reason: Mapped[str | None] = mapped_column(String(64))
