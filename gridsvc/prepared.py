"""Statements prepared once per database connection and executed by name.

The hot write paths (filing reports, opening their cases) are single statements over arrays, so
one call serves one report or a hundred. Planning such a statement costs more than running it
for one report, and PostgreSQL keeps making custom plans for it because the arrays hide their
sizes; so each pooled connection PREPAREs it once and then only EXECUTEs it with the generic
plan (``SET LOCAL`` ends with the transaction), on the session's own DBAPI connection, inside its
transaction, in one round trip.

A generic plan is made once, from the statistics of that moment, and PostgreSQL only replaces it
when something invalidates it (an ANALYZE, DDL). A plan made while ``incidents`` was nearly empty
(a fresh database, a TRUNCATE) joins it by a sequential scan, and where autoanalyze does not run
(autovacuum off, or not yet due) that plan stayed for the connection's life: opening a case cost
a scan of every incident, the rate fell as the table grew (bench/edge.py: 460 -> 107 req/s over
four rounds). So a connection prepares a statement again once its plan is ``REPLAN_SECONDS`` old.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection

from gridsvc.extensions import db

REPLAN_SECONDS = 10.0


@dataclass(frozen=True)
class Prepared:
    name: str
    parameters: tuple[tuple[str, str], ...]  # (name, PostgreSQL type) for $1..$n, in order
    sql: str  # the statement, with $1..$n

    @property
    def prepare_sql(self) -> str:
        return f"PREPARE {self.name} ({', '.join(t for _n, t in self.parameters)}) AS {self.sql}"

    @property
    def execute_sql(self) -> str:
        arguments = ", ".join(f"%({name})s::{kind}" for name, kind in self.parameters)
        return f"SET LOCAL plan_cache_mode = force_generic_plan; EXECUTE {self.name} ({arguments})"

    def run(self, values: dict) -> tuple[list[str], list[tuple]]:
        """Execute with ``values`` (keyed by parameter name); (column names, rows) or ([], [])."""
        return self.run_on(db.session.connection(), values)

    def run_on(self, connection: Connection, values: dict) -> tuple[list[str], list[tuple]]:
        """:meth:`run` on ``connection`` (the session's, or an autocommit one: tiles)."""
        dbapi = connection.connection  # the pooled DBAPI connection (prepared names live on it)
        prepared_at = dbapi.info.get(self.name)
        now = time.monotonic()
        if prepared_at is None or now - prepared_at > REPLAN_SECONDS:
            if prepared_at is not None:
                connection.exec_driver_sql(f"DEALLOCATE {self.name}")
            connection.exec_driver_sql(self.prepare_sql)
            dbapi.info[self.name] = now
        cursor = dbapi.cursor()
        try:
            cursor.execute(self.execute_sql, values)
            if cursor.description is None:
                return [], []
            return [column.name for column in cursor.description], cursor.fetchall()
        finally:
            cursor.close()
