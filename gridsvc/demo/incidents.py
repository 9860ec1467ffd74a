"""Demo incidents in 雨湖路街道, so the team lead's map queue has work on the first morning.

worker_yuhulu reports them from their grids through the reporting service (each is routed as a
phone's report is), then lead_yuhulu moves two of them on through the workflow: one accepted,
one dispatched to officer_yuhulu. Each report has a fixed ``client_id``, so loading twice
replays the first reports and changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from gridsvc.accounts import Scope
from gridsvc.accounts import service as accounts
from gridsvc.extensions import db
from gridsvc.incidents import reporting
from gridsvc.routing.cases import workflow

TOWNSHIP = "430302001"
NAMESPACE = uuid.UUID("6f1d3c1e-4c1a-4d8e-9a51-0c7b1e2f3a40")

# key, category, which of the township's grids (by code order), description, address, then
REPORTS = [
    ("yhl-1", "0501", 0, "流动摊贩在人行道上占道经营，影响行人通行", "雨湖路与韶山路交叉口", []),
    ("yhl-2", "0102", 5, "路边垃圾桶满溢，周边有散落垃圾", "和平桥社区菜市场旁", ["accept"]),
    ("yhl-3", "0501", 10, "早餐摊点占用盲道经营", "车站路 38 号门前", ["accept", "dispatch"]),
    ("yhl-4", "0104", 15, "道路有大片油污，未及时清扫", "风车坪巷口", []),
    ("yhl-5", "0201", 20, "商铺门前乱堆放纸箱杂物", "古梁巷 12 号", []),
]


def _grid_points() -> list[tuple[float, float]]:
    """A point inside each of the township's current unified grids, in code order."""
    rows = db.session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(geom) AS p FROM areas"
            " WHERE level = 'grid' AND layer = 'unified' AND left(code, 9) = :township"
            " AND gen_from IS NOT NULL AND gen_to IS NULL) g ORDER BY code"
        ),
        {"township": TOWNSHIP},
    ).all()
    return [(round(x, 6), round(y, 6)) for x, y in rows]


def load_demo_incidents(echo=print) -> None:
    worker = accounts.find_by_username("worker_yuhulu")
    lead = accounts.find_by_username("lead_yuhulu")
    officer = accounts.find_by_username("officer_yuhulu")
    points = _grid_points()
    if worker is None or lead is None or not points:
        echo("demo: no incidents (users or grids missing)")
        return
    created = 0
    for key, category, grid, description, address, steps in REPORTS:
        lon, lat = points[grid % len(points)]
        item = {
            "client_id": uuid.uuid5(NAMESPACE, key),
            "category": category,
            "location": {"type": "Point", "coordinates": [lon, lat]},
            "crs": None,
            "accuracy_m": 8.0,
            "reported_at": datetime.now(UTC),
            "description": description,
            "address": address,
            "resolved_on_site": False,
        }
        (result,) = reporting.report(Scope.of(worker), [item], "app")
        if result.error is not None:
            echo(f"demo: report {key} refused: {result.error}")
            continue
        if result.result == "replayed":
            continue
        created += 1
        incident = result.incident
        for action in steps:
            data = {"action": action}
            if action == "dispatch" and officer is not None:
                data["assignee_id"] = officer.id
            workflow.act(Scope.of(lead), lead, incident, data)
    echo(
        f"demo: {created} incidents reported in 雨湖路街道 ({len(REPORTS) - created} already there)"
    )
