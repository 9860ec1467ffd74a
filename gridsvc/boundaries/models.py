"""Boundary tables.

One table, ``areas``, holds every level — county, township, village and grid cells of every layer —
because they share everything that matters: a code, a polygon, a parent, and a life across generations.

Versioning follows MapIt's idea: a row is visible in generations ``gen_from ..= gen_to`` (``gen_to``
NULL = still current). Drafts have ``gen_from`` NULL until published, so a draft never leaks into
lookups, and publishing is a pair of UPDATEs in one transaction. ``area_parts`` holds ST_Subdivide'd
copies of every published polygon for fast point lookups (small pieces make point-in-polygon cheap).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridsvc.extensions import db

LEVELS = ("county", "township", "village", "grid")
ADMIN_LAYER = "admin"  # the layer name admin levels (county/township/village) live in
UNIFIED_LAYER = "unified"
GENERATION_STATUSES = ("draft", "published", "retired")
UPLOAD_STATUSES = ("queued", "processing", "validated", "invalid", "failed", "published")
MERGE_STATUSES = ("queued", "running", "done", "failed")
PUBLISH_STATUSES = MERGE_STATUSES


class Generation(db.Model):
    """A set of boundary changes published together (or a draft waiting to be)."""

    __tablename__ = "generations"
    __table_args__ = (
        CheckConstraint(f"status IN {GENERATION_STATUSES!r}", name="status_known"),
        CheckConstraint(f"level IN {LEVELS!r}", name="level_known"),
        Index("uq_generations_number", "number", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Published sequence number (1, 2, …), assigned at publish time; NULL while draft.
    number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), server_default="draft")
    level: Mapped[str] = mapped_column(String(16))
    layer: Mapped[str] = mapped_column(String(32))
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    source: Mapped[str] = mapped_column(String(16))  # upload | merge
    description: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    effective_from: Mapped[date | None] = mapped_column(Date)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Area(db.Model):
    """A county, township, village or grid cell polygon in one generation range."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS!r}", name="level_known"),
        # One current row per (layer, code): the invariant publishing maintains.
        Index(
            "uq_areas_current_code",
            "layer",
            "code",
            unique=True,
            postgresql_where=text("gen_from IS NOT NULL AND gen_to IS NULL"),
        ),
        Index("ix_areas_draft", "generation_id"),
        Index("ix_areas_parent", "parent_code", "level"),
        # The hot map reads (a township's or a village's grids, an area's children) ask for the
        # current generation: partial indexes over its rows alone, in the order pages are read.
        *(
            Index(
                f"ix_areas_current_{name}",
                *columns,
                "code",
                postgresql_where=text("gen_from IS NOT NULL AND gen_to IS NULL"),
            )
            for name, columns in (
                ("township", ("layer", "level", "township_code")),
                ("village", ("layer", "level", "village_code")),
                ("parent", ("layer", "parent_code")),
            )
        ),
        Index("ix_areas_code", "code", "gen_from"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    layer: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(128))
    parent_code: Mapped[str | None] = mapped_column(String(32))
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    township_code: Mapped[str | None] = mapped_column(String(9))
    village_code: Mapped[str | None] = mapped_column(String(12))
    households: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)
    area_m2: Mapped[float | None] = mapped_column(Float)
    properties: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id", ondelete="CASCADE"))
    gen_from: Mapped[int | None] = mapped_column(Integer)
    gen_to: Mapped[int | None] = mapped_column(Integer)


Index("ix_areas_geom", Area.geom, postgresql_using="gist")


class AreaPart(db.Model):
    """Subdivided pieces of published areas (ST_Subdivide, ≤ 64 vertices) with a GiST index."""

    __tablename__ = "area_parts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    area_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("areas.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(16))
    layer: Mapped[str] = mapped_column(String(32))
    gen_from: Mapped[int] = mapped_column(Integer)
    gen_to: Mapped[int | None] = mapped_column(Integer)
    geom = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=False), nullable=False)


Index("ix_area_parts_geom", AreaPart.geom, postgresql_using="gist")


class BoundaryUpload(db.Model):
    """A file GIS staff uploaded, its processing state and validation report."""

    __tablename__ = "boundary_uploads"
    __table_args__ = (
        CheckConstraint(f"status IN {UPLOAD_STATUSES!r}", name="status_known"),
        CheckConstraint(f"level IN {LEVELS!r}", name="level_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16), server_default="queued")
    progress: Mapped[float] = mapped_column(Float, server_default="0")
    level: Mapped[str] = mapped_column(String(16))
    layer: Mapped[str] = mapped_column(String(32))
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    report: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[dict | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    generation_id: Mapped[int | None] = mapped_column(ForeignKey("generations.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GridMerge(db.Model):
    """A 多网合一 run: specialist layers in, a crosswalk and (optionally) a draft unified layer out."""

    __tablename__ = "grid_merges"
    __table_args__ = (
        CheckConstraint(f"status IN {MERGE_STATUSES!r}", name="status_known"),
        UniqueConstraint("created_by", "client_id", name="uq_grid_merges_creator_client"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    # queued -> running -> done | failed: the derivation runs in a background job (tasks.py).
    status: Mapped[str] = mapped_column(String(16), server_default="queued")
    # The request as validated, so the job (and a redelivered job) derives from what was asked.
    params: Mapped[dict | None] = mapped_column(JSONB)
    # The caller's own id for the request: a resent POST finds this merge instead of a new one.
    client_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[dict | None] = mapped_column(JSONB)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    township_codes: Mapped[list] = mapped_column(JSONB)
    layers: Mapped[list] = mapped_column(JSONB)
    proposed_layer: Mapped[str | None] = mapped_column(String(32))
    crosswalk: Mapped[list] = mapped_column(JSONB)
    report: Mapped[dict] = mapped_column(JSONB)
    generation_id: Mapped[int | None] = mapped_column(ForeignKey("generations.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class GenerationPublish(db.Model):
    """Publishing a draft (an upload's or a merge's) as a background job.

    A county's layer takes seconds to subdivide, too long for a request: the view records the job
    and the task ``boundaries.run_publish`` publishes it (publish_jobs.py). At most one job that
    has not failed exists per draft, so a resent POST finds the first one instead of a second
    publish (the partial unique index settles a race between two of them).
    """

    __tablename__ = "generation_publishes"
    __table_args__ = (
        CheckConstraint(f"status IN {PUBLISH_STATUSES!r}", name="status_known"),
        CheckConstraint("num_nonnulls(upload_id, merge_id) = 1", name="one_source"),
        Index(
            "uq_generation_publishes_live_draft",
            "draft_id",
            unique=True,
            postgresql_where=text("status <> 'failed'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16), server_default="queued")
    upload_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("boundary_uploads.id", ondelete="CASCADE"), index=True
    )
    merge_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("grid_merges.id", ondelete="CASCADE"), index=True
    )
    # The draft generation this job makes current (it keeps its id once published).
    draft_id: Mapped[int] = mapped_column(ForeignKey("generations.id", ondelete="CASCADE"))
    county_code: Mapped[str | None] = mapped_column(String(6))
    effective_from: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[dict | None] = mapped_column(JSONB)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    draft: Mapped[Generation] = relationship()

    @property
    def generation(self) -> Generation | None:
        """What a done job published; nothing before (a draft is not yet a generation)."""
        return self.draft if self.status == "done" else None
