"""Patrol figures in the reports: a township's workers and grids added up over a period."""

from __future__ import annotations

from datetime import timedelta

from tests.boundaries.conftest import hierarchy, publish  # noqa: F401  (fixtures reused)
from tests.conftest import bearer
from tests.workers.conftest import give_grid, make_worker  # noqa: F401  (fixtures reused)
from tests.workers.helpers import GRID, T1, local, post_track, walk, yesterday


def test_two_days_of_patrol_for_a_township(client, hierarchy, make_worker, give_grid, make_user):  # noqa: F811
    worker = make_worker()
    give_grid(worker, GRID)
    day = yesterday()
    # 400 points 10 s apart down the middle of the grid: 3,990 s on patrol, all inside.
    assert post_track(client, worker, walk((112.8125, 27.8505), (112.8125, 27.8995), local(day, 9),
                                            n=400)).status_code == 200  # fmt: skip
    admin = make_user(role="admin", township_code=T1)
    daily = client.get(f"/api/v1/patrols/summary?township={T1}&date={day}", headers=bearer(admin))
    one_day = {w["user_id"]: w for w in daily.json["workers"]}[worker.id]

    first = day - timedelta(days=1)
    body = client.get(
        f"/api/v1/patrol-figures?period=custom&from={first}&to={day}", headers=bearer(admin)
    )
    assert body.status_code == 200, body.json
    figures = {w["user_id"]: w for w in body.json["workers"]}[worker.id]
    assert body.json["days"] == 2
    assert figures["days_on_patrol"] == 1
    assert figures["patrol_hours"] == round(3990 / 3600, 2)
    assert figures["distance_km"] == round(one_day["distance_m"] / 1000, 2)
    assert (figures["inside_share"], figures["alerts"]) == (1.0, 0)
    # Coverage is averaged over both days: the quiet day counts as 0.
    assert figures["mean_coverage"] == round(one_day["mean_coverage"] / 2, 4)
    grid = {g["grid_code"]: g for g in body.json["grids"]}[GRID]
    assert grid["days_patrolled"] == 1

    too_long = client.get("/api/v1/patrol-figures?period=quarter", headers=bearer(admin))
    assert too_long.status_code == 422
