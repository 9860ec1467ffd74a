"""The case side of an incident: who handles it, its deadlines, 乡呼县应 calls.

``cases`` is one row per routed incident. The incident keeps its status and audit trail (the
incidents room); ``cases.status`` and ``cases.closed_at`` follow it through a database trigger
(``cases_follow_incident``), whoever changes the incident, so queues count by status from one
index without touching a million incidents. The case keeps what the workflow needs to act fast: the handling team and officer,
the current deadline (``due_at``: the response deadline until the case is accepted, then the
resolution deadline) and the counters assessment reads (returns — 推诿, reworks — 返工, extensions).
Queues read ``cases`` through a partial index over open cases ordered by due time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.extensions import db

ROUTES = ("township_team", "county_call", "county_department", "triage")
CALL_STATUSES = (
    "called",
    "accepted",
    "rejected",
    "analysed",
    "dispatched",
    "responded",
    "completed",
)
CALL_ORIGINS = ("township", "routing")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"route IN {ROUTES!r}", name="route_known"),
        Index(
            "ix_cases_queue",
            "team_id",
            "due_at",
            "incident_id",
            postgresql_where=text("closed_at IS NULL"),
            postgresql_include=["status"],
        ),
        Index(
            "ix_cases_triage",
            "county_code",
            "due_at",
            postgresql_where=text("closed_at IS NULL AND team_id IS NULL"),
        ),
        Index("ix_cases_due", "due_at", postgresql_where=text("closed_at IS NULL")),
        # 协办: a cooperating team's queue finds its joint cases through this.
        Index(
            "ix_cases_cooperating",
            "cooperating_ids",
            postgresql_using="gin",
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id"), primary_key=True
    )
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    route: Mapped[str] = mapped_column(String(24))
    # The incident's status, kept equal by the trigger (never written by the application).
    status: Mapped[str] = mapped_column(String(16), server_default="reported")
    # The team acting now (a township team, or a department once a call is dispatched); NULL while
    # the county dispatcher triages.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    cooperating_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    # 协办 parties (of cooperating_ids) that have recorded their part (action ``assist``): the
    # lead cannot close before every cooperating party is here, unless the county overrides.
    assisted_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    # 自处置: fixed on the spot by the grid worker; sampled ones wait for the team lead's close.
    on_site: Mapped[bool] = mapped_column(Boolean, server_default="false")
    on_site_sampled: Mapped[bool] = mapped_column(Boolean, server_default="false")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(BigInteger)
    # Teams that returned the case (退回): routing never sends it back to them.
    returned_by: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    deadline_basis: Mapped[str] = mapped_column(String(16), server_default="natural")
    resolution_hours: Mapped[float] = mapped_column(Float)
    response_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolution_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    overdue_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_count: Mapped[int] = mapped_column(Integer, server_default="0")
    reopen_count: Mapped[int] = mapped_column(Integer, server_default="0")
    extension_count: Mapped[int] = mapped_column(Integer, server_default="0")
    # An extension (延期) asked for and not yet decided: {"hours", "reason", "by", "at"}.
    pending_extension: Mapped[dict | None] = mapped_column(JSONB)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Call(db.Model):
    """A 乡呼县应 call: the township (or routing, for it) asks the county to act on an incident."""

    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint(f"status IN {CALL_STATUSES!r}", name="status_known"),
        CheckConstraint(f"origin IN {CALL_ORIGINS!r}", name="origin_known"),
        CheckConstraint("township_rating BETWEEN 1 AND 5", name="township_rating_range"),
        CheckConstraint("department_rating BETWEEN 1 AND 5", name="department_rating_range"),
        # One open call per incident: a second call while one is pending is refused.
        Index(
            "uq_calls_open_incident",
            "incident_id",
            unique=True,
            postgresql_where=text("status NOT IN ('rejected', 'completed')"),
        ),
        Index("ix_calls_county_id", "county_code", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("incidents.id"), index=True)
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str | None] = mapped_column(String(9), index=True)
    origin: Mapped[str] = mapped_column(String(16))
    caller_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), server_default="called")
    # Proposed by the responsibility list, settled by the county's analysis (研判).
    primary_department_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    cooperating_ids: Mapped[list[int]] = mapped_column(
        ARRAY(Integer), server_default=text("'{}'::integer[]")
    )
    analysis_note: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    response_hours: Mapped[float] = mapped_column(Float)
    resolution_hours: Mapped[float] = mapped_column(Float)
    deadline_basis: Mapped[str] = mapped_column(String(16), server_default="natural")
    accept_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    respond_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalation_level: Mapped[int] = mapped_column(Integer, server_default="0")
    called_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    analysed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 一呼一评: the township rates the department's response, the department the township's call.
    township_rating: Mapped[int | None] = mapped_column(Integer)
    township_comment: Mapped[str | None] = mapped_column(Text)
    township_rated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    township_rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    department_rating: Mapped[int | None] = mapped_column(Integer)
    department_comment: Mapped[str | None] = mapped_column(Text)
    department_rated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
