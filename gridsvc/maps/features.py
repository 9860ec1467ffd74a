"""OGC API - Features collections read from the rooms below: boundaries (current generation)
and incidents (what the caller may read). Keyset-paged on the feature id, so GDAL and OWSLib
can walk a whole layer by ``next`` links at a constant cost per page. Every collection's cursor
holds one string (a code, an incident id in digits), so a forged cursor is refused before the
collection is even looked up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import and_, func, select, text, true

from gridsvc.accounts import Scope, policy
from gridsvc.boundaries import ADMIN_LAYER, UNIFIED_LAYER, queries
from gridsvc.errors import DomainError, NotFound
from gridsvc.extensions import db
from gridsvc.incidents import INCIDENT_READERS, Incident, get_incident, visible_incidents
from gridsvc.paging import encode_cursor

SPECIALIST_PREFIX = "grids-"
AREA_FILTERS = ("code", "name", "parent_code", "township_code", "village_code")
INCIDENT_FILTERS = ("status", "category", "township_code", "village_code", "grid_code")


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    level: str | None  # None: incidents
    layer: str = ADMIN_LAYER

    @property
    def filters(self) -> tuple[str, ...]:
        return INCIDENT_FILTERS if self.level is None else AREA_FILTERS


FIXED = {
    "townships": Collection("townships", "Townships and sub-districts (乡镇、街道)", "township"),
    "villages": Collection("villages", "Villages and communities (村、社区)", "village"),
    "grids": Collection("grids", "Unified grid (综合网格)", "grid", UNIFIED_LAYER),
    "incidents": Collection("incidents", "Incidents (事件)", None),
}


LAYERS_SQL = """
SELECT DISTINCT a.layer FROM areas a
WHERE a.level = 'grid' AND a.layer <> :unified AND {generation}{county} ORDER BY 1
"""
EXTENT_SQL = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(a.geom) AS e FROM areas a
      WHERE a.level = :level AND a.layer = :layer AND {generation}{county}) x
"""


def _county(scope: Scope) -> str:
    return " AND a.county_code = :county" if scope.county_code else ""


def collections(scope: Scope) -> list[Collection]:
    """The fixed collections and one per specialist grid layer of the caller's county."""
    sql = LAYERS_SQL.format(generation=queries.generation_filter(None), county=_county(scope))
    layers = db.session.scalars(text(sql), {"unified": UNIFIED_LAYER, "county": scope.county_code})
    specialist = [
        Collection(f"{SPECIALIST_PREFIX}{layer}", f"Specialist grid layer {layer}", "grid", layer)
        for layer in layers
    ]
    return [FIXED["townships"], FIXED["villages"], FIXED["grids"], *specialist, FIXED["incidents"]]


def collection(scope: Scope, collection_id: str) -> Collection:
    for item in collections(scope):
        if item.id == collection_id:
            return item
    raise NotFound(f"collection {collection_id} not found", code="collection.not_found")


def extent(scope: Scope, coll: Collection) -> list[float] | None:
    level, layer = (coll.level, coll.layer) if coll.level else ("county", ADMIN_LAYER)
    sql = EXTENT_SQL.format(generation=queries.generation_filter(None), county=_county(scope))
    row = db.session.execute(
        text(sql), {"level": level, "layer": layer, "county": scope.county_code}
    ).one()
    return None if row[0] is None else [round(float(v), 7) for v in row]


# --- items -------------------------------------------------------------------------------------

AREA_ITEMS_SQL = """
SELECT a.code, a.name, a.level, a.layer, a.parent_code, a.township_code, a.village_code,
       a.households, a.population, a.area_m2, a.gen_from, ST_AsGeoJSON(a.geom, 7) AS geojson
FROM areas a
WHERE a.level = :level AND a.layer = :layer AND {generation}{county}{where}
"""


def _area_feature(row) -> dict:
    return {
        "type": "Feature",
        "id": row.code,
        "geometry": orjson.loads(row.geojson),
        "properties": {
            "code": row.code,
            "name": row.name,
            "level": row.level,
            "layer": row.layer,
            "parent_code": row.parent_code,
            "township_code": row.township_code,
            "village_code": row.village_code,
            "households": row.households,
            "population": row.population,
            "area_m2": round(row.area_m2, 1) if row.area_m2 is not None else None,
            "generation": row.gen_from,
        },
    }


def area_items(
    scope: Scope, coll: Collection, args: dict, limit: int
) -> tuple[list, int, str | None]:
    where, params = [], {"level": coll.level, "layer": coll.layer, "county": scope.county_code}
    for name in AREA_FILTERS:
        if args.get(name) is not None:
            where.append(f"a.{name} = :f_{name}")
            params[f"f_{name}"] = args[name]
    if args.get("bbox"):
        where.append("a.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
        params.update(dict(zip(("x0", "y0", "x1", "y1"), args["bbox"], strict=True)))
    base = AREA_ITEMS_SQL.format(
        generation=queries.generation_filter(None),
        county=_county(scope),
        where="".join(f" AND {w}" for w in where),
    )
    matched = db.session.scalar(text(f"SELECT count(*) FROM ({base}) m"), params)  # noqa: S608
    if args.get("after") is not None:
        base += " AND a.code > :after"
        params["after"] = args["after"]
    rows = db.session.execute(
        text(base + " ORDER BY a.code LIMIT :limit"), {**params, "limit": limit + 1}
    ).all()
    nxt = encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None
    return [_area_feature(r) for r in rows[:limit]], matched, nxt


def area_item(scope: Scope, coll: Collection, feature_id: str) -> dict:
    sql = AREA_ITEMS_SQL.format(
        generation=queries.generation_filter(None), county=_county(scope), where=" AND a.code = :c"
    )
    row = db.session.execute(
        text(sql),
        {"level": coll.level, "layer": coll.layer, "county": scope.county_code, "c": feature_id},
    ).first()
    if row is None:
        raise NotFound(f"feature {feature_id} not found", code="feature.not_found")
    return _area_feature(row)


INCIDENT_COLUMNS = (
    Incident.id,
    Incident.status,
    Incident.category_code,
    Incident.reported_at,
    Incident.county_code,
    Incident.township_code,
    Incident.village_code,
    Incident.grid_code,
    Incident.address,
    func.ST_AsGeoJSON(Incident.geom, 7).label("geojson"),
)
INCIDENT_COLUMN_OF = {
    "status": Incident.status,
    "category": Incident.category_code,
    "township_code": Incident.township_code,
    "village_code": Incident.village_code,
    "grid_code": Incident.grid_code,
}


def _incident_feature(row) -> dict:
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": orjson.loads(row.geojson),
        "properties": {
            "id": row.id,
            "status": row.status,
            "category": row.category_code,
            "reported_at": row.reported_at.isoformat(),
            "township_code": row.township_code,
            "village_code": row.village_code,
            "grid_code": row.grid_code,
            "address": row.address,
        },
    }


def incident_items(scope: Scope, args: dict, limit: int) -> tuple[list, int, str | None]:
    policy.require_role(scope, INCIDENT_READERS)  # as GET /incidents
    conditions = [visible_incidents(scope)]
    for name, column in INCIDENT_COLUMN_OF.items():
        if args.get(name) is not None:
            conditions.append(column == args[name])
    if args.get("bbox"):
        x0, y0, x1, y1 = args["bbox"]
        conditions.append(Incident.geom.op("&&")(func.ST_MakeEnvelope(x0, y0, x1, y1, 4326)))
    start, end = args.get("datetime") or (None, None)
    if start is not None:
        conditions.append(Incident.reported_at >= start)
    if end is not None:
        conditions.append(Incident.reported_at <= end)
    where = and_(true(), *conditions)
    matched = db.session.scalar(select(func.count()).select_from(Incident).where(where))
    stmt = select(*INCIDENT_COLUMNS).where(where)
    if args.get("after") is not None:
        if not args["after"].isdigit() or len(args["after"]) > 18:
            raise DomainError("The cursor is not valid.", code="request.invalid_cursor")
        stmt = stmt.where(Incident.id > int(args["after"]))
    rows = db.session.execute(stmt.order_by(Incident.id).limit(limit + 1)).all()
    nxt = encode_cursor([str(rows[limit - 1].id)]) if len(rows) > limit else None
    return [_incident_feature(r) for r in rows[:limit]], matched, nxt


def incident_item(scope: Scope, feature_id: str) -> dict:
    policy.require_role(scope, INCIDENT_READERS)  # as GET /incidents/{id}
    if not feature_id.isdigit() or int(feature_id) >= 2**63:
        raise NotFound(f"feature {feature_id} not found", code="feature.not_found")
    incident = get_incident(scope, int(feature_id))  # the incidents room's scope check
    row = db.session.execute(select(*INCIDENT_COLUMNS).where(Incident.id == incident.id)).one()
    return _incident_feature(row)


def parse_datetime(value: str) -> tuple[datetime | None, datetime | None]:
    """OGC ``datetime``: an instant, or an interval ``start/end`` with ``..`` (or empty) open."""

    def instant(text_value: str) -> datetime | None:
        if text_value in ("", ".."):
            return None
        try:
            moment = datetime.fromisoformat(text_value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise DomainError(
                f"datetime {text_value!r} is not RFC 3339", code="ogc.invalid_datetime"
            ) from exc
        if moment.tzinfo is None:
            raise DomainError("datetime needs a time zone offset", code="ogc.invalid_datetime")
        return moment

    if "/" in value:
        start, _, end = value.partition("/")
        return instant(start), instant(end)
    moment = instant(value)
    return moment, moment
