"""A Parquet copy of one monthly ``track_points`` partition, written before retention drops it.

One file per month (``track_points_p202511.parquet``), zstd-compressed, with the point as
lon/lat doubles beside the other columns, so pandas, DuckDB, GDAL (1.0 of GeoParquet aside) or a
later re-import read it without PostGIS. Rows are streamed from a server-side cursor in chunks,
so a 3-billion-row province month never sits in memory. The file is written under a temporary
name and renamed, so a crash leaves no half file under the final name.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gridsvc.extensions import db
from gridsvc.workers.partitions import PARENT

CHUNK_ROWS = 200_000
SCHEMA = pa.schema(
    [
        ("user_id", pa.int32()),
        ("t", pa.timestamp("us", tz="UTC")),
        ("county_code", pa.string()),
        ("township_code", pa.string()),
        ("lon", pa.float64()),
        ("lat", pa.float64()),
        ("accuracy_m", pa.float64()),
        ("speed_mps", pa.float64()),
        ("implausible_speed", pa.bool_()),
        ("poor_accuracy", pa.bool_()),
        ("grid_code", pa.string()),
        ("received_at", pa.timestamp("us", tz="UTC")),
    ]
)


def archive_partition(name: str, directory: str) -> Path:
    """Write partition ``name`` (a catalogue name, never input) to ``directory``; its path."""
    if not name.startswith(f"{PARENT}_p"):
        raise ValueError(f"not a track partition: {name}")
    target = Path(directory) / f"{name}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".parquet.partial")
    raw = db.session.connection().connection
    cursor = raw.cursor(name=f"archive_{name}")  # server-side: streamed, not loaded at once
    cursor.itersize = CHUNK_ROWS
    cursor.execute(
        "SELECT user_id, t, county_code, township_code, ST_X(geom), ST_Y(geom), accuracy_m,"  # noqa: S608
        " speed_mps, implausible_speed, poor_accuracy, grid_code, received_at"
        f" FROM {name} ORDER BY user_id, t"
    )
    try:
        with pq.ParquetWriter(partial, SCHEMA, compression="zstd") as writer:
            while rows := cursor.fetchmany(CHUNK_ROWS):
                columns = list(zip(*rows, strict=True))
                writer.write_table(pa.table(columns, schema=SCHEMA))
    finally:
        cursor.close()
    os.replace(partial, target)
    return target
