"""Build the locate index in a process of its own: ``python -m gridsvc.boundaries.index_build
LAYER FOLDER`` writes the arrays into ``FOLDER`` (one ``.npy`` each) and ``FOLDER/meta.json``
(the generation it was built at) last, every file fsynced.

A worker that rebuilds its index in a thread shares the GIL with its request threads, and they
wait for it after every socket and database call. lookup_index.py runs this instead
(``LOCATE_INDEX_BUILD=process``) and maps the finished arrays. The database address comes in the
environment (``GRIDSVC_INDEX_DATABASE_URL``), never on the command line; so does the niceness
(``GRIDSVC_INDEX_NICE``): on a host whose cores the request workers need, the build takes only
what they leave (measured in bench/publish.py).
"""

from __future__ import annotations

import json
import os
import sys

import sqlalchemy as sa
from sqlalchemy import text

from gridsvc.boundaries.packed_parts import pack_rows

DATABASE_ENV = "GRIDSVC_INDEX_DATABASE_URL"
NICE_ENV = "GRIDSVC_INDEX_NICE"
META = "meta.json"
CHUNK_ROWS = 1_000
NEWEST_SQL = text(
    "SELECT id, number FROM generations WHERE number = (SELECT max(number) FROM generations)"
)
PARTS_SQL = text(
    "SELECT ST_AsBinary(p.geom) AS wkb, a.id, a.level, a.code, a.name"
    " FROM area_parts p JOIN areas a ON a.id = p.area_id"
    " WHERE p.gen_to IS NULL AND p.layer IN ('admin', :layer)"
)


def build(url: str, layer: str, folder: str) -> dict:
    """Build from the database at ``url``, in one snapshot (the generation and its parts agree)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    os.makedirs(folder, exist_ok=True)
    try:
        with engine.connect().execution_options(
            isolation_level="REPEATABLE READ", stream_results=True
        ) as conn:
            newest = conn.execute(NEWEST_SQL).first()
            meta = {"id": None, "number": None}
            if newest is not None:
                result = conn.execute(PARTS_SQL, {"layer": layer})
                pack_rows(result.partitions(CHUNK_ROWS)).save(folder)
                meta = {"id": newest.id, "number": newest.number}
    finally:
        engine.dispose()
    meta["nice"] = os.nice(0)  # what the build ran at (tests check LOCATE_INDEX_NICE held)
    # Written last: a folder with its meta.json is whole (index_files.py renames it into place).
    with open(os.path.join(folder, META), "w") as meta_file:
        json.dump(meta, meta_file)
        meta_file.flush()
        os.fsync(meta_file.fileno())
    return meta


if __name__ == "__main__":
    os.nice(int(os.environ.get(NICE_ENV, "0")))
    build(os.environ[DATABASE_ENV], sys.argv[1], sys.argv[2])
