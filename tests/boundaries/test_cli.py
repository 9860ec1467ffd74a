"""`flask --app gridsvc boundaries import`: dry run by default, --commit publishes."""

from __future__ import annotations

from pathlib import Path

from gridsvc.boundaries.models import Area, BoundaryUpload, Generation

COUNTIES = Path(__file__).resolve().parents[2] / "geodata" / "xiangtan_counties.geojson"


def test_dry_run_reports_and_stores_nothing(app, db_session, monkeypatch, tmp_path):
    # A folder of its own: the default one is shared with every test run on the machine.
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    runner = app.test_cli_runner()
    invalid = runner.invoke(args=["boundaries", "import", str(COUNTIES), "--level", "county"])
    assert invalid.exit_code == 1
    assert "geometry.invalid 430302" in invalid.output
    valid = runner.invoke(
        args=["boundaries", "import", str(COUNTIES), "--level", "county", "--repair"]
    )
    assert valid.exit_code == 0, valid.output
    assert "status: validated" in valid.output
    assert "dry run" in valid.output
    assert db_session.query(Area).count() == 0
    assert db_session.query(BoundaryUpload).count() == 0
    assert db_session.query(Generation).count() == 0
    assert list(tmp_path.iterdir()) == []  # the stored copies of the file are gone too


def test_commit_publishes(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["boundaries", "import", str(COUNTIES), "--level", "county", "--repair", "--commit"]
    )
    assert result.exit_code == 0, result.output
    assert "published as generation" in result.output
    current = db_session.query(Area).filter(Area.gen_to.is_(None), Area.gen_from.isnot(None))
    assert sorted(a.code for a in current) == ["430302", "430304", "430321", "430381", "430382"]


def test_bad_options_are_refused(app):
    runner = app.test_cli_runner()
    layer = runner.invoke(
        args=["boundaries", "import", str(COUNTIES), "--level", "county", "--layer", "zongzhi"]
    )
    assert layer.exit_code != 0
    assert "--layer is only for --level grid" in layer.output
    crs = runner.invoke(
        args=["boundaries", "import", str(COUNTIES), "--level", "county", "--crs", "MARS"]
    )
    assert crs.exit_code != 0
    assert "crs.unknown" in crs.output
