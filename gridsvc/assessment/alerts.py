"""Hotspot alerts: a new hotspot is told once, to the township's team and the county desk.

The sweep (beat task ``assessment.hotspot_sweep``) matches each hotspot found now with the alerts
still open — same county, category and kind, within the larger of the two radii and the
clustering distance — and only a hotspot nobody has been told about raises an alert: an inbox line
to the leads of the township's team and the county's dispatchers, and a ``hotspot.raised`` webhook
delivery. An open alert whose hotspot is no longer found ends; should the place flare up again
later, that is a new alert.
"""

from __future__ import annotations

from datetime import UTC, datetime
from math import asin, cos, radians, sin, sqrt

from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from gridsvc.assessment.hotspots import Hotspot, detect
from gridsvc.assessment.models import HotspotAlert
from gridsvc.extensions import db
from gridsvc.incidents import Category
from gridsvc.routing import Notice, Team, notify_many, recipients

KIND_ZH = {"cluster": "聚集高发", "recurring": "反复出现"}


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Metres between two WGS 84 points (haversine: ample for distances of tens of metres)."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * asin(sqrt(a))


def _reach(kind: str) -> float:
    config = current_app.config
    return config["HOTSPOT_EPS_M"] if kind == "cluster" else config["RECURRING_RADIUS_M"]


def _open(county: str):
    return (
        select(HotspotAlert)
        .where(HotspotAlert.county_code == county, HotspotAlert.ended_at.is_(None))
        .order_by(HotspotAlert.id)
    )


def open_alerts(county: str) -> list[HotspotAlert]:
    """For the sweep: locked, so two sweeps never raise the same hotspot twice."""
    return list(db.session.scalars(_open(county).with_for_update()))


def open_alerts_read(county: str) -> list[HotspotAlert]:
    return list(db.session.scalars(_open(county)))


def match(alerts: list[HotspotAlert], spot: Hotspot) -> HotspotAlert | None:
    for alert in alerts:
        if (alert.category_code, alert.kind) != (spot.category_code, spot.kind):
            continue
        point = to_shape(alert.geom)
        reach = max(_reach(spot.kind), alert.radius_m, spot.radius_m)
        if geodesic_m(point.x, point.y, spot.lon, spot.lat) <= reach:
            return alert
    return None


def sweep(county: str, now: datetime | None = None) -> dict:
    """Raise, refresh and end the county's hotspot alerts; the caller commits."""
    now = now or datetime.now(UTC)
    alerts = open_alerts(county)
    seen: set[int] = set()
    raised: list[HotspotAlert] = []
    for spot in detect(county, now):
        alert = match([a for a in alerts if a.id not in seen], spot)
        if alert is None:
            alert = HotspotAlert(county_code=county, kind=spot.kind,
                                 category_code=spot.category_code, first_seen_at=now)  # fmt: skip
            db.session.add(alert)
            raised.append(alert)
        alert.township_code = spot.township_code
        alert.geom = f"SRID=4326;POINT({spot.lon} {spot.lat})"
        alert.radius_m, alert.incident_count = spot.radius_m, spot.incidents
        alert.incident_ids, alert.last_seen_at = list(spot.incident_ids), now
        db.session.flush()
        seen.add(alert.id)
    ended = [a for a in alerts if a.id not in seen]
    for alert in ended:
        alert.ended_at = now
    if raised:
        _announce(county, raised)
    db.session.flush()
    return {"raised": len(raised), "open": len(seen), "ended": len(ended)}


def _announce(county: str, raised: list[HotspotAlert]) -> None:
    townships = {a.township_code for a in raised}
    teams = {
        t.township_code: t.id
        for t in db.session.scalars(
            select(Team).where(
                Team.county_code == county,
                Team.kind == "township_team",
                Team.township_code.in_(townships),
                Team.active,
            )
        )
    }
    people = recipients.lookup(teams.values(), [county])
    names = dict(db.session.execute(select(Category.code, Category.name_zh)).all())
    notify_many(
        [
            Notice(
                "hotspot.raised",
                county,
                tuple(people.leads(teams.get(a.township_code)) + people.dispatchers(county)),
                f"研判预警：{names.get(a.category_code, a.category_code)}"
                f"{KIND_ZH[a.kind]}（{a.incident_count}起）",
                f"hotspot:{a.id}",
                body=f"半径约{a.radius_m:.0f}米，涉及案件：{', '.join(map(str, a.incident_ids))}",
                team_id=teams.get(a.township_code),
                data={
                    "alert_id": a.id,
                    "kind": a.kind,
                    "category": a.category_code,
                    "township_code": a.township_code,
                    "incidents": a.incident_count,
                },
            )
            for a in raised
        ]
    )
