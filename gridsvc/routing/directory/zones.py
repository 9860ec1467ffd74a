"""Routing zones: polygons, or road centre lines buffered into corridors (路长制), that send the
incidents inside them to one team before the responsibility list is consulted."""

from __future__ import annotations

import shapely
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import to_shape
from sqlalchemy import select, text

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Invalid
from gridsvc.extensions import db
from gridsvc.geo.convert import from_geojson, to_geojson, to_wkb_hex
from gridsvc.geo.crs import check_china_extent, transform_geometries
from gridsvc.routing.directory.models import RoutingZone, Team

MAX_VERTICES = 20_000
POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")

# Buffering in geography (metres on the spheroid) keeps a "30 m either side" corridor true at any
# latitude; the result goes back to a valid lon/lat multipolygon.
BUFFER_SQL = """
SELECT ST_AsBinary(ST_Multi(ST_CollectionExtract(ST_MakeValid(
    ST_Buffer(ST_GeomFromWKB(decode(:wkb, 'hex'), 4326)::geography, :metres)::geometry), 3)))
"""


def _geometry(data: dict):
    """The zone's polygon and, for a road, its centre line, in EPSG:4326."""
    geom = from_geojson(data["geometry"])
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise Invalid(f"At most {MAX_VERTICES} vertices per zone.", code="zone.too_many_vertices")
    geom = transform_geometries(geom, data.get("crs"))
    problems = check_china_extent([geom])
    if problems:
        raise Invalid(problems[0]["detail"], code=f"zone.{problems[0]['code']}")
    if geom.geom_type in POLYGONAL:
        if data.get("buffer_m"):
            raise Invalid(
                "buffer_m applies to road lines only.",
                code="zone.buffer_for_lines_only",
                errors={"buffer_m": ["only with a LineString"]},
            )
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            raise Invalid(f"The polygon is not valid: {reason}.", code="zone.invalid_geometry")
        return "area", shapely.MultiPolygon(getattr(geom, "geoms", [geom])), None
    if geom.geom_type in LINEAR:
        metres = data.get("buffer_m")
        if not metres:
            raise Invalid(
                "A road zone needs buffer_m (metres either side of the centre line).",
                code="zone.buffer_required",
                errors={"buffer_m": ["required with a LineString"]},
            )
        line = shapely.MultiLineString(getattr(geom, "geoms", [geom]))
        wkb = db.session.execute(
            text(BUFFER_SQL), {"wkb": shapely.to_wkb(line, hex=True), "metres": metres}
        ).scalar_one()
        return "road", shapely.from_wkb(bytes(wkb)), line
    raise Invalid(
        f"A zone is a Polygon, MultiPolygon, LineString or MultiLineString, not {geom.geom_type}.",
        code="zone.geometry_type",
    )


def _check_team(scope: Scope, county: str, team_id: int) -> Team:
    """The zone's team: one of the zone's county the caller sees (else as if it did not exist)."""
    team = db.session.get(Team, team_id)
    if team is None or team.county_code != county or not policy.sees_county(scope, county):
        raise Invalid(
            "The team must be a team of this county.",
            code="zone.unknown_team",
            errors={"team_id": ["not a team of this county"]},
        )
    return team


def _element(geom) -> WKBElement | None:
    """The geometry as the column loads it, so the response can be built before the commit."""
    if geom is None:
        return None
    return WKBElement(to_wkb_hex(geom), srid=4326, extended=True)


def create_zone(scope: Scope, data: dict, user_id: int | None) -> RoutingZone:
    county = policy.county_for_new(scope, data.get("county_code"), editors=policy.ZONE_EDITORS)
    _check_team(scope, county, data["team_id"])
    kind, polygon, line = _geometry(data)
    zone = RoutingZone(
        county_code=county,
        name=data["name"],
        kind=kind,
        geom=_element(polygon),
        line=_element(line),
        buffer_m=data.get("buffer_m"),
        category_codes=data.get("category_codes"),
        team_id=data["team_id"],
        priority=data["priority"],
        created_by=user_id,
    )
    db.session.add(zone)
    db.session.flush()
    return zone


def get_zone(scope: Scope, zone_id: int) -> RoutingZone:
    zone = db.session.get(RoutingZone, zone_id)
    if zone is None:
        policy.hidden("zone")
    policy.county_rule(scope, policy.READ, county=zone.county_code, kind="zone")
    return zone


def update_zone(scope: Scope, zone: RoutingZone, data: dict) -> RoutingZone:
    policy.county_rule(
        scope, policy.WRITE, county=zone.county_code, kind="zone", editors=policy.ZONE_EDITORS
    )
    if "team_id" in data:
        _check_team(scope, zone.county_code, data["team_id"])
    for key, value in data.items():
        setattr(zone, key, value)
    db.session.flush()
    return zone


def list_zones(scope: Scope, args: dict) -> list[RoutingZone]:
    stmt = select(RoutingZone)
    county = scope.county_code or args.get("county")
    if county:
        stmt = stmt.where(RoutingZone.county_code == county)
    if "team_id" in args:
        stmt = stmt.where(RoutingZone.team_id == args["team_id"])
    if "active" in args:
        stmt = stmt.where(RoutingZone.active == args["active"])
    return list(db.session.scalars(stmt.order_by(RoutingZone.priority, RoutingZone.id).limit(1000)))


def zone_feature(zone: RoutingZone) -> dict:
    return {
        "type": "Feature",
        "id": zone.id,
        "geometry": to_geojson(to_shape(zone.geom)),
        "properties": {
            "id": zone.id,
            "county_code": zone.county_code,
            "name": zone.name,
            "kind": zone.kind,
            "buffer_m": zone.buffer_m,
            "line": to_geojson(to_shape(zone.line)) if zone.line is not None else None,
            "category_codes": zone.category_codes,
            "team_id": zone.team_id,
            "priority": zone.priority,
            "active": zone.active,
        },
    }
