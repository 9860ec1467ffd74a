"""Helpers to build small boundary hierarchies near 雨湖区 and push them through the real pipeline."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import text

from gridsvc.accounts.scope import Scope
from gridsvc.boundaries import import_local_file
from gridsvc.extensions import db

GLOBAL = Scope(user_id=None, role="admin")

# A 0.1° square standing in for the county, split into two townships and four villages.
COUNTY_BOX = (112.80, 27.85, 112.90, 27.95)
TOWNSHIPS = {
    "430302001": box(112.80, 27.85, 112.85, 27.95),
    "430302002": box(112.85, 27.85, 112.90, 27.95),
}
VILLAGES = {
    "430302001001": box(112.80, 27.85, 112.85, 27.90),
    "430302001002": box(112.80, 27.90, 112.85, 27.95),
    "430302002001": box(112.85, 27.85, 112.90, 27.90),
    "430302002002": box(112.85, 27.90, 112.90, 27.95),
}


def feature(geometry, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": json.loads(shapely.to_geojson(geometry)),
    }


def geojson_bytes(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_bytes(geojson_bytes(features))
    return path


def grids_of(village_code: str, n: int = 2) -> list[dict]:
    """Split a village into n vertical strips with codes village + 001…"""
    x0, y0, x1, y1 = VILLAGES[village_code].bounds
    step = (x1 - x0) / n
    return [
        feature(
            box(x0 + i * step, y0, x0 + (i + 1) * step, y1),
            code=f"{village_code}{i + 1:03d}",
            name=f"第{i + 1}网格",
            households=400,
        )
        for i in range(n)
    ]


@pytest.fixture
def publish(tmp_path):
    """publish(level, features, **form) -> generation, through the CLI/upload pipeline."""
    counter = iter(range(1000))

    def _publish(level: str, features: list[dict], **form):
        path = write_geojson(tmp_path / f"{level}-{next(counter)}.geojson", features)
        upload, generation = import_local_file(
            path, {"level": level, **form}, publish=True, scope=GLOBAL
        )
        assert generation is not None, (upload.status, upload.error, upload.report)
        return generation

    return _publish


@pytest.fixture
def hierarchy(publish):
    """County 430302 (as a box) with two townships, four villages and eight unified grids."""
    publish("county", [feature(box(*COUNTY_BOX), code="430302", name="雨湖区")])
    publish("township", [feature(g, code=c, name=f"乡镇{c[-3:]}") for c, g in TOWNSHIPS.items()])
    publish("village", [feature(g, code=c, name=f"村{c[-3:]}") for c, g in VILLAGES.items()])
    grids = [f for code in VILLAGES for f in grids_of(code)]
    return publish("grid", grids)


def upload_request(client, headers, content: bytes, filename: str, **form):
    data = {k: str(v) for k, v in form.items()}
    data["file"] = (io.BytesIO(content), filename)
    return client.post(
        "/api/v1/boundary-uploads", data=data, headers=headers, content_type="multipart/form-data"
    )


def merged(client, editor, response) -> dict:
    """The merge a 202 queued, as its page shows it once the (eager) job has run."""
    body = response.get_json()
    assert response.status_code == 202, body
    assert body["status"] == "queued"
    assert response.headers["Location"] == f"/api/v1/grid-merges/{body['id']}"
    page = client.get(response.headers["Location"], headers=editor)
    assert page.status_code == 200
    merge = page.get_json()
    assert merge["status"] == "done", merge.get("error")
    return merge


def published(client, headers, response) -> dict:
    """The generation a publish's 202 queued, as its job shows it once the (eager) job has run."""
    body = response.get_json()
    assert response.status_code == 202, body
    assert response.headers["Location"] == f"/api/v1/generation-publishes/{body['id']}"
    page = client.get(response.headers["Location"], headers=headers)
    assert page.status_code == 200
    job = page.get_json()
    assert job["status"] == "done", job.get("error")
    assert job["attempts"] == 1
    assert job["generation"]["id"] == job["draft_id"]
    return job["generation"]


# A county the committed-generation fixture lays down: a process of its own (the index build's
# child) sees only what is committed.
COMMITTED_COUNTY = [(100.0, 20.0), (101.0, 20.0), (100.5, 21.0), (100.0, 20.0)]


@pytest.fixture
def committed_generation(app):
    """A committed generation (number above any other) with one triangular county; its number.

    Deleted again at the end (its areas and parts go with it, ON DELETE CASCADE).
    """
    ring = ", ".join(f"{x} {y}" for x, y in COMMITTED_COUNTY)
    polygon = f"ST_GeomFromText('POLYGON(({ring}))', 4326)"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        number = conn.scalar(text("SELECT coalesce(max(number), 0) + 1000 FROM generations"))
        generation = conn.scalar(
            text(
                "INSERT INTO generations (number, status, level, layer, source, published_at)"
                " VALUES (:n, 'published', 'county', 'admin', 'upload', now()) RETURNING id"
            ),
            {"n": number},
        )
        area = conn.scalar(
            text(
                "INSERT INTO areas (level, layer, code, name, geom, generation_id, gen_from)"
                f" VALUES ('county', 'admin', '990001', '测试县', ST_Multi({polygon}), :g, :n)"
                " RETURNING id"
            ),
            {"g": generation, "n": number},
        )
        conn.execute(
            text(
                "INSERT INTO area_parts (area_id, level, layer, gen_from, geom)"
                f" VALUES (:a, 'county', 'admin', :n, {polygon})"
            ),
            {"a": area, "n": number},
        )
    try:
        yield number
    finally:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("DELETE FROM generations WHERE id = :g"), {"g": generation})
