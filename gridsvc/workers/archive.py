"""A Parquet copy of one monthly ``track_points`` partition, written before retention drops it.

One file per month (``track_points_p202511.parquet``), zstd-compressed (~29 bytes a point, against
~207 in PostgreSQL with its indexes), with the point as lon/lat doubles beside the other columns,
so pandas, DuckDB, GDAL or a later re-import read it without PostGIS. The month leaves the server
by one ``COPY … TO STDOUT (FORMAT csv)`` into a pipe, read as it flows by Arrow's C++ CSV reader
and written batch by batch: memory stays bounded and a row never becomes Python objects (fetching
rows through the driver made the first version 20 times slower than the server). Written under a
temporary name and renamed, so a crash leaves no half file under the final name.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gridsvc.extensions import db
from gridsvc.workers.partitions import PARENT

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
# Times leave the server as integer microseconds (exact: extract(epoch …) is numeric).
SELECT = (
    "SELECT user_id, CAST(extract(epoch FROM t) * 1000000 AS bigint), county_code,"
    " township_code, ST_X(geom), ST_Y(geom), accuracy_m, speed_mps, implausible_speed,"
    " poor_accuracy, grid_code, CAST(extract(epoch FROM received_at) * 1000000 AS bigint)"
    " FROM {name} ORDER BY user_id, t"
)
_AS_READ = pa.schema(
    [pa.field(f.name, pa.int64()) if pa.types.is_timestamp(f.type) else f for f in SCHEMA]
)
READ = pacsv.ReadOptions(column_names=SCHEMA.names)
CONVERT = pacsv.ConvertOptions(
    column_types=_AS_READ,
    true_values=["t"],
    false_values=["f"],
    null_values=[""],  # COPY's CSV NULL; an empty string would be quoted
    strings_can_be_null=True,
    quoted_strings_can_be_null=False,
)


def archive_partition(name: str, directory: str) -> Path:
    """Write partition ``name`` (a catalogue name, never input) to ``directory``; its path."""
    if not name.startswith(f"{PARENT}_p") or not name[-6:].isdigit():
        raise ValueError(f"not a track partition: {name}")
    target = Path(directory) / f"{name}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".parquet.partial")
    cursor = db.session.connection().connection.cursor()
    read_end, write_end = os.pipe()
    failed: list[BaseException] = []

    def produce() -> None:
        with open(write_end, "wb") as sink:
            try:
                cursor.copy_expert(
                    f"COPY ({SELECT.format(name=name)}) TO STDOUT (FORMAT csv)", sink
                )
            except BaseException as exc:  # noqa: BLE001  (re-raised by the caller's thread)
                failed.append(exc)

    producer = threading.Thread(target=produce, name=f"archive-{name}")
    producer.start()
    try:
        with (
            open(read_end, "rb") as source,
            pq.ParquetWriter(partial, SCHEMA, compression="zstd") as writer,
        ):
            reader = pacsv.open_csv(source, read_options=READ, convert_options=CONVERT)
            for batch in reader:
                writer.write_table(pa.Table.from_batches([batch]).cast(SCHEMA))
    finally:
        producer.join()  # the read end is closed: a producer still writing stops (broken pipe)
    if failed:
        partial.unlink(missing_ok=True)
        raise failed[0]
    os.replace(partial, target)
    return target
