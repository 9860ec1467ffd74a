"""Reading incidents inside the caller's scope: one, a filtered page, and a worker's delta feed.

Visibility: township roles see their township, county roles their county, global roles all —
and everyone sees the reports they filed themselves (a worker may report in a neighbouring
township); a township team listed as a cooperating party (协办) of a case reads that incident
(routing says which, through the hand-off port). Anything else reads as 404.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, func, or_, select, text

from gridsvc.accounts import Scope, policy
from gridsvc.errors import NotFound
from gridsvc.extensions import db
from gridsvc.http import etag
from gridsvc.incidents.handoff import router
from gridsvc.incidents.models import Incident
from gridsvc.paging import clamp_limit, decode_cursor, encode_cursor, newest_first
from gridsvc.workers import assigned_grid_codes

# Who reads incidents at all (GIS staff work on boundaries, not cases): the list, one incident,
# and the maps room's incident tiles and features.
# Who reads incidents at all: one list, the policy's (every role but gis_staff).
INCIDENT_READERS = policy.INCIDENT_READERS


def visible(scope: Scope) -> ColumnElement[bool]:
    """SQL condition: incidents this caller may read."""
    area = scope.where(Incident.county_code, Incident.township_code)
    if scope.user_id is None:
        return area
    readable = [area, Incident.reporter_id == scope.user_id]
    if scope.township_code:  # county-wide roles see joint cases through their area already
        party = router().readable_as_party(scope)  # 协办: a cooperating team of another township
        if party is not None:
            readable.append(party)
    return or_(*readable)


def get_incident(scope: Scope, incident_id: int, *, for_update: bool = False) -> Incident:
    stmt = select(Incident).where(Incident.id == incident_id, visible(scope))
    if for_update:
        stmt = stmt.with_for_update()
    incident = db.session.scalar(stmt)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found", code="incident.not_found")
    return incident


def list_incidents(scope: Scope, args: dict) -> tuple[list[Incident], str | None]:
    """Newest first, keyset-paged on id (stable while new reports keep arriving)."""
    stmt = select(Incident).where(visible(scope))
    if args.get("status"):
        stmt = stmt.where(Incident.status.in_(args["status"]))
    if args.get("category"):
        stmt = stmt.where(Incident.category_code == args["category"])
    if args.get("county"):
        stmt = stmt.where(Incident.county_code == args["county"])
    if args.get("township"):
        stmt = stmt.where(Incident.township_code == args["township"])
    if args.get("grid"):
        stmt = stmt.where(Incident.grid_code == args["grid"])
    if args.get("bbox"):
        x0, y0, x1, y1 = args["bbox"]
        stmt = stmt.where(Incident.geom.op("&&")(func.ST_MakeEnvelope(x0, y0, x1, y1, 4326)))
    if args.get("updated_since"):
        stmt = stmt.where(Incident.updated_at >= args["updated_since"])
    if args.get("mine"):
        stmt = stmt.where(Incident.reporter_id == scope.user_id)
    if args.get("flagged"):
        stmt = stmt.where(Incident.probable_duplicate_of.is_not(None))
    return newest_first(stmt, Incident.id, args.get("cursor"), args.get("limit"))


# --- the delta feed ------------------------------------------------------------------------
#
# A sequence number alone cannot tell a phone "you have everything up to N": transaction A may
# take number 5, B number 6, and B commit first — a reader that saw 6 would skip 5 for ever.
# So every row also records the id of the transaction that last wrote it (``change_xid``), and
# the feed reads in windows of transaction ids: [lo, hi) where hi is the oldest transaction still
# running. Every transaction below hi has finished, so the window's rows are final; pages inside a
# window follow ``change_seq``; the next window starts at hi. A row changed again later gets a
# newer xid and comes round again with its new state. A long-running write anywhere in the
# cluster holds the feed back (never loses anything) until it ends.

HORIZON_SQL = text(
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,"
    " pg_current_xact_id_if_assigned()::text::bigint AS own"
)


def _horizon() -> int:
    row = db.session.execute(HORIZON_SQL).one()
    # A transaction that wrote rows itself sees them as final (only tests read after writing).
    return max(row.xmin, row.own + 1) if row.own is not None else row.xmin


def _feed_filter(scope: Scope) -> ColumnElement[bool]:
    """The incidents a caller's phone keeps offline: their grids (workers) or area, and their own."""
    mine = Incident.reporter_id == scope.user_id
    if scope.role == "grid_worker":
        grids = assigned_grid_codes(scope.user_id)
        patch = Incident.grid_code.in_(grids) if grids else false()
        return or_(patch, mine)
    return visible(scope)


def feed(scope: Scope, cursor: str | None, limit: int | None) -> dict:
    lo, hi, after = decode_cursor(cursor, int, int, int) if cursor else (0, 0, 0)
    if not hi:  # a new window: everything that finished since the last one
        hi = _horizon()
        after = 0
    size = clamp_limit(limit)
    stmt = (
        select(Incident)
        .where(
            _feed_filter(scope),
            Incident.change_xid >= lo,
            Incident.change_xid < hi,
            Incident.change_seq > after,
        )
        .order_by(Incident.change_seq)
        .limit(size + 1)
    )
    rows = list(db.session.scalars(stmt))
    if len(rows) > size:
        rows = rows[:size]
        return {
            "items": rows,
            "cursor": encode_cursor([lo, hi, rows[-1].change_seq]),
            "has_more": True,
        }
    return {"items": rows, "cursor": encode_cursor([hi, 0, 0]), "has_more": False}


def incident_etag(incident: Incident) -> str:
    """The ETag of an incident's current version (If-Match guards every update)."""
    return etag("incident", incident.id, incident.version)
