"""The demo county loads through the upload pipeline, once, with the real names and counts."""

from __future__ import annotations

from sqlalchemy import text

from gridsvc.extensions import db
from tests.conftest import bearer


def count(level: str, layer: str = "admin") -> int:
    return db.session.execute(
        text(
            "SELECT count(*) FROM areas WHERE gen_to IS NULL AND gen_from IS NOT NULL"
            " AND level = :l AND layer = :y AND county_code = '430302'"
        ),
        {"l": level, "y": layer},
    ).scalar()


def test_demo_load_is_complete_idempotent_and_locatable(app, client, make_user):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert (count("township"), count("village"), count("grid", "unified")) == (12, 106, 473)
    assert count("grid", "zongzhi") > 0
    assert count("grid", "chengguan") > 0
    # Every specialist cell's code fails the unified layer's code checks, which are dropped from
    # its report: the published summaries must count what the reports kept. (Each publication
    # retires the one before, so "published once" is a generation number, not the status.)
    summaries = (
        db.session.execute(
            text(
                "SELECT summary FROM generations WHERE number IS NOT NULL"
                " AND layer IN ('zongzhi', 'chengguan')"
            )
        )
        .scalars()
        .all()
    )
    assert len(summaries) == 2
    for summary in summaries:
        assert summary["errors"] == summary["by_severity"]["error"] == 0
        assert summary["warnings"] == summary["by_severity"]["warning"]
        assert sum(summary["by_code"].values()) == sum(summary["by_severity"].values())
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert count("grid", "unified") == 473
    # A point inside a demo grid locates to that grid and its real village and township.
    grid_code, lon, lat = db.session.execute(
        text(
            "SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(geom) p FROM areas"
            " WHERE level='grid' AND layer='unified' AND gen_to IS NULL ORDER BY code LIMIT 1) s"
        )
    ).one()
    headers = bearer(make_user(role="grid_worker", township_code="430302001"))
    located = client.get(f"/api/v1/locate?lon={lon}&lat={lat}", headers=headers).get_json()
    assert located["county"]["code"] == "430302"
    assert located["grid"]["code"] == grid_code
    assert located["village"]["code"] == grid_code[:12]
    assert located["township"]["code"] == grid_code[:9]
    names = db.session.execute(
        text("SELECT name FROM areas WHERE code = '430302001' AND gen_to IS NULL")
    ).scalar()
    assert names == "雨湖路街道"
