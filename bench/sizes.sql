-- Table sizes per row for docs/SCALING.md: run on a bench database after bench/edge.py
-- (psql <BENCH>_ingest -f bench/sizes.sql). The track-point partition is a scratch one, dropped at the end.
\timing on
SELECT 'incidents' AS t, count(*) AS n, pg_total_relation_size('incidents') AS bytes, round(pg_total_relation_size('incidents')::numeric / count(*)) AS per_row FROM incidents
UNION ALL SELECT 'incident_events', count(*), pg_total_relation_size('incident_events'), round(pg_total_relation_size('incident_events')::numeric / count(*)) FROM incident_events
UNION ALL SELECT 'cases', count(*), pg_total_relation_size('cases'), round(pg_total_relation_size('cases')::numeric / count(*)) FROM cases;
CREATE TABLE track_points_p209901 PARTITION OF track_points FOR VALUES FROM ('2099-01-01') TO ('2099-02-01');
INSERT INTO track_points (user_id, t, county_code, township_code, geom, accuracy_m, speed_mps, grid_code)
SELECT 1 + (i % 5000), timestamptz '2099-01-01' + (i / 5000) * interval '30 seconds', '430101', '430101001',
       ST_SetSRID(ST_MakePoint(112.7 + random() * 0.25, 27.8 + random() * 0.25), 4326), 8, 1.2, '430101001001001'
FROM generate_series(0, 499999) AS i;
SELECT 'track_points' AS t, count(*) AS n, pg_total_relation_size('track_points_p209901') AS bytes, round(pg_total_relation_size('track_points_p209901')::numeric / count(*)) AS per_row FROM track_points_p209901;
DROP TABLE track_points_p209901;
