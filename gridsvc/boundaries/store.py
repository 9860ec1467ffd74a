"""Writing boundary features into draft generations and publishing them, in SQL.

Everything here runs inside the caller's transaction: a draft is written whole or not at all, and
publishing (retire the replaced rows, activate the draft, subdivide for lookups) is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
import shapely
from psycopg2.extras import execute_values
from sqlalchemy import select, text

from gridsvc.boundaries.handoff import publish_listeners
from gridsvc.boundaries.models import ADMIN_LAYER, Area, Generation
from gridsvc.extensions import db

# Pieces of at most this many vertices make point-in-polygon tests cheap (MapIt uses the same idea).
SUBDIVIDE_MAX_VERTICES = 64
# Serialises publishes so generation numbers are dense and the current-code invariant holds.
PUBLISH_LOCK_KEY = 0x6772_6964  # "grid"

CURRENT = "gen_from IS NOT NULL AND gen_to IS NULL"


def current_sql(alias: str) -> str:
    """The "published and not replaced" condition for a table alias."""
    return f"{alias}.gen_from IS NOT NULL AND {alias}.gen_to IS NULL"


@dataclass
class StoredFeature:
    level: str
    layer: str
    code: str
    name: str | None
    parent_code: str | None
    geometry: object  # shapely (Multi)Polygon in EPSG:4326, valid
    households: int | None = None
    population: int | None = None
    area_m2: float | None = None
    properties: dict | None = None


def hierarchy_codes(level: str, layer: str, code: str) -> tuple[str | None, str | None, str | None]:
    """County / township / village codes implied by an area code (prefixes of the 15-digit code)."""
    if layer != ADMIN_LAYER and not code.isdigit():
        return None, None, None  # specialist layers use their own code schemes
    county = code[:6] if len(code) >= 6 else None
    township = code[:9] if level in ("township", "village", "grid") and len(code) >= 9 else None
    village = code[:12] if level in ("village", "grid") and len(code) >= 12 else None
    return county, township, village


def new_draft(
    *, level: str, layer: str, county_code: str | None, source: str, user_id: int | None
) -> Generation:
    generation = Generation(
        level=level,
        layer=layer,
        county_code=county_code,
        source=source,
        status="draft",
        created_by=user_id,
    )
    db.session.add(generation)
    db.session.flush()
    return generation


def write_features(generation_id: int, features: Iterable[StoredFeature]) -> int:
    """Bulk-insert features into a draft (multi-row INSERT through psycopg2, not row by row)."""
    rows = []
    for f in features:
        county, township, village = hierarchy_codes(f.level, f.layer, f.code)
        geom = f.geometry
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        rows.append(
            (
                f.level,
                f.layer,
                f.code,
                f.name,
                f.parent_code,
                county,
                township,
                village,
                f.households,
                f.population,
                f.area_m2,
                orjson.dumps(f.properties or {}).decode(),
                shapely.to_wkb(geom, hex=True),
                generation_id,
            )
        )
    if not rows:
        return 0
    cursor = db.session.connection().connection.cursor()
    execute_values(
        cursor,
        "INSERT INTO areas (level, layer, code, name, parent_code, county_code, township_code,"
        " village_code, households, population, area_m2, properties, geom, generation_id)"
        " VALUES %s",
        rows,
        template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb,"
        " ST_SetSRID(%s::geometry, 4326), %s)",
        page_size=500,
    )
    _fill_codes_spatially(generation_id)
    return len(rows)


def _fill_codes_spatially(generation_id: int) -> None:
    """Specialist cells carry no hierarchy in their codes: place them by a point on their surface."""
    for column, level in (("county_code", "county"), ("township_code", "township")):
        db.session.execute(
            text(
                f"UPDATE areas a SET {column} = parent.code FROM areas parent"  # noqa: S608
                f" WHERE a.generation_id = :g AND a.{column} IS NULL"
                f" AND parent.level = :level AND parent.layer = 'admin'"
                f" AND {current_sql('parent')}"
                " AND ST_Intersects(parent.geom, ST_PointOnSurface(a.geom))"
            ),
            {"g": generation_id, "level": level},
        )


def clear_draft(generation_id: int) -> None:
    db.session.execute(text("DELETE FROM areas WHERE generation_id = :g"), {"g": generation_id})


def current_geometries(level: str, codes: Sequence[str], layer: str = ADMIN_LAYER) -> dict:
    """Current polygons of the given codes, as shapely geometries (parents for validation)."""
    if not codes:
        return {}
    rows = db.session.execute(
        text(
            f"SELECT code, ST_AsBinary(geom) FROM areas WHERE {CURRENT}"  # noqa: S608
            " AND level = :level AND layer = :layer AND code = ANY(:codes)"
        ),
        {"level": level, "layer": layer, "codes": list(codes)},
    ).all()
    return {code: shapely.from_wkb(bytes(wkb)) for code, wkb in rows}


def current_layer(level: str, layer: str, *, prefix: str | None = None) -> list[Area]:
    stmt = select(Area).where(
        Area.level == level, Area.layer == layer, Area.gen_from.is_not(None), Area.gen_to.is_(None)
    )
    if prefix:
        stmt = stmt.where(Area.code.startswith(prefix, autoescape=True))
    return list(db.session.scalars(stmt.order_by(Area.code)))


def publish(generation: Generation, *, user_id: int | None, effective_from: date | None) -> int:
    """Make a draft current in one transaction; returns its generation number."""
    if generation.status != "draft":
        return generation.number  # already published: publishing again is a no-op (safe retry)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUBLISH_LOCK_KEY})
    number = db.session.execute(
        text("SELECT coalesce(max(number), 0) + 1 FROM generations")
    ).scalar_one()
    params = {"g": generation.id, "n": number, "prev": number - 1}
    # Rows of the same level and layer that the draft replaces: the same codes, and every current
    # child of a parent the draft covers (a village's grids are replaced as a set).
    replaced = text(
        f"""
        WITH draft AS (SELECT level, layer, code, parent_code FROM areas WHERE generation_id = :g),
        gone AS (
            UPDATE areas a SET gen_to = :prev
            WHERE {current_sql("a")}
              AND (a.level, a.layer) IN (SELECT DISTINCT level, layer FROM draft)
              AND (a.code IN (SELECT code FROM draft)
                   OR (a.parent_code IS NOT NULL
                       AND a.parent_code IN (SELECT parent_code FROM draft
                                             WHERE parent_code IS NOT NULL)))
            RETURNING a.id
        )
        UPDATE area_parts p SET gen_to = :prev FROM gone WHERE p.area_id = gone.id
        """  # noqa: S608
    )
    db.session.execute(replaced, params)
    db.session.execute(text("UPDATE areas SET gen_from = :n WHERE generation_id = :g"), params)
    db.session.execute(
        text(
            "INSERT INTO area_parts (area_id, level, layer, gen_from, geom)"
            " SELECT id, level, layer, gen_from, (ST_Dump(ST_Subdivide(geom, :vertices))).geom"
            " FROM areas WHERE generation_id = :g"
        ),
        {**params, "vertices": SUBDIVIDE_MAX_VERTICES},
    )
    now = datetime.now(UTC)
    db.session.execute(
        text(
            "UPDATE generations SET status = 'retired', retired_at = :now WHERE status = 'published'"
        ),
        {"now": now},
    )
    generation.number = number
    generation.status = "published"
    generation.published_at = now
    generation.published_by = user_id
    generation.effective_from = effective_from or now.date()
    db.session.flush()
    # Listeners (grid assignments following the new boundaries) write in this same transaction.
    for listener in publish_listeners():
        listener.generation_published(
            generation_id=generation.id,
            number=number,
            level=generation.level,
            layer=generation.layer,
        )
    return number


def current_generation_number() -> int | None:
    return db.session.execute(text("SELECT max(number) FROM generations")).scalar()


def generation_at(moment: datetime) -> int | None:
    """The generation in force at ``moment`` (the last one published before it)."""
    return db.session.execute(
        text("SELECT max(number) FROM generations WHERE published_at <= :t"), {"t": moment}
    ).scalar()
