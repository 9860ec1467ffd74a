"""The hot boundary reads use an index, never a sequential scan of ``areas`` or ``area_parts``.

The test county is far too small for the planner to prefer an index by cost, so each request's
own statements (captured as the app sends them) are explained with ``enable_seqscan = off``:
PostgreSQL then picks a sequential scan only when no index can answer the query at all.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, text

from gridsvc.extensions import db
from tests.boundaries.conftest import TOWNSHIPS, VILLAGES
from tests.conftest import bearer

TOWNSHIP = next(iter(TOWNSHIPS))
VILLAGE = next(iter(VILLAGES))
# url -> the index that must answer it (a scan of another index with a filter would read every
# generation's rows, as a sequential scan does).
HOT_READS = {
    f"/api/v1/grids?township={TOWNSHIP}": "ix_areas_current_township",
    f"/api/v1/grids?village={VILLAGE}": "ix_areas_current_village",
    f"/api/v1/grids?township={TOWNSHIP}&geometry=false&limit=1": "ix_areas_current_township",
    f"/api/v1/areas?parent={TOWNSHIP}": "ix_areas_current_parent",
    # By code: the tiny test table lets the planner take any current-generation index whose
    # columns hold the code; only the absence of a sequential scan is asserted.
    f"/api/v1/grids/{VILLAGE}001": None,
    "/api/v1/locate?lon=112.81&lat=27.87": "ix_area_parts_geom",
}
BIG_TABLES = ("areas", "area_parts")


@pytest.fixture
def captured(app):
    """The statements the app sends to PostgreSQL, with their parameters, while it is on."""
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    yield statements
    event.remove(engine, "before_cursor_execute", keep)


@pytest.mark.parametrize(("url", "index"), HOT_READS.items())
def test_hot_read_uses_its_index(client, hierarchy, make_user, captured, db_session, url, index):
    headers = bearer(make_user(role="admin"))
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    reads = [
        (sql, params)
        for sql, params in captured
        if sql.lstrip().upper().startswith(("SELECT", "WITH"))
        and any(re.search(rf"\b{table}\b", sql) for table in BIG_TABLES)
    ]
    assert reads, f"{url} read neither areas nor area_parts"
    connection = db_session.connection()
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    cursor = connection.connection.cursor()
    plans = []
    for sql, params in reads:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for table in BIG_TABLES:
            assert not re.search(rf"Seq Scan on {table}\b", plan), f"{url}\n{sql}\n{plan}"
        plans.append(plan)
    assert index is None or any(f" {index} " in plan for plan in plans), (
        f"{url} does not use {index}:\n" + ("\n\n".join(plans))
    )
