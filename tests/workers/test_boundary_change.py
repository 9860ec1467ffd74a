"""A published boundary change: kept codes keep their workers, vanished ones are closed, and the
grids that need a new primary worker are listed with the workers proposed for them."""

from __future__ import annotations

from shapely.geometry import box

from gridsvc.extensions import db
from tests.boundaries.conftest import VILLAGES, feature
from tests.conftest import bearer
from tests.workers.helpers import T1

VILLAGE = "430302001001"  # box(112.80, 27.85, 112.85, 27.90), grids 001 (west) and 002 (east)


def strips(*edges: float) -> list[dict]:
    """Vertical strips of the village between consecutive x edges, coded 001, 003, 004 …"""
    codes = ["001", "003", "004", "005"]
    return [
        feature(box(x0, 27.85, x1, 27.90), code=f"{VILLAGE}{code}", name=f"网格{code}")
        for code, x0, x1 in zip(codes, edges[:-1], edges[1:], strict=False)
    ]


def test_publish_closes_vanished_codes_keeps_the_rest_and_lists_vacancies(
    client, hierarchy, publish, make_worker, give_grid, make_user
):
    a, b, c = make_worker(), make_worker(), make_worker()
    kept = give_grid(a, f"{VILLAGE}001")
    gone_primary = give_grid(b, f"{VILLAGE}002")
    gone_secondary = give_grid(c, f"{VILLAGE}002", role="secondary")
    # 002 disappears; 001 shrinks; 003 takes 2/3 of its area from old 001 and 1/3 from old 002;
    # 004 lies wholly on old 002.
    publish("grid", strips(112.80, 112.815, 112.83, 112.85))

    for row in (kept, gone_primary, gone_secondary):
        db.session.refresh(row)
    assert (kept.valid_to, kept.end_reason) == (None, None)
    assert gone_primary.end_reason == "boundary_change"
    assert gone_secondary.end_reason == "boundary_change"
    assert gone_primary.valid_to is not None

    admin = make_user(role="admin", township_code=T1)
    body = client.get(f"/api/v1/assignments/vacancies?township={T1}", headers=bearer(admin))
    assert body.status_code == 200, body.get_json()
    vacancies = {v["grid_code"]: v for v in body.get_json()["items"]}
    assert f"{VILLAGE}001" not in vacancies  # still has its primary worker
    new = vacancies[f"{VILLAGE}003"]
    assert new["reason"] == "boundary_change"
    assert [(x["user_id"], x["from_grid"], x["role"]) for x in new["candidates"]] == [
        (a.id, f"{VILLAGE}001", "primary"),
        (b.id, f"{VILLAGE}002", "primary"),
        (c.id, f"{VILLAGE}002", "secondary"),
    ]
    assert [round(x["overlap_share"], 2) for x in new["candidates"]] == [0.67, 0.33, 0.33]
    assert new["candidates"][0]["username"] == a.username
    assert [x["user_id"] for x in vacancies[f"{VILLAGE}004"]["candidates"]] == [b.id, c.id]
    # The other village's grids never had a worker: listed, with nobody proposed.
    assert vacancies["430302001002001"]["reason"] == "never_assigned"
    assert vacancies["430302001002001"]["candidates"] == []

    # Assigning the proposed worker resolves the need; ending it later shows a plain vacancy.
    r = client.post(
        f"/api/v1/grids/{VILLAGE}004/assignments", json={"user_id": b.id}, headers=bearer(admin)
    )
    assert r.status_code == 201
    page = client.get(f"/api/v1/assignments/vacancies?township={T1}", headers=bearer(admin))
    assert f"{VILLAGE}004" not in {v["grid_code"] for v in page.get_json()["items"]}
    client.post(
        f"/api/v1/grids/{VILLAGE}004/assignments/{r.get_json()['id']}/end",
        json={},
        headers=bearer(admin),
    )
    page = client.get(f"/api/v1/assignments/vacancies?township={T1}", headers=bearer(admin))
    again = {v["grid_code"]: v for v in page.get_json()["items"]}[f"{VILLAGE}004"]
    assert (again["reason"], again["candidates"]) == ("primary_ended", [])

    # The worker's own map follows the new boundary of the grid they kept.
    mine = client.get("/api/v1/me/grids", headers=bearer(a)).get_json()["features"]
    assert [f["id"] for f in mine] == [f"{VILLAGE}001"]
    xs = [x for ring in mine[0]["geometry"]["coordinates"][0] for x, _y in ring]
    assert max(xs) == 112.815


def test_vacancies_are_paged_scoped_and_for_readers_only(client, hierarchy, make_user, make_worker):
    county = make_user(role="supervisor", county_code="430302", township_code=None)
    first = client.get("/api/v1/assignments/vacancies?limit=5", headers=bearer(county)).get_json()
    assert len(first["items"]) == 5
    rest = client.get(
        f"/api/v1/assignments/vacancies?limit=5&cursor={first['next_cursor']}",
        headers=bearer(county),
    ).get_json()
    assert len(first["items"]) + len(rest["items"]) == 8  # every grid of the county is vacant
    township = make_user(role="admin", township_code=T1)
    own = client.get("/api/v1/assignments/vacancies", headers=bearer(township)).get_json()
    assert {v["township_code"] for v in own["items"]} == {T1}
    worker = make_worker()
    assert client.get("/api/v1/assignments/vacancies", headers=bearer(worker)).status_code == 403


def test_non_grid_generations_leave_assignments_alone(
    client, hierarchy, publish, make_worker, give_grid
):
    row = give_grid(make_worker(), f"{VILLAGE}002")
    publish("village", [feature(g, code=c, name=f"村{c[-3:]}新") for c, g in VILLAGES.items()])
    db.session.refresh(row)
    assert row.valid_to is None
