"""A batch of track rows in PostgreSQL's binary ``COPY`` format, built with numpy.

The text format (:func:`gridsvc.workers.track_writes.rows_text`) costs Python a ``repr`` per
float, a string per timestamp and per hex point, and costs the server parsing all of them back
(timestamps, floats, hex EWKB) on the 2 cores it shares with the workers. In binary every field
is its own bytes already: big-endian integers and floats, the instant as microseconds since
2000-01-01, the point as the EWKB PostGIS's ``geometry_recv`` reads. The stored rows are the same
(tests/workers/test_track_binary.py compares both formats' rows column by column).

Rows differ in layout only by which of accuracy and speed are NULL and by the grid code (NULL or
its length), so the rows of each layout are one numpy structured array; the rows are then put
back in input order.
"""

from __future__ import annotations

import numpy as np

from gridsvc.workers.track_writes import EWKB_POINT

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"  # a field count of -1
FIELDS = 10  # track_writes.COLUMNS
PG_EPOCH_US = 946_684_800 * 10**6  # 2000-01-01 UTC in microseconds since 1970
NULL_LENGTH = -1


def _layout(county: bytes, township: bytes, acc: bool, speed: bool, grid: bytes | None):
    """The structured dtype of one row layout and each field's length word (-1: NULL)."""
    fields: list[tuple] = [("count", ">i2")]
    lengths: dict[str, int] = {}
    for name, dtype, size in (
        ("user", ">i4", 4),
        ("t", ">i8", 8),
        ("county", f"S{len(county)}", len(county)),
        ("township", f"S{len(township)}", len(township)),
        ("geom", EWKB_POINT, EWKB_POINT.itemsize),
        ("acc", ">f8", 8 if acc else NULL_LENGTH),
        ("speed", ">f8", 8 if speed else NULL_LENGTH),
        ("jump", "u1", 1),
        ("poor", "u1", 1),
        ("grid", f"S{len(grid or b'')}", NULL_LENGTH if grid is None else len(grid)),
    ):
        fields.append((f"n_{name}", ">i4"))
        lengths[f"n_{name}"] = size
        if size > 0:  # NULL and the empty string carry no data
            fields.append((name, dtype))
    return np.dtype(fields), lengths


def rows_binary(principal, lon, lat, acc, speed, jump, poor, grids, secs) -> bytes:
    """The rows of :func:`~gridsvc.workers.track_writes.rows_text` (same arguments, ``secs``:
    the instants as epoch seconds) as one binary COPY stream."""
    n = len(secs)
    county = principal.county_code.encode()
    township = principal.township_code.encode()
    # As utc_text: the microsecond count, recovered exactly from the epoch seconds.
    micros = np.rint(np.asarray(secs, dtype=float) * 1e6).astype(np.int64) - PG_EPOCH_US
    has_acc, has_speed = ~np.isnan(acc), ~np.isnan(speed)
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(
        zip(has_acc.tolist(), has_speed.tolist(), [(c or None) for c in grids], strict=True)
    ):
        groups.setdefault(key, []).append(i)
    rows: list[bytes] = [b""] * n
    for (with_acc, with_speed, code), members in groups.items():
        grid = None if code is None else code.encode()
        dtype, lengths = _layout(county, township, with_acc, with_speed, grid)
        take = np.asarray(members, dtype=np.int64)
        out = np.zeros(len(members), dtype=dtype)
        out["count"] = FIELDS
        for name, size in lengths.items():
            out[name] = size
        out["user"] = principal.id
        out["t"] = micros[take]
        if county:
            out["county"] = county
        if township:
            out["township"] = township
        out["geom"]["order"], out["geom"]["type"], out["geom"]["srid"] = 1, 0x2000_0001, 4326
        out["geom"]["x"], out["geom"]["y"] = lon[take], lat[take]
        if with_acc:
            out["acc"] = acc[take]
        if with_speed:
            out["speed"] = speed[take]
        out["jump"], out["poor"] = jump[take], poor[take]
        if grid:
            out["grid"] = grid
        data, width = out.tobytes(), dtype.itemsize
        for k, i in enumerate(members):
            rows[i] = data[k * width : (k + 1) * width]
    return b"".join([HEADER, *rows, TRAILER])
