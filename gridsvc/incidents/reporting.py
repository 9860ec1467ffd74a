"""Filing reports, one or a hundred at a time, exactly once.

The same code serves ``POST /incidents`` (one item) and ``POST /sync`` (an offline batch): every
item is checked on its own and gets its own result — ``created``, ``replayed`` (this reporter sent
this ``client_id`` with this payload before; nothing new is made) or ``error`` (with a problem the
phone can show) — so one bad item never sinks the batch. The work per batch is constant in round
trips: one in-process locate for all points, one query for the worker's grids, and one SQL
statement that runs the duplicate search, the inserts and the audit events (``ingest_sql.py``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
from flask import current_app
from geoalchemy2.elements import WKBElement
from sqlalchemy import inspect, select
from sqlalchemy.orm import make_transient_to_detached

from gridsvc.accounts import Scope
from gridsvc.boundaries import queries
from gridsvc.caching import VersionedCache
from gridsvc.errors import DomainError, Invalid, NotFound, as_problem
from gridsvc.extensions import db
from gridsvc.geo.crs import BD09, CGCS2000, GCJ02, WGS84, normalize_crs, point_to_wgs84
from gridsvc.geo.errors import GeoInputError
from gridsvc.incidents import categories
from gridsvc.incidents.handoff import Filing, router
from gridsvc.incidents.ingest_sql import FILE_REPORTS
from gridsvc.incidents.models import Incident
from gridsvc.workers import assigned_grid_codes

DEVICE_CRS = (WGS84, CGCS2000, GCJ02, BD09)
LEVELS = ("county", "township", "village", "grid")


@dataclass
class ItemResult:
    """What happened to one submitted report."""

    index: int
    client_id: uuid.UUID | None
    result: str = "error"  # created | replayed | error
    incident: Incident | None = None
    error: Exception | None = None

    @property
    def problem(self) -> dict | None:
        return as_problem(self.error) if self.error is not None else None


@dataclass
class _Prepared:
    index: int
    client_id: uuid.UUID
    request_hash: str
    category: str
    lon: float
    lat: float
    raw_lon: float
    raw_lat: float
    crs: str
    accuracy_m: float | None
    reported_at: datetime
    description: str | None
    address: str | None
    location: dict = field(default_factory=dict)
    outside_own_grids: bool = False
    resolved_on_site: bool = False


def fingerprint(item: dict) -> str:
    """sha256 of a report's content in a canonical form: what "the same payload" means.

    Times are compared as instants (``+08:00`` and ``Z`` spellings agree), the crs by its
    normalised name; fields the client left out count as null.
    """
    reported = item.get("reported_at")
    if isinstance(reported, datetime):
        reported = _aware(reported).astimezone(UTC).isoformat()
    try:
        crs = normalize_crs(item.get("crs")) or WGS84
    except GeoInputError:
        crs = str(item.get("crs"))
    coords = item.get("location", {}).get("coordinates", [])
    canonical = {
        "category": item.get("category"),
        "coordinates": [float(c) for c in coords[:2]],
        "crs": crs,
        "accuracy_m": item.get("accuracy_m"),
        "reported_at": reported,
        "description": item.get("description"),
        "address": item.get("address"),
    }
    if item.get("resolved_on_site"):  # only when set, so earlier reports keep their fingerprint
        canonical["resolved_on_site"] = True
    return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _aware(moment: datetime) -> datetime:
    # Phones that send local time without an offset are in China: read it as Beijing time.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=ZoneInfo(current_app.config["DISPLAY_TZ"]))
    return moment


def _check_time(reported_at: datetime | None, now: datetime) -> datetime:
    if reported_at is None:
        return now
    reported_at = _aware(reported_at)
    ahead = timedelta(minutes=current_app.config["INCIDENT_MAX_FUTURE_MINUTES"])
    if reported_at > now + ahead:
        raise Invalid(
            f"reported_at lies more than {ahead} in the future; check the phone's clock.",
            code="incident.reported_at_future",
            errors={"reported_at": ["in the future"]},
            server_time=now.isoformat(),
        )
    max_age = timedelta(days=current_app.config["INCIDENT_MAX_AGE_DAYS"])
    if reported_at < now - max_age:
        raise Invalid(
            f"reported_at is older than {max_age.days} days; such reports are no longer accepted.",
            code="incident.reported_at_too_old",
            errors={"reported_at": ["too old"]},
        )
    return reported_at


def _prepare(index: int, item: dict, client_id: uuid.UUID, digest: str, now: datetime):
    """Everything about one report that needs no database: category, crs, coordinates, time."""
    categories.rule_for(item["category"])
    crs = normalize_crs(item.get("crs")) or WGS84
    if crs not in DEVICE_CRS:
        raise Invalid(
            f"crs {crs} is not a device coordinate system; use one of {', '.join(DEVICE_CRS)}.",
            code="crs.unsupported",
            errors={"crs": [f"one of {', '.join(DEVICE_CRS)}"]},
        )
    raw_lon, raw_lat = (float(c) for c in item["location"]["coordinates"][:2])
    lon, lat = point_to_wgs84(raw_lon, raw_lat, crs)
    return _Prepared(
        index=index,
        client_id=client_id,
        request_hash=digest,
        category=item["category"],
        lon=lon,
        lat=lat,
        raw_lon=raw_lon,
        raw_lat=raw_lat,
        crs=crs,
        accuracy_m=item.get("accuracy_m"),
        reported_at=_check_time(item.get("reported_at"), now),
        description=item.get("description"),
        address=item.get("address"),
        resolved_on_site=bool(item.get("resolved_on_site")),
    )


def _check_on_site(reporter: Scope, prepared: list[_Prepared], results: list[ItemResult]):
    """Drop (as errors) on-the-spot reports the reporter or the county's list does not allow."""
    kept = []
    for p in prepared:
        if not p.resolved_on_site:
            kept.append(p)
        elif reporter.role != "grid_worker":
            results[p.index].error = Invalid(
                "Only a grid worker reports a fix on the spot (resolved_on_site).",
                code="incident.on_site_grid_worker_only",
                errors={"resolved_on_site": ["grid workers only"]},
            )
        elif not router().fixable_on_site(p.location["county"]["code"], p.category):
            results[p.index].error = Invalid(
                f"The responsibility list does not mark category {p.category} as fixable "
                "on the spot; report it without resolved_on_site.",
                code="incident.not_fixable_on_site",
                errors={"resolved_on_site": ["category not fixable on the spot"]},
                category=p.category,
            )
        else:
            kept.append(p)
    return kept


def _outside(lon: float, lat: float, detail: str, nearest: dict | None = None) -> Invalid:
    """422 with the nearest grid or county (which locate's 404 works out)."""
    if nearest is None:
        try:
            queries.locate(lon, lat, number=None)
        except NotFound as exc:
            nearest = exc.extra.get("nearest")
    return Invalid(
        detail, code="incident.outside_jurisdiction", nearest=nearest, location=[lon, lat]
    )


OUTSIDE_COVERAGE = "The location lies outside every county this service covers."


def _locate(reporter: Scope, prepared: list[_Prepared], results: list[ItemResult]) -> list:
    """Locate every point in the boundaries in force; drop (as errors) those outside."""
    if len(prepared) == 1:
        # One report: locate() answers from the warm index or the GiST table and never makes
        # a phone wait for an index build (locate_many builds it when it is missing).
        p = prepared[0]
        try:
            found = [queries.locate(p.lon, p.lat, number=None)]
        except NotFound as exc:
            results[p.index].error = _outside(
                p.lon, p.lat, OUTSIDE_COVERAGE, exc.extra.get("nearest")
            )
            return []
    else:
        found = queries.locate_many([(p.lon, p.lat) for p in prepared], number=None)
    kept = []
    for p, location in zip(prepared, found, strict=True):
        county = location["county"]
        if county is None:
            results[p.index].error = _outside(p.lon, p.lat, OUTSIDE_COVERAGE)
        elif reporter.county_code and county["code"] != reporter.county_code:
            results[p.index].error = _outside(
                p.lon, p.lat, f"The location lies outside your county ({reporter.county_code})."
            )
        else:
            p.location = location
            kept.append(p)
    return kept


# user id -> grid codes. A worker files many reports in a row; their grids change rarely.
_own_grids_cache: VersionedCache[set[str]] = VersionedCache("assignments", max_entries=50_000)


def _own_grids(user_id: int) -> set[str]:
    return _own_grids_cache.get(user_id, lambda: assigned_grid_codes(user_id))


def _flag_own_grids(reporter: Scope, prepared: list[_Prepared]) -> None:
    """Accept reports from anywhere in the county, but flag those outside the reporter's patch."""
    if not prepared:
        return
    if reporter.role == "grid_worker":
        own = _own_grids(reporter.user_id)
        for p in prepared:
            grid = p.location["grid"]
            p.outside_own_grids = grid is None or grid["code"] not in own
    elif reporter.township_code:
        for p in prepared:
            township = p.location["township"]
            p.outside_own_grids = township is None or township["code"] != reporter.township_code


def _code(location: dict, level: str) -> str | None:
    return location[level]["code"] if location[level] else None


def _insert(reporter: Scope, prepared: list[_Prepared], source: str) -> list[Incident]:
    if not prepared:
        return []
    names = [
        orjson.dumps({lvl: p.location[lvl]["name"] for lvl in LEVELS if p.location[lvl]}).decode()
        for p in prepared
    ]
    params = {
        "client_ids": [str(p.client_id) for p in prepared],
        "hashes": [p.request_hash for p in prepared],
        "categories": [p.category for p in prepared],
        "lons": [p.lon for p in prepared],
        "lats": [p.lat for p in prepared],
        "raw_lons": [p.raw_lon for p in prepared],
        "raw_lats": [p.raw_lat for p in prepared],
        "crss": [p.crs for p in prepared],
        "accuracies": [p.accuracy_m for p in prepared],
        "reported": [p.reported_at for p in prepared],
        "descriptions": [p.description for p in prepared],
        "addresses": [p.address for p in prepared],
        "counties": [_code(p.location, "county") for p in prepared],
        "townships": [_code(p.location, "township") for p in prepared],
        "villages": [_code(p.location, "village") for p in prepared],
        "grids": [_code(p.location, "grid") for p in prepared],
        "generations": [p.location["generation"] for p in prepared],
        "names": names,
        "outside": [p.outside_own_grids for p in prepared],
        "routings": _routings(prepared),
        "reporter_id": reporter.user_id,
        "source": source,
    }
    return _file(params)


def _routings(prepared: list[_Prepared]) -> list[str | None]:
    """What the router decides for each report (stored at insert), as JSON."""
    filings = [
        Filing(
            p.category,
            _code(p.location, "county"),
            _code(p.location, "township"),
            _code(p.location, "village"),
            _code(p.location, "grid"),
            p.lon,
            p.lat,
            (p.location["township"] or {}).get("name"),
            p.resolved_on_site,
        )
        for p in prepared
    ]
    return [orjson.dumps(d).decode() for d in router().decide(filings)]


def _file(params: dict) -> list[Incident]:
    """Run the filing statement and attach the rows.

    Each returned row becomes a clean, session-bound Incident without a second query, so
    the router's ``open_cases`` can change it and the change is flushed with the commit.
    This is a third of the cost of letting the ORM load the rows, which matters for one report
    per request.
    """
    names, rows = FILE_REPORTS.run(params)
    return [_attach(dict(zip(names, row, strict=True))) for row in rows]


_COLUMN_KEYS = tuple(attr.key for attr in Incident.__mapper__.column_attrs)


def _attach(values: dict) -> Incident:
    """A persistent, unmodified Incident from a RETURNING row (what a SELECT would have loaded)."""
    if isinstance(values["client_id"], str):
        values["client_id"] = uuid.UUID(values["client_id"])
    values["geom"] = WKBElement(values["geom"], srid=4326, extended=True)
    incident = Incident.__mapper__.class_manager.new_instance()
    # Loaded state, as a query's row loader would set it; make_transient_to_detached then marks
    # it committed (no history) and gives it its identity key.
    inspect(incident).dict.update({key: values[key] for key in _COLUMN_KEYS})
    make_transient_to_detached(incident)
    db.session.add(incident)
    return incident


def _existing(reporter_id: int, client_ids: list[uuid.UUID]) -> dict[uuid.UUID, Incident]:
    if not client_ids:
        return {}
    rows = db.session.scalars(
        select(Incident).where(
            Incident.reporter_id == reporter_id, Incident.client_id.in_(client_ids)
        )
    )
    return {row.client_id: row for row in rows}


def _reused(client_id: uuid.UUID) -> Invalid:
    return Invalid(
        f"client_id {client_id} was already used for a different report; "
        "generate a new UUID for a new report.",
        code="incident.client_id_reused",
        errors={"client_id": ["already used for a different report"]},
    )


def _settle(result: ItemResult, winner: Incident, digest: str) -> None:
    """An earlier report with this client_id exists: replay it, or refuse a changed payload."""
    if winner.request_hash == digest:
        result.result, result.incident, result.error = "replayed", winner, None
    else:
        result.result, result.incident, result.error = "error", None, _reused(winner.client_id)


def report(reporter: Scope, items: list[dict], source: str) -> list[ItemResult]:
    """File ``items`` (already shaped by ``IncidentIn``) for ``reporter``; one result each.

    Runs inside the caller's transaction and does not commit. Hands the incidents this call
    created to the router once (``open_cases``).
    """
    now = datetime.now(UTC)
    results = [ItemResult(i, item.get("client_id")) for i, item in enumerate(items)]
    digests = [fingerprint(item) for item in items]
    prepared: list[_Prepared] = []
    first_seen: dict[uuid.UUID, int] = {}
    for i, item in enumerate(items):
        client_id = item.get("client_id") or uuid.uuid4()  # no id: no retry safety, but accepted
        results[i].client_id = client_id
        if client_id in first_seen:  # the same report twice in one batch
            results[i].error = _reused(client_id)
            results[i].result = "pending_twin"
            continue
        first_seen[client_id] = i
        try:
            prepared.append(_prepare(i, item, client_id, digests[i], now))
        except (DomainError, GeoInputError) as exc:
            results[i].error = exc
    prepared = _locate(reporter, prepared, results) if prepared else []
    prepared = _check_on_site(reporter, prepared, results)
    _flag_own_grids(reporter, prepared)
    created = {row.client_id: row for row in _insert(reporter, prepared, source)}
    for p in prepared:
        if p.client_id in created:
            results[p.index].result, results[p.index].incident = "created", created[p.client_id]
    # Everything not created may be a replay of an earlier report (even one that would fail the
    # checks today, e.g. sent 31 days ago or before a boundary change): look the ids up once.
    unsettled = [r for r in results if r.result != "created" and r.result != "pending_twin"]
    known = _existing(reporter.user_id, [r.client_id for r in unsettled])
    for r in unsettled:
        if r.client_id in known:
            _settle(r, known[r.client_id], digests[r.index])
    for r in results:
        if r.result == "pending_twin":
            first = results[first_seen[r.client_id]]
            r.result = "error"  # a changed payload keeps the client_id_reused error
            if digests[first.index] == digests[r.index]:
                if first.incident is not None:
                    r.result, r.incident, r.error = "replayed", first.incident, None
                else:
                    r.error = first.error
    if created:
        router().open_cases(list(created.values()))
    return results
