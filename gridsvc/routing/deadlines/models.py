"""What the deadlines keep: supervision notices (督办) once per missed deadline, and the office calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.extensions import db

CALENDAR_SOURCES = ("manual", "holidays")
NOTICE_KINDS = ("response_overdue", "resolution_overdue", "call_unaccepted", "call_unresponded")


class SupervisionNotice(db.Model):
    """督办: a missed deadline, written once per (incident or call, kind, level, deadline)."""

    __tablename__ = "supervision_notices"
    __table_args__ = (
        CheckConstraint(f"kind IN {NOTICE_KINDS!r}", name="kind_known"),
        Index(
            "uq_supervision_notices_once",
            "incident_id",
            "kind",
            "level",
            "due_at",
            unique=True,
        ),
        Index("ix_supervision_notices_county_id", "county_code", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    incident_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("incidents.id"))
    call_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("calls.id"))
    kind: Mapped[str] = mapped_column(String(24))
    # 1: to the party that must act; 2: one level up (the county's supervisors).
    level: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class WorkCalendarDay(db.Model):
    """A day that breaks the Monday-Friday rule: a public holiday, or a weekend day worked (调休).

    The State Council announces them each year: ``flask routing calendar-fill`` takes them from the
    ``holidays`` package (source ``holidays``); ``calendar-set`` enters one by hand (source
    ``manual``), and a later fill never overwrites a hand entry.
    """

    __tablename__ = "work_calendar_days"
    __table_args__ = (CheckConstraint(f"source IN {CALENDAR_SOURCES!r}", name="source_known"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), server_default="manual")
