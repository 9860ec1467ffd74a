"""Assessment's own rows: the county's score weights (versioned) and the hotspots it has raised.

Weights are versioned by effective date like the responsibility list: the version in force on a
day is the latest ``effective_from`` not after it, and a version already in force is history —
scores of past periods cite it — so a change is a new version, never an edit.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.extensions import db

HOTSPOT_KINDS = ("cluster", "recurring")
RECOMPUTE_STATUSES = ("queued", "running", "done", "failed")
# The case-handling part of a score when a county sets nothing: 按期结案率 weighs most.
DEFAULT_INDICATOR_WEIGHTS = {"on_time_rate": 0.6, "closing_rate": 0.4}


class ScoreWeights(db.Model):
    __tablename__ = "assessment_weights"
    __table_args__ = (
        CheckConstraint(
            "department_rating_share BETWEEN 0 AND 1 AND township_rating_share BETWEEN 0 AND 1"
            " AND stationed_township_share BETWEEN 0 AND 1",
            name="shares_are_fractions",
        ),
        Index("uq_assessment_weights_version", "county_code", "effective_from", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    effective_from: Mapped[date] = mapped_column(Date)
    # A county department's score: the townships' ratings of its calls weigh this much (泰安: 1/3).
    department_rating_share: Mapped[float] = mapped_column(Float, server_default=text("1.0/3"))
    # A township's score: the departments' ratings of its calls weigh this much.
    township_rating_share: Mapped[float] = mapped_column(Float, server_default=text("1.0/3"))
    # A stationed agency (派驻机构): its township's part; the parent department has the rest (旧院镇).
    stationed_township_share: Mapped[float] = mapped_column(Float, server_default="0.7")
    # Case-handling part of every score: indicator rate name -> weight.
    indicator_weights: Mapped[dict] = mapped_column(JSONB)
    # The county's stationed agencies: [{"team_id", "parent_department_id", "township_code"}].
    stationed: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    note: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HotspotAlert(db.Model):
    """A hotspot the early warning found; it is alerted once and lives until it is no longer seen."""

    __tablename__ = "hotspot_alerts"
    __table_args__ = (
        CheckConstraint(f"kind IN {HOTSPOT_KINDS!r}", name="kind_known"),
        Index(
            "ix_hotspot_alerts_active",
            "county_code",
            "category_code",
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str | None] = mapped_column(String(9))
    category_code: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(16))
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    radius_m: Mapped[float] = mapped_column(Float)
    incident_count: Mapped[int] = mapped_column(Integer)
    incident_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SettledDay(db.Model):
    """A county's Beijing day whose cases are settled: their facts are stored, read from now on."""

    __tablename__ = "assessment_settled_days"

    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)
    settled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StoredCaseFacts(db.Model):
    """One settled case's figures (gridsvc.assessment.facts.CaseFacts), as they were settled."""

    __tablename__ = "assessment_case_facts"
    __table_args__ = (Index("ix_assessment_case_facts_county_day", "county_code", "day"),)

    incident_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    day: Mapped[date] = mapped_column(Date)
    township_code: Mapped[str | None] = mapped_column(String(9))
    township_name: Mapped[str | None] = mapped_column(String(128))
    team_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    grid_code: Mapped[str | None] = mapped_column(String(32))
    worker_id: Mapped[int] = mapped_column(Integer)
    # The per-case figures: 0 or 1 each, except the call counts.
    reported: Mapped[int] = mapped_column(SmallInteger)
    taken: Mapped[int] = mapped_column(SmallInteger)
    filed: Mapped[int] = mapped_column(SmallInteger)
    dispatched: Mapped[int] = mapped_column(SmallInteger)
    due: Mapped[int] = mapped_column(SmallInteger)
    closed: Mapped[int] = mapped_column(SmallInteger)
    closed_on_time: Mapped[int] = mapped_column(SmallInteger)
    reworked: Mapped[int] = mapped_column(SmallInteger)
    extended: Mapped[int] = mapped_column(SmallInteger)
    returned: Mapped[int] = mapped_column(SmallInteger)
    response_overdue: Mapped[int] = mapped_column(SmallInteger)
    resolution_overdue: Mapped[int] = mapped_column(SmallInteger)
    calls: Mapped[int] = mapped_column(SmallInteger)
    calls_rejected: Mapped[int] = mapped_column(SmallInteger)
    calls_on_time: Mapped[int] = mapped_column(SmallInteger)
    not_called: Mapped[int] = mapped_column(SmallInteger)
    fixed_on_site: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    response_hours: Mapped[float | None] = mapped_column(Float)
    resolution_hours: Mapped[float | None] = mapped_column(Float)


class IndicatorRecompute(db.Model):
    """An admin's recompute of a range of settled days, run as a background job.

    Settling a county's year again takes longer than the web's statement timeout allows, so the
    view records the job and the task ``assessment.run_recompute`` settles the days
    (recompute_jobs.py). ``days`` and ``cases`` are what the synchronous answer used to give.
    """

    __tablename__ = "indicator_recomputes"
    __table_args__ = (
        CheckConstraint(f"status IN {RECOMPUTE_STATUSES!r}", name="status_known"),
        CheckConstraint("first_day <= last_day", name="range_ordered"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16), server_default="queued")
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    days: Mapped[int | None] = mapped_column(Integer)
    cases: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[dict | None] = mapped_column(JSONB)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
