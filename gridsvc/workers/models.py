"""Worker profiles, grid assignments, re-assignment needs, balanced proposals and patrol tracks.

Assignments are history, never edited in place: a change closes the current row (``valid_to``)
and opens a new one, so "who was responsible for this grid on 3 May" has an answer. A grid has at
most one current primary worker (a partial unique index, so two concurrent assignments cannot both
win) and any number of secondaries.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridsvc.accounts import User
from gridsvc.extensions import db

EMPLOYMENT_TYPES = ("full_time", "part_time")  # 专职 / 兼职
ASSIGNMENT_ROLES = ("primary", "secondary")
PROPOSAL_STATUSES = ("proposed", "accepted", "superseded")


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

    # The account (name, active flag) travels with the profile in every response.
    user: Mapped[User] = relationship(lazy="joined", viewonly=True)

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

    worker: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined", viewonly=True)


class AssignmentNeed(db.Model):
    """A grid a boundary change left without its primary worker, with the workers proposed for it.

    Written by the publish hook (``boundary_sync``) for each new grid that overlaps old grids whose
    workers lost them; ``candidates`` lists those workers, largest overlap share first. Resolved
    when the grid gets a primary worker again.
    """

    __tablename__ = "assignment_needs"
    __table_args__ = (
        Index(
            "ix_assignment_needs_open",
            "layer",
            "grid_code",
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    township_code: Mapped[str] = mapped_column(String(9), index=True)
    layer: Mapped[str] = mapped_column(String(32))
    grid_code: Mapped[str] = mapped_column(String(32))
    generation_number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32), server_default="boundary_change")
    # [{"user_id", "from_grid", "role", "overlap_share"}], best first
    candidates: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AssignmentProposal(db.Model):
    """A balanced assignment of a township's vacant grids to its workers, kept until accepted.

    ``items`` holds per-worker grid lists and loads; a newer proposal for the same township
    supersedes older open ones, so only one can be accepted.
    """

    __tablename__ = "assignment_proposals"
    __table_args__ = (
        CheckConstraint(f"status IN {PROPOSAL_STATUSES!r}", name="status_known"),
        Index("ix_assignment_proposals_township", "township_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    township_code: Mapped[str] = mapped_column(String(9))
    layer: Mapped[str] = mapped_column(String(32), server_default="unified")
    status: Mapped[str] = mapped_column(String(16), server_default="proposed")
    generation_number: Mapped[int | None] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(16))  # households | area_m2
    items: Mapped[list] = mapped_column(JSONB)
    unassigned: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    balance: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    edits: Mapped[list | None] = mapped_column(JSONB)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class TrackPoint(db.Model):
    """One GPS fix of a worker's patrol.

    High volume: RANGE-partitioned by month on ``t`` (partitions are created on demand by
    ``tracks.ensure_partitions``), written in bulk, never row by row. The primary key
    (user_id, t) makes a replayed point a no-op (``ON CONFLICT DO NOTHING``) and serves the
    per-worker-day reads. No foreign key to users: it would cost a lookup per row on the hottest
    write path and tie the table to users when it is distributed by county later.
    """

    __tablename__ = "track_points"
    __table_args__ = (
        # "When was this grid last patrolled": max(t) per grid over plausible points.
        Index(
            "ix_track_points_grid_t",
            "grid_code",
            "t",
            postgresql_where=text("NOT implausible_speed"),
        ),
        # A day's or a month's points in time order (the daily summaries, the Parquet archive):
        # the table is appended in time order, so a BRIN index is tiny and nearly free to keep.
        Index("ix_track_points_t_brin", "t", postgresql_using="brin"),
        {"postgresql_partition_by": "RANGE (t)"},
    )

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    t: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str] = mapped_column(String(9))
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)
    implausible_speed: Mapped[bool] = mapped_column(Boolean, server_default="false")
    poor_accuracy: Mapped[bool] = mapped_column(Boolean, server_default="false")
    grid_code: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class PatrolDay(db.Model):
    """A worker's patrol figures of one Asia/Shanghai day, kept for good.

    Raw ``track_points`` are dropped after ``TRACK_RETENTION_MONTHS``; these rows (and the per-grid
    rows of :class:`PatrolDayGrid`) keep what the reports read — the figures of
    :mod:`gridsvc.workers.patrol_figures` of the unified layer, as computed when summarised.
    """

    __tablename__ = "patrol_days"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str] = mapped_column(String(9))
    points: Mapped[int] = mapped_column(Integer)
    flagged_points: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[float] = mapped_column(Float)
    patrol_s: Mapped[float] = mapped_column(Float)
    inside_s: Mapped[float] = mapped_column(Float)
    inside_share: Mapped[float | None] = mapped_column(Float)
    first_t: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_t: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    alerts: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class PatrolDayGrid(db.Model):
    """One worker × grid × day: the worker's figures in an assigned grid, and for every grid the
    worker's plausible points touched, how many and the last one (``seen_points``, ``last_t``:
    what "patrolled that day" and "last patrolled" need once the raw points are gone)."""

    __tablename__ = "patrol_day_grids"
    __table_args__ = (
        # "When was this grid last patrolled" after retention dropped the raw points.
        Index("ix_patrol_day_grids_grid_last_t", "grid_code", "last_t"),
    )

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    assigned: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[int] = mapped_column(Integer, server_default="0")
    inside_s: Mapped[float] = mapped_column(Float, server_default="0")
    coverage: Mapped[float | None] = mapped_column(Float)
    covered_m2: Mapped[float | None] = mapped_column(Float)
    seen_points: Mapped[int] = mapped_column(Integer, server_default="0")
    last_t: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
