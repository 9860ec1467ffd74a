"""Proposals to the responsibility list (建议权): a township asks, the county decides.

A proposal carries the entry it wants (a new version for a category, from a date) and a reason.
The county admin accepts it — it becomes a new version of the list — or rejects it with a reason.
Every step is a row of ``list_proposal_events`` (who, when, what, why), never updated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
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

PROPOSAL_STATUSES = ("pending", "accepted", "rejected")
PROPOSAL_EVENTS = ("proposed", "accepted", "rejected")


class ListProposal(db.Model):
    __tablename__ = "list_proposals"
    __table_args__ = (
        CheckConstraint(f"status IN {PROPOSAL_STATUSES!r}", name="status_known"),
        Index("ix_list_proposals_county_status", "county_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str] = mapped_column(String(9), index=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    entry: Mapped[dict] = mapped_column(JSONB)  # the proposed entry's fields
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_entries.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ListProposalEvent(db.Model):
    """The audit of proposals: append-only."""

    __tablename__ = "list_proposal_events"
    __table_args__ = (CheckConstraint(f"event IN {PROPOSAL_EVENTS!r}", name="event_known"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("list_proposals.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
