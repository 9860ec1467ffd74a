"""The one statement that files a batch of new reports.

Per batch it locates nothing (the caller did, in process) but does everything else in one round
trip: expands the arrays, finds each report's nearest open incident of the same category within
the category's radius and time window (a degree box on the GiST index first, then the exact
geography distance), inserts the incidents with ``ON CONFLICT (reporter_id, client_id) DO
NOTHING`` so a replay or a concurrent twin creates nothing, and appends a ``reported`` event for
each row actually inserted. Rows lost to a conflict are simply absent from the result.

The statement is long and planning it costs more than running it for one report, so each
database connection PREPAREs it once and then only EXECUTEs it (:mod:`gridsvc.prepared`).
"""

from __future__ import annotations

from gridsvc.incidents.models import CLOSED_STATUSES
from gridsvc.prepared import Prepared

# Degrees per metre, generously: 1° of latitude is ≥ 110.5 km and 1° of longitude is
# 111.3 km·cos(lat), so r / (110 km·cos(lat)) degrees covers r metres in both directions.
_DEG_BOX = "c.duplicate_radius_m / (110000.0 * cos(radians(p.lat)))"

# (parameter, PostgreSQL type) in the order of the prepared statement's $1..$n.
PARAMETERS = (
    ("client_ids", "uuid[]"),
    ("hashes", "text[]"),
    ("categories", "text[]"),
    ("lons", "float8[]"),
    ("lats", "float8[]"),
    ("raw_lons", "float8[]"),
    ("raw_lats", "float8[]"),
    ("crss", "text[]"),
    ("accuracies", "float8[]"),
    ("reported", "timestamptz[]"),
    ("descriptions", "text[]"),
    ("addresses", "text[]"),
    ("counties", "text[]"),
    ("townships", "text[]"),
    ("villages", "text[]"),
    ("grids", "text[]"),
    ("generations", "int[]"),
    ("names", "jsonb[]"),
    ("outside", "bool[]"),
    ("routings", "jsonb[]"),
    ("reporter_id", "int"),
    ("source", "text"),
)
_ARRAYS = ", ".join(f"${i}" for i in range(1, 21))

INSERT_REPORTS_SQL = f"""
WITH n AS (
    SELECT * FROM unnest({_ARRAYS})
    WITH ORDINALITY AS t(client_id, request_hash, category, lon, lat, raw_lon, raw_lat, crs,
                         accuracy_m, reported_at, description, address, county_code,
                         township_code, village_code, grid_code, generation, place_names,
                         outside_own_grids, routing, ord)
),
p AS (
    SELECT n.*, ST_SetSRID(ST_MakePoint(n.lon, n.lat), 4326) AS geom FROM n
),
ins AS (
    INSERT INTO incidents (
        client_id, request_hash, category_code, status, geom, raw_lon, raw_lat, crs, accuracy_m,
        reported_at, description, address, county_code, township_code, village_code, grid_code,
        generation, place_names, outside_own_grids, probable_duplicate_of, duplicate_distance_m,
        routing, reporter_id, source)
    SELECT p.client_id, p.request_hash, p.category, 'reported', p.geom, p.raw_lon, p.raw_lat,
           p.crs, p.accuracy_m, p.reported_at, p.description, p.address, p.county_code,
           p.township_code, p.village_code, p.grid_code, p.generation, p.place_names,
           p.outside_own_grids, d.id, round(d.metres::numeric, 1)::float8, p.routing, $21, $22
    FROM p
    JOIN categories c ON c.code = p.category
    LEFT JOIN LATERAL (
        SELECT i.id, ST_Distance(i.geom::geography, p.geom::geography) AS metres
        FROM incidents i
        WHERE c.duplicate_radius_m > 0
          AND i.category_code = p.category
          AND i.status NOT IN {CLOSED_STATUSES!r}
          AND i.reported_at >= p.reported_at - make_interval(hours => c.duplicate_window_hours)
          AND i.reported_at <= p.reported_at + make_interval(hours => c.duplicate_window_hours)
          AND ST_DWithin(i.geom, p.geom, {_DEG_BOX})
          AND ST_DWithin(i.geom::geography, p.geom::geography, c.duplicate_radius_m)
        ORDER BY metres, i.id
        LIMIT 1
    ) d ON true
    ORDER BY p.ord
    ON CONFLICT (reporter_id, client_id) DO NOTHING
    RETURNING *
),
ev AS (
    INSERT INTO incident_events (incident_id, county_code, township_code, at, actor_id, action,
                                 to_status, data)
    SELECT ins.id, ins.county_code, ins.township_code, ins.received_at, ins.reporter_id,
           'reported', ins.status,
           jsonb_strip_nulls(jsonb_build_object(
               'source', ins.source, 'client_id', ins.client_id, 'crs', ins.crs,
               'grid', ins.grid_code, 'generation', ins.generation,
               'outside_own_grids', ins.outside_own_grids,
               'probable_duplicate_of', ins.probable_duplicate_of,
               'duplicate_distance_m', ins.duplicate_distance_m))
    FROM ins
)
SELECT * FROM ins
"""  # noqa: S608 (only module constants are interpolated)

FILE_REPORTS = Prepared("gridsvc_file_reports", PARAMETERS, INSERT_REPORTS_SQL)
