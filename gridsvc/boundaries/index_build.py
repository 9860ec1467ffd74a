"""Build the locate index in a process of its own: ``python -m gridsvc.boundaries.index_build
LAYER OUT`` writes ``OUT`` (the arrays, .npz) and ``OUT.json`` (the generation it was built at).

A worker that rebuilds its index in a thread shares the GIL with its request threads, and they
wait for it after every socket and database call. lookup_index.py runs this instead
(``LOCATE_INDEX_BUILD=process``) and only reads the finished arrays. The database address comes
in the environment (``GRIDSVC_INDEX_DATABASE_URL``), never on the command line.
"""

from __future__ import annotations

import json
import os
import sys

import sqlalchemy as sa
from sqlalchemy import text

from gridsvc.boundaries.packed_parts import pack_rows

DATABASE_ENV = "GRIDSVC_INDEX_DATABASE_URL"
CHUNK_ROWS = 1_000
NEWEST_SQL = text(
    "SELECT id, number FROM generations WHERE number = (SELECT max(number) FROM generations)"
)
PARTS_SQL = text(
    "SELECT ST_AsBinary(p.geom) AS wkb, a.id, a.level, a.code, a.name"
    " FROM area_parts p JOIN areas a ON a.id = p.area_id"
    " WHERE p.gen_to IS NULL AND p.layer IN ('admin', :layer)"
)


def build(url: str, layer: str, out: str) -> dict:
    """Build from the database at ``url``, in one snapshot (the generation and its parts agree)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect().execution_options(
            isolation_level="REPEATABLE READ", stream_results=True
        ) as conn:
            newest = conn.execute(NEWEST_SQL).first()
            meta = {"id": None, "number": None}
            if newest is not None:
                result = conn.execute(PARTS_SQL, {"layer": layer})
                pack_rows(result.partitions(CHUNK_ROWS)).save(out)
                meta = {"id": newest.id, "number": newest.number}
    finally:
        engine.dispose()
    with open(out + ".json", "w") as meta_file:
        json.dump(meta, meta_file)
    return meta


if __name__ == "__main__":
    build(os.environ[DATABASE_ENV], sys.argv[1], sys.argv[2])
