"""The connection a tile is rendered on: one database round trip per uncached tile.

A tile is one read-only statement. On the request's session it cost three round trips: psycopg2's
``BEGIN``, the statement, and the ``ROLLBACK`` that ends the session (incidents a fourth, their
``SET LOCAL``): ~1 ms of a 0.3 ms tile at z16 (bench/tiles.py). So tiles render on a small pool of
their own, per process:

* **autocommit**: the statement is its own transaction, no ``BEGIN``/``ROLLBACK``. It only reads,
  so nothing is left half done; it sees what is committed, as the request's own snapshot would.
* **settings once per connection**, as connect options: ``plan_cache_mode`` (the prepared boundary
  statement keeps its generic plan, gridsvc/prepared.py) and no parallel plans (a parallel seq
  scan took 30-800 ms where the GiST index takes 1-10 ms, gridsvc/maps/incident_tiles.py), and
  ``random_page_cost`` as for data in memory or on SSD (1.1, not the spinning-disk 4): at 4 the
  incidents statement's custom plan joined a z14 tile's ~750 incidents to their cases by a seq
  scan of every case (hash join, 2-3x the time of ~750 index probes; the raw side's generic plan
  probes, EXPLAIN ANALYZE on bench/tiles.py's 100,000 cases). Only tiles run on these
  connections, so the settings touch nothing else.
* **the app engine's connect options too**: its ``connect_args`` (``application_name`` …) and
  its libpq ``options``, the web statement timeout among them (gridsvc/dblimits.py), merged
  before the tile settings above; ``pool_pre_ping`` as the app's. ``TILE_POOL_SIZE`` connections
  (and as many overflow) per process.
* **no reset on return**: SQLAlchemy's pool rolls back at checkin; with nothing open that is
  only psycopg2's no-op, but ``None`` says there is nothing to reset.

A session already bound to a connection of its own (a caller's open transaction: the test
harness binds one per test) renders inside it, as before, so it sees that transaction's rows.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import Connection, Engine, create_engine, text

from gridsvc.dblimits import merge_options
from gridsvc.extensions import db

NO_PARALLEL = text("SET LOCAL max_parallel_workers_per_gather = 0")
CONNECT_OPTIONS = (
    "-c plan_cache_mode=force_generic_plan -c max_parallel_workers_per_gather=0"
    " -c random_page_cost=1.1"
)

# Keyed by the app's own engine (held, so never garbage-collected and its id never reused):
# two apps of one process (tests build several) each get a pool with their own options.
_engines: dict[tuple[int, Engine], Engine] = {}
_lock = threading.Lock()


def tile_engine() -> Engine:
    """This process's autocommit pool for tiles (made after a fork: one per worker)."""
    app_engine = db.engine
    key = (os.getpid(), app_engine)
    engine = _engines.get(key)
    if engine is None:
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                options = tile_engine_options(current_app.config)
                engine = create_engine(app_engine.url, **options)
                _engines[key] = engine
    return engine


def tile_engine_options(config: dict) -> dict:
    """The tile pool's engine arguments: the app engine's connect options plus the tiles' own."""
    app_options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    connect_args = dict(app_options.get("connect_args") or {})
    connect_args["options"] = merge_options(connect_args.get("options"), CONNECT_OPTIONS)
    size = config["TILE_POOL_SIZE"]
    return {
        "isolation_level": "AUTOCOMMIT",
        "pool_reset_on_return": None,
        "pool_size": size,
        "max_overflow": size,
        "pool_recycle": app_options.get("pool_recycle", 1800),
        "pool_pre_ping": app_options.get("pool_pre_ping", False),
        "connect_args": connect_args,
    }


def in_callers_transaction() -> bool:
    """The session is bound to a connection of its own: render there (see the docstring)."""
    return isinstance(db.session.get_bind(), Connection)


@contextmanager
def tile_connection(*, no_parallel: bool = False) -> Iterator[Connection]:
    """A connection to run one tile statement on (autocommit pool, or the caller's transaction)."""
    if in_callers_transaction():
        connection = db.session.connection()
        if no_parallel:  # ends with the caller's transaction
            connection.execute(NO_PARALLEL)
        yield connection
        return
    with tile_engine().connect() as connection:
        yield connection
