"""Track retention and per-day patrol summaries: summaries equal the figures from raw points,
an old day still answers after its month was dropped, the current month is never dropped, one
runner at a time, a second run does nothing, the Parquet archive reads back."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI
from gridsvc.workers import day_summaries, patrols, retention, summarise
from gridsvc.workers.partitions import ensure_partitions, list_partitions, partition_name
from gridsvc.workers.tasks import drop_expired_months
from gridsvc.workers.tracks import ingest_track_points
from tests.conftest import bearer
from tests.workers.helpers import GRID, T1, local, post_track, walk, yesterday

NEIGHBOUR = "430302001001002"  # east of GRID: x 112.825-112.850


def months_back(months: int, day: int = 10) -> date:
    """Day ``day`` of the Asia/Shanghai month ``months`` before the current one."""
    today = datetime.now(SHANGHAI).date()
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, day)


def a_days_walk(day: date) -> list[dict]:
    """Inside GRID for 40 min, a GPS jump, then 25 min in the neighbour grid (an out-of-grid
    alert), a pause, then back inside: every figure has something to count."""
    inside = walk((112.8125, 27.851), (112.8125, 27.899), local(day, 9), n=240)
    jump = [{"t": local(day, 9, 40, 5).isoformat(), "lon": 112.95, "lat": 27.95}]
    outside = walk((112.83, 27.86), (112.84, 27.89), local(day, 9, 40, 10), n=150)
    back = walk((112.81, 27.86), (112.81, 27.87), local(day, 11), n=60, accuracy=80.0)
    return inside + jump + outside + back


@contextmanager
def late_uploads_allowed(app):
    """Old days can be written (TRACK_MAX_AGE_DAYS stands between them and the API)."""
    app.config["TRACK_MAX_AGE_DAYS"] = 2000
    try:
        yield
    finally:
        app.config["TRACK_MAX_AGE_DAYS"] = 30


@pytest.fixture
def walker(hierarchy, make_worker, give_grid):
    worker = make_worker()
    give_grid(worker, GRID)
    return worker


def read_day(client, worker, reader, day: date) -> tuple[dict, dict]:
    mine = client.get(f"/api/v1/workers/{worker.id}/patrols?date={day}", headers=bearer(worker))
    town = client.get(f"/api/v1/patrols/summary?township={T1}&date={day}", headers=bearer(reader))
    assert mine.status_code == 200, mine.get_json()
    assert town.status_code == 200, town.get_json()
    return mine.get_json(), town.get_json()


def test_summaries_equal_the_figures_computed_from_raw_points(client, walker, make_worker):
    day = yesterday()
    other = make_worker()  # walks the same grid unassigned: counted in "seen", not in figures
    assert post_track(client, walker, a_days_walk(day)).get_json()["rejected"] == 0
    post_track(client, other, walk((112.81, 27.86), (112.82, 27.88), local(day, 14), n=30))
    raw = patrols.figures_of_day([walker.id, other.id], day)
    assert raw[walker.id]["alerts"]
    assert raw[walker.id]["flagged_points"] == 61

    assert summarise.summarise(day) == 2
    assigned = {walker.id: {GRID: object()}, other.id: {}}  # polygons unused when summarised
    kept = day_summaries.figures_from_summaries(
        [walker.id, other.id], day, assigned, patrols.settings()
    )
    assert kept == raw
    seen = day_summaries.seen_from_summaries([GRID, NEIGHBOUR], day)
    raw_seen = dict(
        db.session.execute(
            patrols.SEEN_SQL,
            {
                "codes": [GRID, NEIGHBOUR],
                "start": local(day, 0),
                "end": local(day, 0) + timedelta(1),
            },
        ).all()
    )
    assert seen == raw_seen
    assert seen[GRID] > 240
    # Summarising again replaces the day's rows instead of adding to them.
    assert summarise.summarise(day) == 2
    assert (
        db.session.execute(
            text("SELECT count(*) FROM patrol_days WHERE day = :d"), {"d": day}
        ).scalar()
        == 2
    )


def test_an_old_days_figures_still_answer_after_its_month_was_dropped(
    app, client, walker, admin_of, tmp_path
):
    day = months_back(14)
    reader = admin_of(T1)
    with late_uploads_allowed(app):
        result = ingest_track_points(walker, a_days_walk(day), None)
    assert {r["status"] for r in result} == {"created"}
    before = read_day(client, walker, reader, day)
    assert before[0]["points"] == len(result)
    assert before[0]["alerts"]
    stored = db.session.execute(
        text("SELECT user_id, t, ST_X(geom), grid_code FROM track_points WHERE user_id = :u"
             " ORDER BY t"),
        {"u": walker.id},
    ).all()  # fmt: skip

    app.config["TRACK_ARCHIVE_DIR"] = str(tmp_path)
    try:
        outcome = drop_expired_months(datetime.now(UTC))
    finally:
        app.config["TRACK_ARCHIVE_DIR"] = None
    old = partition_name(day.year, day.month)
    assert old in outcome["dropped"]
    assert old not in list_partitions()
    assert outcome["days_summarised"] >= 1
    assert not day_summaries.raw_points_kept(day)

    after = read_day(client, walker, reader, day)
    assert after == before  # last_patrolled_at too: from the summaries now
    # The archive holds every point of the month, in order, as stored.
    table = pq.read_table(tmp_path / f"{old}.parquet")
    ours = [r for r in table.to_pylist() if r["user_id"] == walker.id]
    assert [(r["user_id"], r["t"], r["lon"], r["grid_code"]) for r in ours] == [
        tuple(row) for row in stored
    ]

    # The assessment report over that day reads the same figures.
    report = client.get(
        f"/api/v1/patrol-figures?period=custom&from={day}&to={day}&township={T1}",
        headers=bearer(reader),
    )
    assert report.status_code == 200, report.get_json()
    (mine,) = [w for w in report.get_json()["workers"] if w["user_id"] == walker.id]
    assert mine["distance_km"] == round(before[0]["distance_m"] / 1000, 2)
    assert mine["alerts"] == len(before[0]["alerts"])


def test_the_current_month_is_never_dropped(app, client, walker):
    now = datetime.now(UTC)
    three_back = months_back(3)
    with late_uploads_allowed(app):
        ingest_track_points(
            walker, walk((112.81, 27.86), (112.81, 27.87), local(three_back, 9), n=3), None
        )
    ensure_partitions(now - timedelta(days=31), now)  # the current and the previous month
    this_month = partition_name(*now.astimezone(SHANGHAI).timetuple()[:2])
    previous = (now.astimezone(SHANGHAI).replace(day=1) - timedelta(days=1)).timetuple()[:2]
    dropped = []
    for months in (0, 1):
        app.config["TRACK_RETENTION_MONTHS"] = months
        try:
            dropped += retention.drop_expired(now)["dropped"]
        finally:
            app.config["TRACK_RETENTION_MONTHS"] = 13
        kept = list_partitions()
        assert this_month in kept
        # A late upload (TRACK_MAX_AGE_DAYS) may still reach the previous month: kept too.
        assert partition_name(*previous) in kept
    assert partition_name(three_back.year, three_back.month) in dropped
    assert this_month not in dropped


def test_a_second_run_finds_nothing_and_a_concurrent_run_steps_aside(app, walker):
    day = months_back(15)
    with late_uploads_allowed(app):
        ingest_track_points(
            walker, walk((112.81, 27.86), (112.81, 27.87), local(day, 9), n=5), None
        )
    old = partition_name(day.year, day.month)
    assert old in [name for name, _, _ in retention.expired_partitions(datetime.now(UTC))]

    with db.engine.connect() as other:  # another runner, in its own session
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": retention.RUNNER_KEY})
        try:
            outcome = retention.drop_expired(datetime.now(UTC))
        finally:
            other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": retention.RUNNER_KEY})
            other.commit()
    assert outcome["dropped"] == []
    assert "skipped" in outcome
    assert old in list_partitions()

    first = retention.drop_expired(datetime.now(UTC))
    assert old in first["dropped"]
    again = retention.drop_expired(datetime.now(UTC))
    assert again == {"dropped": [], "archived": [], "days_summarised": 0}


def test_closed_days_are_summarised_once_a_day_until_final(client, walker):
    day = yesterday()
    post_track(client, walker, walk((112.81, 27.86), (112.81, 27.87), local(day, 9), n=20))
    now = datetime.now(UTC)
    first = summarise.summarise_closed_days(now)
    assert first["days"] >= 1
    assert day in _summarised_days()
    # Within a day nothing is redone; a day later the (not yet final) day is redone.
    assert day not in summarise.days_due(day, day, now)
    assert summarise.days_due(day, day, now + timedelta(days=1, minutes=1)) == [day]
    # Once summarised after the late-upload window closed, a day is final.
    db.session.execute(
        text("UPDATE patrol_days SET computed_at = :at WHERE day = :d"),
        {"at": summarise.final_after(day) + timedelta(seconds=1), "d": day},
    )
    assert summarise.days_due(day, day, now + timedelta(days=60)) == []


def test_cli_lists_and_drops_expired_partitions(app, walker):
    day = months_back(16)
    with late_uploads_allowed(app):
        ingest_track_points(
            walker, walk((112.81, 27.86), (112.81, 27.87), local(day, 9), n=5), None
        )
    old = partition_name(day.year, day.month)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["tracks", "drop-expired", "--dry-run"])
    assert listed.exit_code == 0
    assert old in listed.output
    assert old in list_partitions()
    dropped = runner.invoke(args=["tracks", "drop-expired"])
    assert dropped.exit_code == 0, dropped.output
    assert old not in list_partitions()
    # Summarising a day whose points are gone keeps its summaries (it would otherwise wipe them).
    again = runner.invoke(args=["tracks", "summarise", "--day", day.isoformat()])
    assert again.exit_code == 0
    assert "no longer kept" in again.output
    assert day in _summarised_days()


def _summarised_days() -> set[date]:
    return set(db.session.execute(text("SELECT DISTINCT day FROM patrol_days")).scalars())
