"""The demo county's teams, departments, list and zones, and how they route real demo points."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from gridsvc.accounts.service import find_by_username
from gridsvc.extensions import db
from tests.conftest import bearer


def point_in_township(township: str) -> tuple[float, float]:
    """A point inside one of the township's grids, away from the demo zones."""
    return tuple(
        db.session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(geom) AS p FROM areas"
                " WHERE level = 'grid' AND layer = 'unified' AND gen_to IS NULL"
                " AND township_code = :t) g"
                " WHERE NOT EXISTS (SELECT 1 FROM routing_zones z WHERE ST_Covers(z.geom, g.p))"
                " ORDER BY code LIMIT 1"
            ),
            {"t": township},
        ).one()
    )


def test_demo_routing(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "10 township teams and 6 county departments" in first.output
    counts = db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM teams), (SELECT count(*) FROM team_townships),"
            " (SELECT count(*) FROM responsibility_entries), (SELECT count(*) FROM routing_zones)"
        )
    ).one()
    # 10 township teams + 6 departments + 2 offices of 雨湖路街道 (one a stationed agency).
    assert tuple(counts) == (18, 13, 18, 2)
    assert "4 catalogue items in 2 delegation batches" in first.output
    again = runner.invoke(args=["demo", "load"])
    assert "already present" in again.output
    # The demo incidents (the console's first morning): loaded once, routed as phones' reports.
    assert "5 incidents reported" in first.output
    assert "0 incidents reported" in again.output
    cases = db.session.execute(
        text(
            "SELECT i.status, t.code, c.assignee_id FROM incidents i"
            " JOIN cases c ON c.incident_id = i.id JOIN teams t ON t.id = c.team_id ORDER BY i.id"
        )
    ).all()
    assert [(c.status, c.code) for c in cases] == [
        ("reported", "YHL"),
        ("accepted", "YHL"),
        ("dispatched", "YHL"),
        ("reported", "YHL-HW"),
        ("reported", "YHL"),
    ]
    assert cases[2].assignee_id == find_by_username("officer_yuhulu").id
    lead = find_by_username("lead_yuhulu")
    assert lead.team_id is not None

    worker = find_by_username("worker_yuhulu")

    def report(category, township):
        lon, lat = point_in_township(township)
        body = {
            "client_id": str(uuid.uuid4()),
            "category": category,
            "location": {"type": "Point", "coordinates": [lon, lat]},
            "reported_at": datetime.now(UTC).isoformat(),
        }
        response = client.post("/api/v1/incidents", json=body, headers=bearer(worker))
        assert response.status_code == 201, response.json
        return response.json["routing"]

    market = report("0501", "430302001")
    assert (market["target"], market["team"]["code"]) == ("township_team", "YHL")
    building = report("0601", "430302001")
    assert (building["target"], building["team"]["code"]) == ("county_call", "ZHZF")
    assert [t["code"] for t in building["cooperating"]] == ["ZRZY", "ZJJ"]
    # 长城乡 has no team of its own: even a delegated power is called up to the county.
    rural = report("0501", "430302202")
    assert rural["target"] == "county_call"
    # 万楼街道 and 先锋街道 share one team.
    shared = report("0102", "430302008")
    assert shared["team"]["code"] == "WLXF"
    # The second batch granted 违法建设 to the pilot town 鹤岭镇 only.
    pilot = report("0601", "430302100")
    assert (pilot["target"], pilot["team"]["code"]) == ("township_team", "HL")
    assert "第二批" in pilot["reason"][1]["message_zh"]
    assert building["reason"][1]["outcome"] == "not_delegated"
    # 雨湖路街道's other teams: the refuse office, and the stationed 市场监管所 for hawkers.
    assert report("0103", "430302001")["team"]["code"] == "YHL-HW"
    fixable = client.get(
        "/api/v1/responsibility-list?county=430302&category=0104",
        headers=bearer(find_by_username("admin")),
    )
    assert [e["fixable_on_site"] for e in fixable.json["items"]] == [True]
    hawkers = report("0504", "430302001")
    assert hawkers["team"]["code"] == "YHL-SJS"
    assert "派驻" in hawkers["reason"][-1]["message_zh"]
