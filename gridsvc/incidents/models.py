"""Incident tables: the category catalog, incidents, their append-only audit trail and photos.

Incidents are written in bulk with SQL (see ``reporting.py``) but read and updated through these
models. Two columns are maintained by a database trigger on every INSERT and UPDATE, whoever writes
the row: ``change_seq`` (from the ``incident_change_seq`` sequence) and ``change_xid`` (the writing
transaction's id), which the worker's delta feed pages on. ``incident_events`` refuses UPDATE,
DELETE and TRUNCATE in the database itself, so the audit trail cannot be rewritten by any client.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.extensions import db

# DESIGN.md §4: the whole case loop. This room sets only ``reported`` and ``duplicate``; the
# routing room drives the rest, so the CHECK already admits every state it will use.
STATUSES = (
    "reported",
    "accepted",
    "rejected",
    "duplicate",
    "dispatched",
    "in_progress",
    "resolved",
    "verified",
    "closed",
    "evaluated",
    "reopened",
)
# A new report can be a duplicate only of a case that is still being worked on.
CLOSED_STATUSES = ("rejected", "duplicate", "closed", "evaluated")
SOURCES = ("app", "sync", "web")
PHOTO_KINDS = ("report", "evidence", "verification")
DESCRIPTION_MAX = 2000
ADDRESS_MAX = 255


class Category(db.Model):
    """One event type of the urban-management classification: class (2 digits) + subclass (2)."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{4}$'", name="code_format"),
        CheckConstraint("left(code, 2) = class_code", name="code_in_class"),
        CheckConstraint("response_hours > 0 AND resolution_hours >= response_hours", name="hours"),
        CheckConstraint(
            "duplicate_radius_m >= 0 AND duplicate_window_hours > 0", name="duplicates"
        ),
    )

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    class_code: Mapped[str] = mapped_column(String(2))
    class_name_zh: Mapped[str] = mapped_column(String(64))
    class_name_en: Mapped[str | None] = mapped_column(String(128))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    response_hours: Mapped[int] = mapped_column(Integer)
    resolution_hours: Mapped[int] = mapped_column(Integer)
    photo_required: Mapped[bool] = mapped_column(Boolean, server_default="false")
    duplicate_radius_m: Mapped[int] = mapped_column(Integer, server_default="50")
    duplicate_window_hours: Mapped[int] = mapped_column(Integer, server_default="72")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    sort_order: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Incident(db.Model):
    """A geotagged report, located in the boundaries in force when it arrived."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        CheckConstraint(f"char_length(description) <= {DESCRIPTION_MAX}", name="description_len"),
        CheckConstraint(f"char_length(address) <= {ADDRESS_MAX}", name="address_len"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy_positive"),
        # A phone's UUID identifies a report only together with its reporter: another user's
        # identical UUID must never return someone else's incident.
        UniqueConstraint("reporter_id", "client_id", name="uq_incidents_reporter_client"),
        Index("ix_incidents_township_id", "township_code", "id"),
        Index("ix_incidents_county_id", "county_code", "id"),
        # The assessment reads a county's cases by receipt period (live indicators, settlement).
        Index("ix_incidents_county_received", "county_code", "received_at"),
        Index("ix_incidents_grid", "grid_code"),
        Index("ix_incidents_reporter", "reporter_id", "id"),
        Index("ix_incidents_change_seq", "change_seq"),
        Index("ix_incidents_change_xid", "change_xid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    request_hash: Mapped[str] = mapped_column(String(64))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    status: Mapped[str] = mapped_column(String(16), server_default="reported")
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    raw_lon: Mapped[float] = mapped_column(Float)
    raw_lat: Mapped[float] = mapped_column(Float)
    crs: Mapped[str] = mapped_column(String(16))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(ADDRESS_MAX))
    county_code: Mapped[str] = mapped_column(String(6))
    township_code: Mapped[str | None] = mapped_column(String(9))
    village_code: Mapped[str | None] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(32))
    generation: Mapped[int | None] = mapped_column(Integer)
    # Names of the areas as they were in that generation ({"county": "雨湖区", ...}).
    place_names: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    outside_own_grids: Mapped[bool] = mapped_column(Boolean, server_default="false")
    probable_duplicate_of: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("incidents.id")
    )
    duplicate_distance_m: Mapped[float | None] = mapped_column(Float)
    duplicate_of: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("incidents.id"))
    photo_count: Mapped[int] = mapped_column(Integer, server_default="0")
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(8))
    # Filled by the routing room (target + reason trace); null until it lands.
    routing: Mapped[dict | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        server_onupdate=FetchedValue(),
    )
    # Both set by the trigger ``incidents_track_change`` on every INSERT and UPDATE.
    change_seq: Mapped[int] = mapped_column(
        BigInteger, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    change_xid: Mapped[int] = mapped_column(
        BigInteger, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


Index("ix_incidents_geom", Incident.geom, postgresql_using="gist")


class IncidentEvent(db.Model):
    """One appended line of an incident's audit trail; the database refuses to change it."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("incidents.id"))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    township_code: Mapped[str | None] = mapped_column(String(9))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict | None] = mapped_column(JSONB)
    data: Mapped[dict | None] = mapped_column(JSONB)


class IncidentPhoto(db.Model):
    """A photo attached to an incident; files live in the media storage, keyed by content hash."""

    __tablename__ = "incident_photos"
    __table_args__ = (
        CheckConstraint(f"kind IN {PHOTO_KINDS!r}", name="kind_known"),
        UniqueConstraint("incident_id", "sha256", name="uq_incident_photos_incident_sha"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("incidents.id"))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    township_code: Mapped[str | None] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Where the camera says it was: kept for the record, never served.
    exif_geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    original_key: Mapped[str] = mapped_column(String(255))
    served_key: Mapped[str] = mapped_column(String(255))
    thumbnail_key: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
