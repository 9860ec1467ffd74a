"""`flask demo load` gives the demo grid workers profiles, contiguous grids and a patrol day."""

from __future__ import annotations

import networkx as nx
from sqlalchemy import text

from gridsvc.accounts.service import find_by_username
from gridsvc.extensions import db
from gridsvc.workers.service import assigned_grid_codes
from tests.conftest import bearer
from tests.workers.helpers import yesterday


def test_demo_workers_load_once_with_a_realistic_day(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "a patrol day of worker_yuhulu" in first.output
    counts = db.session.execute(
        text("SELECT (SELECT count(*) FROM track_points), (SELECT count(*) FROM grid_assignments)")
    ).one()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "patrol day" not in second.output
    assert (
        db.session.execute(
            text(
                "SELECT (SELECT count(*) FROM track_points), (SELECT count(*) FROM grid_assignments)"
            )
        ).one()
        == counts
    )

    yuhulu, chengzheng = find_by_username("worker_yuhulu"), find_by_username("worker_chengzheng")
    for worker in (yuhulu, chengzheng):
        codes = assigned_grid_codes(worker.id)
        assert len(codes) == 3
        assert {c[:9] for c in codes} == {worker.township_code}
        edges = db.session.execute(
            text(
                "SELECT a.code, b.code FROM areas a JOIN areas b ON a.code < b.code"
                " AND ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)) > 0"
                " WHERE a.code = ANY(:c) AND b.code = ANY(:c) AND a.layer = 'unified'"
                " AND b.layer = 'unified' AND a.gen_to IS NULL AND b.gen_to IS NULL"
            ),
            {"c": sorted(codes)},
        ).all()
        graph = nx.Graph(edges)
        graph.add_nodes_from(codes)
        assert nx.is_connected(graph)

    day = client.get(
        f"/api/v1/workers/{yuhulu.id}/patrols?date={yesterday()}", headers=bearer(yuhulu)
    ).get_json()
    assert day["points"] > 1500
    assert day["flagged_points"] >= 6
    assert day["distance_m"] > 10_000
    assert 0.5 < day["inside_share"] < 1.0
    assert len(day["alerts"]) == 1  # the errand in a neighbouring grid
    assert all(g["coverage"] > 0.05 for g in day["grids"])
