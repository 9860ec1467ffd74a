"""多网合一 through the API: crosswalk onto a proposed layer, and deriving a unified layer."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import openpyxl
import pytest
from shapely.geometry import box
from sqlalchemy import func, select, text

from gridsvc.accounts import Scope
from gridsvc.boundaries import derivation, merge_jobs, merges, store
from gridsvc.boundaries.models import Generation, GridMerge
from gridsvc.boundaries.tasks import requeue_stale_merges
from tests.boundaries.conftest import feature, merged, published
from tests.conftest import bearer
from tests.test_app import assert_problem


def strips(prefix: str, x_edges: list[float], y0=27.85, y1=27.95) -> list[dict]:
    return [
        feature(box(a, y0, b, y1), code=f"{prefix}-{i + 1:03d}", name=f"{prefix}{i + 1}")
        for i, (a, b) in enumerate(pairwise(x_edges))
    ]


@pytest.fixture
def specialist_layers(hierarchy, publish):
    # Both layers cover the west township exactly but cut it in different places (x=112.8249 and
    # x=112.8301) and run its full height, so each cell straddles the two villages (split at y=27.90).
    publish("grid", strips("ZZ", [112.80, 112.8249, 112.85]), layer="zongzhi")
    publish("grid", strips("CG", [112.80, 112.8301, 112.85]), layer="chengguan")
    return hierarchy


@pytest.fixture
def editor(make_user):
    return bearer(make_user(role="gis_staff", township_code=None, county_code="430302"))


def test_crosswalk_onto_the_proposed_unified_layer(client, specialist_layers, editor):
    response = client.post(
        "/api/v1/grid-merges",
        json={
            "layers": ["zongzhi", "chengguan"],
            "townships": ["430302001"],
            "proposed_layer": "unified",
        },
        headers=editor,
    )
    merge = merged(client, editor, response)
    rows = [r for r in merge["crosswalk"] if r["layer"] == "zongzhi" and r["code"] == "ZZ-001"]
    assert len(rows) == 1
    row = rows[0]
    # ZZ-001 spans both villages of the township (it runs the full height): it straddles them.
    assert {v["code"] for v in row["straddles_villages"]} == {"430302001001", "430302001002"}
    total = sum(part["share_of_specialist"] for part in row["unified"])
    assert total == pytest.approx(1.0, abs=1e-3)
    assert merge["generation_id"] is None
    # The download works for this mode too (area shares only).
    download = client.get(f"/api/v1/grid-merges/{merge['id']}/crosswalk", headers=editor)
    lines = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    zz1 = [line for line in lines[1:] if line[:2] == ["zongzhi", "ZZ-001"]]
    assert sum(float(line[5]) for line in zz1) == pytest.approx(1.0, abs=1e-3)
    assert {line[7] for line in zz1} == {"True" if len(zz1) > 1 else "False"}
    publish = client.post(f"/api/v1/grid-merges/{merge['id']}/publish", json={}, headers=editor)
    assert_problem(publish, 409, "merge.nothing_to_publish")


def test_derived_unified_layer_is_staged_and_publishable(client, specialist_layers, editor):
    response = client.post(
        "/api/v1/grid-merges",
        json={
            "layers": ["zongzhi", "chengguan"],
            "townships": ["430302001"],
            "sliver_max_m2": 5000,
        },
        headers=editor,
    )
    merge = merged(client, editor, response)
    assert merge["report"]["ok"] is True, merge["report"]["findings"][:5]
    assert merge["generation_id"] is not None
    response = client.post(f"/api/v1/grid-merges/{merge['id']}/publish", json={}, headers=editor)
    assert published(client, editor, response)["source"] == "merge"
    grids = client.get("/api/v1/grids?township=430302001", headers=editor).get_json()["features"]
    codes = [f["id"] for f in grids]
    assert all(len(c) == 15 for c in codes)
    assert len(codes) == len(set(codes))
    # The east township was not part of the merge: its grids are untouched.
    east = client.get("/api/v1/grids?township=430302002", headers=editor).get_json()["features"]
    assert len(east) == 4


def test_merge_input_errors(client, specialist_layers, editor, make_user):
    one = client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi"], "townships": ["430302001"]},
        headers=editor,
    )
    assert_problem(one, 422, "request.validation_failed")
    empty = client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi", "yingji"], "townships": ["430302001"]},
        headers=editor,
    )
    assert_problem(empty, 422, "merge.layer_empty")
    other = bearer(make_user(role="gis_staff", township_code=None, county_code="430321"))
    outside = client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi", "chengguan"], "townships": ["430302001"]},
        headers=other,
    )
    assert_problem(outside, 404, "area.not_found")


def derive(client, editor, **body):
    return client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi", "chengguan"], "townships": ["430302001"], **body},
        headers=editor,
    )


def test_crosswalk_downloads_as_csv_and_xlsx(client, specialist_layers, editor):
    # A street along x = 112.8249 (where 综治 cuts): the derivation is told where streets run.
    streets = {"type": "LineString", "coordinates": [[112.8249, 27.85], [112.8249, 27.95]]}
    merge = merged(client, editor, derive(client, editor, streets=streets))
    assert merge["report"]["merge"]["streets_given"] is True
    csv_resp = client.get(f"/api/v1/grid-merges/{merge['id']}/crosswalk", headers=editor)
    assert csv_resp.status_code == 200
    assert csv_resp.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(csv_resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:4] == ["layer", "specialist_code", "specialist_name", "unified_code"]
    shares: dict[tuple[str, str], float] = {}
    for line in lines[1:]:
        key = (line[0], line[1])
        shares[key] = shares.get(key, 0.0) + float(line[5])
    assert set(shares) == {("zongzhi", "ZZ-001"), ("zongzhi", "ZZ-002")} | {
        ("chengguan", "CG-001"),
        ("chengguan", "CG-002"),
    }
    assert all(s == pytest.approx(1.0, abs=1e-6) for s in shares.values())
    xlsx = client.get(f"/api/v1/grid-merges/{merge['id']}/crosswalk?format=xlsx", headers=editor)
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["specialist_to_unified", "unified_to_specialist"]
    assert book["specialist_to_unified"].max_row == len(lines)
    grid_rows = list(book["unified_to_specialist"].iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in grid_rows} == {g["code"] for g in merge["report"]["grids"]}
    bad = client.get(f"/api/v1/grid-merges/{merge['id']}/crosswalk?format=pdf", headers=editor)
    assert_problem(bad, 422, "request.validation_failed")


def test_derivation_input_errors(client, specialist_layers, editor, monkeypatch):
    polygon = {
        "type": "Polygon",
        "coordinates": [[[112.8, 27.85], [112.85, 27.85], [112.8, 27.9], [112.8, 27.85]]],
    }
    assert_problem(derive(client, editor, streets=polygon), 422, "merge.geometry_invalid")
    broken = {"type": "LineString", "coordinates": [[112.8]]}
    assert_problem(derive(client, editor, streets=broken), 422, "merge.geometry_invalid")
    lines = {"type": "MultiPoint", "coordinates": [[112.81, 27.86]]}
    assert_problem(derive(client, editor, streets=lines), 422, "merge.geometry_invalid")
    far = {"type": "MultiPoint", "coordinates": [[2.35, 48.85]]}
    assert_problem(derive(client, editor, household_points=far), 422, "extent.outside_china")
    rules = {"urban": {"min_households": 600, "max_households": 500}}
    assert_problem(derive(client, editor, size_rules=rules), 422, "merge.rules_invalid")
    unknown = {"suburban": {"min_households": 100}}
    assert_problem(derive(client, editor, size_rules=unknown), 422, "request.validation_failed")
    assert_problem(derive(client, editor, method="magic"), 422, "request.validation_failed")
    # The vertex limit (2,000,000 in production) lowered so a small request meets it.
    monkeypatch.setattr(derivation, "MAX_STREET_VERTICES", 3)
    long_street = {
        "type": "LineString",
        "coordinates": [[112.8 + i / 1000, 27.86] for i in range(4)],
    }
    assert_problem(derive(client, editor, streets=long_street), 413, "merge.geometry_too_large")


def test_household_points_and_size_rules_reach_the_derivation(client, specialist_layers, editor):
    # 600 households in the west township's first village (x 112.80–112.85, y 27.85–27.90).
    xs = np.linspace(112.801, 112.849, 30)
    ys = np.linspace(27.851, 27.899, 20)
    points = {"type": "MultiPoint", "coordinates": [[float(x), float(y)] for x in xs for y in ys]}
    response = derive(
        client,
        editor,
        household_points=points,
        size_rules={"rural": {"min_households": 100, "max_households": 700, "max_area_km2": 100}},
    )
    merge = merged(client, editor, response)
    grids = merge["report"]["grids"]
    assert {g["households_source"] for g in grids} == {"points"}
    assert sum(g["households"] for g in grids) == 600
    assert merge["report"]["merge"]["rules"]["rural"]["max_households"] == 700
    assert merge["generation_id"] is not None


# --- the background run: status, retries, failures -------------------------------------------

BODY = {"layers": ["zongzhi", "chengguan"], "townships": ["430302001"]}


def _queued(db_session, make_user, **body) -> GridMerge:
    """A merge recorded as the request records it, its job not run yet."""
    user = make_user(role="gis_staff", township_code=None, county_code="430302")
    merge, created = merges.create_merge(Scope.of(user), {**BODY, "sliver_max_m2": 200.0, **body})
    assert created
    db_session.flush()
    return merge


def test_a_retried_post_answers_the_first_merge_and_queues_nothing(
    client, db_session, specialist_layers, editor
):
    headers = {**editor, "Idempotency-Key": "merge-retry-1"}
    first = client.post("/api/v1/grid-merges", json=BODY, headers=headers)
    assert first.status_code == 202, first.get_json()
    again = client.post("/api/v1/grid-merges", json=BODY, headers=headers)
    assert again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db_session.scalar(select(func.count()).select_from(GridMerge)) == 1
    # One job ran, once: a second would have counted a second attempt.
    merge = db_session.get(GridMerge, uuid.UUID(first.get_json()["id"]))
    db_session.refresh(merge)
    assert (merge.status, merge.attempts) == ("done", 1)
    changed = client.post("/api/v1/grid-merges", json={**BODY, "sliver_max_m2": 1}, headers=headers)
    assert_problem(changed, 422, "idempotency.key_reused")


def test_a_resent_client_id_answers_the_first_merge(client, db_session, specialist_layers, editor):
    body = {**BODY, "client_id": str(uuid.uuid4())}
    first = client.post("/api/v1/grid-merges", json=body, headers=editor)
    assert first.status_code == 202, first.get_json()
    assert first.get_json()["client_id"] == body["client_id"]
    again = client.post("/api/v1/grid-merges", json=body, headers=editor)
    assert again.status_code == 202
    # The resend shows the first merge as it is now: its job has run (eagerly), once.
    assert (again.get_json()["id"], again.get_json()["status"]) == (first.get_json()["id"], "done")
    assert again.get_json()["attempts"] == 1
    assert db_session.scalar(select(func.count()).select_from(GridMerge)) == 1
    changed = client.post("/api/v1/grid-merges", json={**body, "sliver_max_m2": 1}, headers=editor)
    assert_problem(changed, 422, "merge.client_id_reused")


def test_results_wait_for_the_run(client, db_session, specialist_layers, editor, make_user):
    merge = _queued(db_session, make_user)
    page = client.get(f"/api/v1/grid-merges/{merge.id}", headers=editor).get_json()
    assert (page["status"], page["report"], page["crosswalk"]) == ("queued", {}, [])
    publish = client.post(f"/api/v1/grid-merges/{merge.id}/publish", json={}, headers=editor)
    assert_problem(publish, 409, "merge.not_ready")
    download = client.get(f"/api/v1/grid-merges/{merge.id}/crosswalk", headers=editor)
    assert_problem(download, 409, "merge.not_ready")
    assert merge_jobs.run(str(merge.id)).status == "done"
    # A redelivered task finds it done and leaves it alone.
    assert merge_jobs.run(str(merge.id)).attempts == 1
    assert client.get(f"/api/v1/grid-merges/{merge.id}/crosswalk", headers=editor).status == (
        "200 OK"
    )


def test_a_run_whose_layer_vanished_fails_with_the_reason(
    client, db_session, specialist_layers, editor, make_user
):
    merge = _queued(db_session, make_user)
    # The 城管 layer is retired between the request and the run.
    db_session.execute(text("UPDATE areas SET gen_to = gen_from WHERE layer = 'chengguan'"))
    merge_jobs.run(str(merge.id))
    page = client.get(f"/api/v1/grid-merges/{merge.id}", headers=editor).get_json()
    assert page["status"] == "failed"
    assert page["error"]["code"] == "merge.layer_empty"
    assert page["error"]["status"] == 422
    assert db_session.get(GridMerge, merge.id).params["layers"] == BODY["layers"]
    publish = client.post(f"/api/v1/grid-merges/{merge.id}/publish", json={}, headers=editor)
    assert_problem(publish, 409, "merge.failed")


def test_an_unexpected_failure_leaves_no_draft_behind(
    client, db_session, specialist_layers, editor, make_user, monkeypatch
):
    merge = _queued(db_session, make_user)
    drafts = db_session.scalar(select(func.count()).select_from(Generation))

    def broken(*_args, **_kwargs):
        raise RuntimeError("GEOS gave up")

    # The failure comes after the draft generation was made: the savepoint drops it.
    monkeypatch.setattr(store, "write_features", broken)
    merge_jobs.run(str(merge.id))
    db_session.refresh(merge)
    assert merge.status == "failed"
    assert (merge.error["code"], merge.error["status"]) == ("merge.processing_error", 500)
    assert merge.generation_id is None
    assert db_session.scalar(select(func.count()).select_from(Generation)) == drafts


def test_stale_merges_are_requeued_then_failed(db_session, specialist_layers, make_user):
    lost, hopeless = _queued(db_session, make_user), _queued(db_session, make_user)
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    # Workers died mid-way and the broker lost the messages.
    lost.status, lost.attempts = "running", 1
    hopeless.status, hopeless.attempts = "running", merge_jobs.MAX_ATTEMPTS
    lost.created_at = lost.started_at = hopeless.created_at = hopeless.started_at = long_ago
    db_session.flush()
    # Seen from a moment when they had run for less than STALE_AFTER, they are left alone.
    assert merge_jobs.requeue_stale(datetime.now(UTC) - timedelta(hours=1, minutes=59)) == []
    assert requeue_stale_merges.apply().get() == 1
    db_session.refresh(lost)
    db_session.refresh(hopeless)
    assert (lost.status, lost.attempts) == ("done", 2)  # run again (tasks run eagerly in tests)
    assert (hopeless.status, hopeless.error["code"]) == ("failed", "merge.too_many_attempts")
