"""Early warning (研判预警): where one kind of incident gathers, and the places that come back.

Two kinds of hotspot, per category, found with ``ST_ClusterDBSCAN`` on a metric projection (the
UTM zone of the county's reports, so ``eps`` is in metres wherever the county lies):

- ``cluster``: at least ``HOTSPOT_MIN_POINTS`` reports within ``HOTSPOT_EPS_M`` of each other in
  the last ``HOTSPOT_WINDOW_DAYS``;
- ``recurring``: one spot (``RECURRING_RADIUS_M``) reported on at least ``RECURRING_MIN_DAYS``
  different Beijing days in the last ``RECURRING_WINDOW_DAYS`` — the street market that is back
  the day after every clearance.

Confirmed duplicates are left out: they are the same event told twice, not the event coming back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import text

from gridsvc.extensions import db

DETECT_SQL = """
WITH recent AS (
    SELECT i.id, i.category_code, i.township_code, i.geom, i.received_at
    FROM incidents i
    WHERE i.county_code = :county AND i.received_at > :since AND i.received_at <= :now
      AND i.status <> 'duplicate'
      AND (CAST(:category AS text) IS NULL OR i.category_code = :category)
), zone AS (
    -- The UTM zone (northern hemisphere: China) of the reports' mean longitude.
    SELECT 32600 + floor((avg(ST_X(geom)) + 180) / 6)::int + 1 AS srid FROM recent
), projected AS (
    SELECT r.*, ST_Transform(r.geom, z.srid) AS xy FROM recent r, zone z
), clustered AS (
    SELECT p.*, ST_ClusterDBSCAN(p.xy, eps => :eps, minpoints => :minpoints)
               OVER (PARTITION BY p.category_code) AS cluster
    FROM projected p
), centres AS (
    SELECT category_code, cluster, centre,
           ST_X(ST_Transform(centre, 4326)) AS lon, ST_Y(ST_Transform(centre, 4326)) AS lat
    FROM (SELECT category_code, cluster, ST_Centroid(ST_Collect(xy)) AS centre
          FROM clustered WHERE cluster IS NOT NULL GROUP BY category_code, cluster) k
)
SELECT c.category_code,
       mode() WITHIN GROUP (ORDER BY c.township_code) AS township_code,
       k.lon, k.lat,
       max(ST_Distance(c.xy, k.centre)) AS radius_m,
       count(*) AS incidents,
       count(DISTINCT (c.received_at AT TIME ZONE 'Asia/Shanghai')::date) AS days,
       array_agg(c.id ORDER BY c.id) AS incident_ids,
       min(c.received_at) AS first_at, max(c.received_at) AS last_at
FROM clustered c JOIN centres k USING (category_code, cluster)
GROUP BY c.category_code, c.cluster, k.lon, k.lat
HAVING count(DISTINCT (c.received_at AT TIME ZONE 'Asia/Shanghai')::date) >= :min_days
ORDER BY c.category_code, min(c.id)
"""


@dataclass(frozen=True)
class Hotspot:
    kind: str
    category_code: str
    township_code: str | None
    lon: float
    lat: float
    radius_m: float
    incidents: int
    days: int
    incident_ids: tuple[int, ...]
    first_at: datetime
    last_at: datetime


def detect(county: str, now: datetime, category: str | None = None) -> list[Hotspot]:
    """The county's hotspots of both kinds at ``now``."""
    config = current_app.config
    kinds = (
        ("cluster", config["HOTSPOT_WINDOW_DAYS"], config["HOTSPOT_EPS_M"],
         config["HOTSPOT_MIN_POINTS"], 1),
        ("recurring", config["RECURRING_WINDOW_DAYS"], config["RECURRING_RADIUS_M"], 2,
         config["RECURRING_MIN_DAYS"]),
    )  # fmt: skip
    found = []
    for kind, days, eps, minpoints, min_days in kinds:
        rows = db.session.execute(
            text(DETECT_SQL),
            {"county": county, "since": now - timedelta(days=days), "now": now,
             "category": category, "eps": eps, "minpoints": minpoints, "min_days": min_days},
        ).all()  # fmt: skip
        found += [
            Hotspot(kind, r.category_code, r.township_code, r.lon, r.lat, round(r.radius_m, 1),
                    r.incidents, r.days, tuple(r.incident_ids), r.first_at, r.last_at)
            for r in rows
        ]  # fmt: skip
    return found
