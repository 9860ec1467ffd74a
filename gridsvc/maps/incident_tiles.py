"""Incident tiles: only the incidents the caller may read, with what a map styles and clicks on.

Visibility is the incidents room's own condition (``visible_incidents``: the caller's township or
county, and their own reports), so a tile can never show more than ``GET /incidents`` would.
The case (routing) adds the team, the due time and whether it is overdue.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2

from gridsvc.accounts import Scope, policy
from gridsvc.extensions import db
from gridsvc.incidents import Incident, visible_incidents
from gridsvc.maps.render import tile_connection
from gridsvc.maps.tiles import BUFFER, EXTENT
from gridsvc.prepared import Prepared
from gridsvc.routing import Case, Team

# Compiles a statement to PostgreSQL's own $1..$n placeholders, so that it can be PREPAREd.
DOLLAR_DIALECT = PGDialect_psycopg2(paramstyle="numeric_dollar")
TILE_PARAMETERS = ("tz", "tx", "ty")


def check_team_filter(scope: Scope, team_id: int | None) -> None:
    """A team named in the filter goes through the policy like any id: another county's is 404."""
    if team_id is None:
        return
    team = db.session.get(Team, team_id)
    if team is None:
        policy.hidden("team")
    policy.team(scope, policy.READ, county=team.county_code)


def incident_tile(scope: Scope, z: int, x: int, y: int, filters: dict, max_features: int) -> bytes:
    """The MVT of the incidents in tile z/x/y the caller may see (empty bytes: none)."""
    key = (
        tuple(filters.get("status") or ()),
        filters.get("category"),
        filters.get("team"),
        filters.get("overdue"),
    )
    statement, values = _prepared(scope, key, max_features)
    # A tile is a few hundred index hits: PostgreSQL's parallel plan (a parallel seq scan it
    # favours for the per-row cost of ST_AsMVTGeom) took 30-800 ms where the GiST index takes
    # 1-10 ms (bench/tiles.py): the tile connection has parallel plans off (gridsvc/maps/render.py).
    with tile_connection(no_parallel=True) as connection:
        _columns, rows = statement.run_on(connection, {**values, "tz": z, "tx": x, "ty": y})
    return bytes(rows[0][0] or b"")


@lru_cache(maxsize=1024)
def _prepared(scope: Scope, key: tuple, max_features: int) -> tuple[Prepared, dict]:
    """The tile statement for one caller and filter set, as a statement PREPAREd once per tile
    connection, and the values of its parameters but z/x/y.

    Planning the statement on every request cost ~1 ms of a small tile that takes 0.3 ms to run
    (bench/tiles.py, whose raw side prepares it). Every value, the caller's county and id
    included, is a parameter, so callers of one kind with one set of filters share one
    statement (its name is a hash of the text): a connection prepares a handful, not one per
    caller. The generic plan is what the raw side runs: the GiST ``&&`` on the tile's box.
    """
    compiled = _statement(scope, key, max_features).compile(dialect=DOLLAR_DIALECT)
    parameters = tuple(
        (name, compiled.binds[name].type.compile(dialect=DOLLAR_DIALECT))
        for name in compiled.positiontup
    )
    digest = hashlib.blake2b(
        repr((compiled.string, parameters)).encode(), digest_size=8
    ).hexdigest()
    values = {k: v for k, v in compiled.params.items() if k not in TILE_PARAMETERS}
    return Prepared(f"gridsvc_incident_tile_{digest}", parameters, compiled.string), values


def _statement(scope: Scope, key: tuple, max_features: int):
    """The statement for one caller and filter set, z/x/y left as parameters (built once per
    caller and filter set: building it and its cache key took a third of a small tile's time,
    py-spy on bench/tiles.py)."""
    status, category, team, overdue_filter = key
    tz, tx, ty = (bindparam(name, type_=Integer) for name in ("tz", "tx", "ty"))
    box = func.ST_TileEnvelope(tz, tx, ty)
    with_margin = text("ST_TileEnvelope(:tz, :tx, :ty, margin => :margin)").bindparams(
        tz, tx, ty, margin=BUFFER / EXTENT
    )
    box4326 = func.ST_Transform(with_margin, 4326)
    open_case = Case.closed_at.is_(None)
    overdue = and_(open_case, Case.due_at < func.now()).is_(True)
    filters = {"status": list(status), "category": category, "team": team}
    filters["overdue"] = overdue_filter
    rows = (
        select(
            Incident.id,
            Incident.status,
            Incident.category_code.label("category"),
            func.coalesce(overdue, False).cast(Boolean).label("overdue"),
            func.to_char(
                func.timezone("UTC", Case.due_at), literal('YYYY-MM-DD"T"HH24:MI:SS"Z"')
            ).label("due_at"),
            func.ST_AsMVTGeom(
                func.ST_Transform(Incident.geom, 3857), box, EXTENT, BUFFER, True
            ).label("geom"),
        )
        .select_from(Incident)
        .outerjoin(Case, Case.incident_id == Incident.id)
        .where(Incident.geom.op("&&")(box4326), visible_incidents(scope))
        .where(_filters(filters, overdue))
        .order_by(Incident.id.desc())  # past the cap, the newest are the ones drawn
        .limit(max_features)
        .subquery("t")
    )
    return select(func.ST_AsMVT(literal_column("t"), "incidents", EXTENT, "geom")).where(
        rows.c.geom.is_not(None)
    )


def _filters(filters: dict, overdue):
    conditions = [true()]
    if filters.get("status"):
        # = ANY(array), not IN (…): one parameter, so the statement's text (and the prepared
        # statement) does not change with the number of statuses asked for.
        statuses = bindparam("statuses", list(filters["status"]), type_=ARRAY(String))
        conditions.append(Incident.status == any_(statuses))
    if filters.get("category"):
        conditions.append(Incident.category_code == filters["category"])
    if filters.get("team") is not None:
        conditions.append(Case.team_id == filters["team"])
    if filters.get("overdue") is not None:
        conditions.append(overdue if filters["overdue"] else ~func.coalesce(overdue, False))
    return and_(*conditions)
