"""Balanced proposals through the API: contiguous and balanced, accepted whole or edited, stale
and superseded proposals refused, retries harmless."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from shapely.geometry import box
from sqlalchemy import text

from gridsvc.extensions import db
from tests.boundaries.conftest import VILLAGES, feature
from tests.conftest import bearer
from tests.workers.helpers import T1

URL = "/api/v1/assignments/proposals"


@pytest.fixture
def township_of_18(hierarchy, publish):
    """T1's two villages as 3×3 grids each (18 grids), households between 150 and 650."""
    rnd = random.Random(18)
    features = []
    for village in ("430302001001", "430302001002"):
        x0, y0, x1, y1 = VILLAGES[village].bounds
        dx, dy = (x1 - x0) / 3, (y1 - y0) / 3
        for i in range(9):
            r, c = divmod(i, 3)
            cell = box(x0 + c * dx, y0 + r * dy, x0 + (c + 1) * dx, y0 + (r + 1) * dy)
            features.append(
                feature(cell, code=f"{village}{i + 1:03d}", households=rnd.randint(150, 650))
            )
    publish("grid", features)
    return {f["properties"]["code"]: f["properties"]["households"] for f in features}


def adjacency(codes) -> nx.Graph:
    rows = db.session.execute(
        text(
            "SELECT a.code, b.code FROM areas a JOIN areas b ON a.code < b.code"
            " AND ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)) > 0"
            " WHERE a.level = 'grid' AND b.level = 'grid' AND a.gen_to IS NULL AND b.gen_to IS NULL"
            " AND a.gen_from IS NOT NULL AND b.gen_from IS NOT NULL"
            " AND a.code = ANY(:c) AND b.code = ANY(:c)"
        ),
        {"c": list(codes)},
    ).all()
    graph = nx.Graph()
    graph.add_nodes_from(codes)
    graph.add_edges_from(rows)
    return graph


def test_proposal_is_contiguous_balanced_and_accepted_as_a_whole(
    client, township_of_18, make_worker, admin_of
):
    households = township_of_18
    admin = admin_of(T1)
    workers = [make_worker(), make_worker(), make_worker()]
    r = client.post(URL, json={"township": T1}, headers=bearer(admin))
    assert r.status_code == 201, r.get_json()
    proposal = r.get_json()
    assert proposal["metric"] == "households"
    assert proposal["status"] == "proposed"
    assert proposal["unassigned"] == []
    items = {i["user_id"]: i for i in proposal["items"]}
    assert set(items) == {w.id for w in workers}
    graph = adjacency(households)
    target = sum(households.values()) / 3
    for item in items.values():
        grids = item["proposed_grids"]
        assert item["contiguous"] is True
        assert nx.is_connected(graph.subgraph(grids)), grids
        assert item["load"] == pytest.approx(sum(households[c] for c in grids))
        assert abs(item["load"] - target) <= max(households.values())  # the stated tolerance
    assert sorted(c for i in items.values() for c in i["proposed_grids"]) == sorted(households)
    assert proposal["balance"]["target"] == pytest.approx(target, abs=0.01)

    accept = client.post(f"{URL}/{proposal['id']}/accept", json={}, headers=bearer(admin))
    assert accept.status_code == 200, accept.get_json()
    assert accept.get_json()["status"] == "accepted"
    held = dict(
        db.session.execute(
            text(
                "SELECT grid_code, user_id FROM grid_assignments"
                " WHERE role = 'primary' AND valid_to IS NULL AND township_code = :t"
            ),
            {"t": T1},
        ).all()
    )
    assert held == {c: w for w, i in items.items() for c in i["proposed_grids"]}
    # Accepting again (a retry) changes nothing; everything is assigned now.
    again = client.post(f"{URL}/{proposal['id']}/accept", json={}, headers=bearer(admin))
    assert again.status_code == 200
    assert db.session.execute(text("SELECT count(*) FROM grid_assignments")).scalar() == 18
    r = client.post(URL, json={"township": T1}, headers=bearer(admin))
    assert (r.status_code, r.get_json()["code"]) == (422, "proposal.no_vacant_grids")
    other = client.post(
        f"{URL}/{proposal['id']}/accept",
        json={"edits": [{"grid_code": "430302001001001", "user_id": None}]},
        headers=bearer(admin),
    )
    assert (other.status_code, other.get_json()["code"]) == (409, "proposal.already_accepted")


def test_existing_assignments_seed_the_regions(
    client, township_of_18, make_worker, give_grid, admin_of
):
    admin = admin_of(T1)
    a, b = make_worker(), make_worker()
    give_grid(a, "430302001001001")  # south-west corner
    give_grid(b, "430302001002009")  # north-east corner
    body = client.post(URL, json={"township": T1}, headers=bearer(admin)).get_json()
    items = {i["user_id"]: i for i in body["items"]}
    assert items[a.id]["existing_grids"] == ["430302001001001"]
    assert "430302001001001" not in items[a.id]["proposed_grids"]
    graph = adjacency(township_of_18)
    for item in items.values():
        region = item["existing_grids"] + item["proposed_grids"]
        assert nx.is_connected(graph.subgraph(region))
    assert len(items[a.id]["proposed_grids"]) + len(items[b.id]["proposed_grids"]) == 16


def test_edits_override_the_proposal_and_are_checked(
    client, township_of_18, make_worker, make_user, admin_of
):
    admin = admin_of(T1)
    a, b = make_worker(), make_worker()
    body = client.post(
        URL, json={"township": T1, "worker_ids": [a.id, b.id]}, headers=bearer(admin)
    ).get_json()
    url = f"{URL}/{body['id']}/accept"
    a_grid = body["items"][0]["proposed_grids"][0]
    b_grid = body["items"][1]["proposed_grids"][0]
    r = client.post(
        url,
        json={"edits": [{"grid_code": "430302002001001", "user_id": a.id}]},
        headers=bearer(admin),
    )
    assert (r.status_code, r.get_json()["code"]) == (422, "proposal.unknown_grid")
    officer = make_user(role="officer", township_code=T1)
    r = client.post(
        url, json={"edits": [{"grid_code": a_grid, "user_id": officer.id}]}, headers=bearer(admin)
    )
    assert (r.status_code, r.get_json()["code"]) == (422, "proposal.worker_not_eligible")
    edits = [{"grid_code": a_grid, "user_id": b.id}, {"grid_code": b_grid, "user_id": None}]
    r = client.post(url, json={"edits": edits}, headers={**bearer(admin), "If-Match": '"x"'})
    assert r.status_code == 412
    tag = client.get(f"{URL}/{body['id']}", headers=bearer(admin)).headers["ETag"]
    r = client.post(url, json={"edits": edits}, headers={**bearer(admin), "If-Match": tag})
    assert r.status_code == 200, r.get_json()
    accepted = r.get_json()
    assert accepted["edits"] == sorted(edits, key=lambda e: e["grid_code"])
    items = {i["user_id"]: i for i in accepted["items"]}
    assert a_grid in items[b.id]["proposed_grids"]
    assert [u["grid_code"] for u in accepted["unassigned"]] == [b_grid]
    primary = db.session.execute(
        text("SELECT user_id FROM grid_assignments WHERE grid_code = :c AND valid_to IS NULL"),
        {"c": a_grid},
    ).scalar()
    assert primary == b.id
    # The same accept again (a retry with the old If-Match) answers the accepted proposal.
    again = client.post(url, json={"edits": edits}, headers={**bearer(admin), "If-Match": tag})
    assert again.status_code == 200


def test_stale_and_superseded_proposals_are_409(client, township_of_18, make_worker, admin_of):
    admin = admin_of(T1)
    a, b = make_worker(), make_worker()
    old = client.post(URL, json={"township": T1}, headers=bearer(admin)).get_json()
    new = client.post(URL, json={"township": T1}, headers=bearer(admin)).get_json()
    r = client.post(f"{URL}/{old['id']}/accept", json={}, headers=bearer(admin))
    assert (r.status_code, r.get_json()["code"]) == (409, "proposal.superseded")
    taken = new["items"][0]["proposed_grids"][0]
    client.post(f"/api/v1/grids/{taken}/assignments", json={"user_id": b.id}, headers=bearer(admin))
    r = client.post(f"{URL}/{new['id']}/accept", json={}, headers=bearer(admin))
    assert (r.status_code, r.get_json()["code"]) == (409, "proposal.stale")
    assert r.get_json()["grids"] == [taken]
    count = db.session.execute(text("SELECT count(*) FROM grid_assignments")).scalar()
    assert count == 1  # nothing of the stale proposal was written
    assert a.id in {i["user_id"] for i in new["items"]}


def test_proposal_refusals_and_scope(client, township_of_18, make_user, make_worker, admin_of):
    admin = admin_of(T1)
    r = client.post(URL, json={"township": T1}, headers=bearer(admin))
    assert (r.status_code, r.get_json()["code"]) == (422, "proposal.no_workers")
    make_worker()
    stranger = make_worker("430302002")
    r = client.post(URL, json={"township": T1, "worker_ids": [stranger.id]}, headers=bearer(admin))
    assert (r.status_code, r.get_json()["code"]) == (422, "proposal.worker_not_eligible")
    r = client.post(URL, json={"township": "430302002"}, headers=bearer(admin))
    assert (r.status_code, r.get_json()["code"]) == (404, "township.not_found")
    r = client.post(URL, json={"township": "430302009"}, headers=bearer(admin_of("430302")))
    assert r.status_code == 404
    supervisor = make_user(role="supervisor", county_code="430302", township_code=None)
    assert client.post(URL, json={"township": T1}, headers=bearer(supervisor)).status_code == 403
    made = client.post(URL, json={"township": T1}, headers=bearer(admin)).get_json()
    assert client.get(f"{URL}/{made['id']}", headers=bearer(supervisor)).status_code == 200
    assert (
        client.get(f"{URL}/{made['id']}", headers=bearer(admin_of("430302002"))).status_code == 404
    )


def test_area_balances_when_households_are_unknown(
    client, hierarchy, publish, make_worker, admin_of
):
    # Four equal strips with no household counts: each of two workers gets half the area.
    x0, y0, x1, y1 = VILLAGES["430302001001"].bounds
    step = (x1 - x0) / 4
    publish(
        "grid",
        [
            feature(
                box(x0 + i * step, y0, x0 + (i + 1) * step, y1), code=f"430302001001{i + 1:03d}"
            )
            for i in range(4)
        ],
    )
    admin = admin_of(T1)
    make_worker(), make_worker()
    body = client.post(URL, json={"township": T1}, headers=bearer(admin)).get_json()
    assert body["metric"] == "area_m2"
    loads = sorted(i["load"] for i in body["items"])
    assert loads[0] == pytest.approx(loads[1], rel=0.01)
