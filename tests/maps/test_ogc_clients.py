"""OGC API - Features read by clients nobody here wrote, over real HTTP from the served app: GDAL's
OAPIF driver (pyogrio's GDAL, signed in with HTTP Basic) and OWSLib (Bearer), both walking every
grid of the demo county through ``next`` links. The demo boundaries and the token are committed
(the server's processes must see them) and deleted again after the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import text

from gridsvc import geo
from gridsvc.accounts import api_tokens
from gridsvc.config import TestConfig
from gridsvc.extensions import db
from tests.factories import UserFactory
from tests.test_outage import standalone_app
from tests.test_serving import served  # noqa: F401  (the served-app fixture)

CLIENT = Path(__file__).with_name("oapif_client.py")
# Tables the demo boundaries and the token fill, children first (so deleting them is allowed).
FILLED = ("area_parts", "areas", "boundary_uploads", "generations", "api_tokens")


@pytest.fixture
def committed_county(db_session, monkeypatch):
    """雨湖区's demo boundaries and a GIS user with an API token, committed; removed after."""
    from gridsvc.demo.boundaries import load_demo_boundaries

    app = standalone_app(monkeypatch, TestConfig.SQLALCHEMY_DATABASE_URI)
    with app.app_context():
        for table in FILLED:
            assert db.session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table
        try:
            load_demo_boundaries(echo=lambda _line: None)
            user = UserFactory(role="gis_staff", township_code=None, username="qgis_reader")
            db.session.flush()
            _token, secret = api_tokens.create_token(
                user.id, {"client_id": uuid.uuid4(), "name": "QGIS"}, datetime.now(UTC)
            )
            db.session.commit()
            codes = sorted(
                db.session.scalars(
                    text(
                        "SELECT code FROM areas WHERE level = 'grid' AND layer = 'unified'"
                        " AND gen_from IS NOT NULL AND gen_to IS NULL"
                    )
                )
            )
            yield {"username": user.username, "token": secret, "grids": codes}
        finally:
            db.session.rollback()
            for table in FILLED:
                db.session.execute(text(f"DELETE FROM {table}"))
            db.session.execute(text("DELETE FROM users WHERE username = 'qgis_reader'"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


def test_gdal_and_owslib_read_every_grid_through_paging(committed_county, served):  # noqa: F811
    county = committed_county
    assert len(county["grids"]) == 473
    url = f"http://127.0.0.1:{served}/api/v1/ogc"

    # GDAL's OAPIF driver, signed in with HTTP Basic (what QGIS's Basic auth config sends).
    # Without the lock-down gridsvc/geo puts in os.environ for the server's own reading.
    env = {k: v for k, v in os.environ.items() if k not in geo.GDAL_LOCKDOWN}
    env |= {
        "GDAL_HTTP_AUTH": "BASIC",
        "GDAL_HTTP_USERPWD": f"{county['username']}:{county['token']}",
    }
    run = subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, str(CLIENT), url, "grids", "100"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    read = json.loads(run.stdout)
    assert set(read["layers"]) >= {"townships", "villages", "grids", "incidents"}
    assert any(name.startswith("grids-") for name in read["layers"])  # the specialist layers
    assert sorted(read["codes"]) == county["grids"]
    assert read["geometries"] == 473

    # OWSLib, with the token as a Bearer header, following the next links itself.
    service = Features(url, headers={"Authorization": f"Bearer {county['token']}"})
    ids = {c["id"] for c in service.collections()["collections"]}
    assert ids >= {"townships", "villages", "grids", "incidents"}
    codes, query, pages = [], {"limit": 100}, 0
    while True:
        page = service.collection_items("grids", **query)
        assert page["numberMatched"] == 473
        codes += [f["properties"]["code"] for f in page["features"]]
        pages += 1
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not nxt:
            break
        query = {"limit": 100, "cursor": nxt[0].split("cursor=")[1]}
    assert pages == 5
    assert sorted(codes) == county["grids"]
