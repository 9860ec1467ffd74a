"""Per-day patrol summaries: the figures of a worker-day, stored so they outlive the raw points.

``track_points`` keeps ``TRACK_RETENTION_MONTHS`` of months (see :mod:`gridsvc.workers.retention`);
the reports still answer for older days from ``patrol_days`` / ``patrol_day_grids``. Writing:
:func:`summarise_day` computes every worker-day of a day with the very function the reports use
on raw points (``patrols.figures_from_points``, handed in by the caller so this module does not
import ``patrols``, which reads from here) and replaces the day's rows, so running it again is
harmless. Reading: :func:`raw_points_kept` says whether a day still has its raw points (its
month's partition exists); when not, :func:`figures_from_summaries` answers the same shape.

Summaries hold the unified layer's figures under the settings in force when they were computed;
the final summary of a day is the one taken just before its partition is dropped, long after the
late-upload window (``TRACK_MAX_AGE_DAYS``) has closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import delete, insert, select, text

from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI
from gridsvc.workers import patrol_figures
from gridsvc.workers.models import PatrolDay, PatrolDayGrid
from gridsvc.workers.partitions import partition_name

# Who walked that day, with the county and township their points were filed under.
DAY_USERS_SQL = text(
    "SELECT user_id, min(county_code) AS county_code, min(township_code) AS township_code"
    " FROM track_points WHERE t >= :start AND t < :end GROUP BY user_id ORDER BY user_id"
)
# Per worker and grid: the plausible points (what "patrolled" and "last patrolled" count).
DAY_SEEN_SQL = text(
    "SELECT user_id, grid_code, count(*) AS n, max(t) AS last_t FROM track_points"
    " WHERE t >= :start AND t < :end AND NOT implausible_speed AND grid_code IS NOT NULL"
    " GROUP BY user_id, grid_code"
)
USERS_PER_CHUNK = 200  # a chunk's points are held in memory at once

FiguresFn = Callable[[list[int], date], dict[int, dict]]


def raw_points_kept(day: date) -> bool:
    """True while the day's month still has its partition (retention drops whole months)."""
    name = partition_name(day.year, day.month)
    return db.session.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None


def summarise_day(
    day: date, bounds: tuple[datetime, datetime], figures_for: FiguresFn
) -> int | None:
    """Replace the day's summary rows by figures computed from its raw points; the workers.

    The caller owns the transaction (and holds the retention lock when it drops afterwards).
    A day whose raw points are gone keeps its summaries as they are (None): summarising nothing
    would wipe them.
    """
    if not raw_points_kept(day):
        return None
    start, end = bounds
    params = {"start": start, "end": end}
    users = db.session.execute(DAY_USERS_SQL, params).all()
    seen: dict[int, dict[str, tuple[int, datetime]]] = {}
    for row in db.session.execute(DAY_SEEN_SQL, params):
        seen.setdefault(row.user_id, {})[row.grid_code] = (row.n, row.last_t)
    db.session.execute(delete(PatrolDayGrid).where(PatrolDayGrid.day == day))
    db.session.execute(delete(PatrolDay).where(PatrolDay.day == day))
    now = datetime.now(UTC)
    for offset in range(0, len(users), USERS_PER_CHUNK):
        chunk = users[offset : offset + USERS_PER_CHUNK]
        figures = figures_for([u.user_id for u in chunk], day)
        days, grids = [], []
        for user in chunk:
            fig = figures[user.user_id]
            days.append(_day_row(user, day, fig, now))
            grids.extend(_grid_rows(user, day, fig, seen.get(user.user_id, {})))
        db.session.execute(insert(PatrolDay), days)
        if grids:
            db.session.execute(insert(PatrolDayGrid), grids)
    return len(users)


def _day_row(user, day: date, fig: dict, now: datetime) -> dict:
    return {
        "user_id": user.user_id,
        "day": day,
        "county_code": user.county_code,
        "township_code": user.township_code,
        **{
            k: fig[k]
            for k in (
                "points",
                "flagged_points",
                "distance_m",
                "patrol_s",
                "inside_s",
                "inside_share",
                "first_t",
                "last_t",
                "alerts",
            )
        },
        "computed_at": now,
    }


def _grid_rows(user, day: date, fig: dict, seen: dict[str, tuple[int, datetime]]) -> list[dict]:
    rows = []
    for code in sorted(set(fig["grids"]) | set(seen)):
        values = fig["grids"].get(code)
        n, last_t = seen.get(code, (0, None))
        rows.append(
            {
                "user_id": user.user_id,
                "day": day,
                "grid_code": code,
                "county_code": user.county_code,
                "assigned": values is not None,
                # float(): the figures may hold numpy scalars, which the driver cannot send.
                "points": int(values["points"]) if values else 0,
                "inside_s": float(values["inside_s"]) if values else 0.0,
                "coverage": float(values["coverage"]) if values else None,
                "covered_m2": float(values["covered_m2"]) if values else None,
                "seen_points": n,
                "last_t": last_t,
            }
        )
    return rows


def figures_from_summaries(
    users: list[int], day: date, assigned: dict[int, dict], settings: patrol_figures.Settings
) -> dict[int, dict]:
    """The figures ``patrols`` computes from raw points, read back from the summaries.

    ``assigned`` maps each user to their assigned grids of the day (code -> polygon); a worker
    with no summary that day gets the figures of a day without points, as from raw points.
    """
    stored = {
        row.user_id: row
        for row in db.session.scalars(
            select(PatrolDay).where(PatrolDay.day == day, PatrolDay.user_id.in_(users))
        )
    }
    grid_rows: dict[int, dict[str, PatrolDayGrid]] = {}
    for row in db.session.scalars(
        select(PatrolDayGrid).where(
            PatrolDayGrid.day == day, PatrolDayGrid.user_id.in_(users), PatrolDayGrid.assigned
        )
    ):
        grid_rows.setdefault(row.user_id, {})[row.grid_code] = row
    figures = {}
    for user in users:
        row = stored.get(user)
        if row is None:
            empty = patrol_figures.DayPoints.from_rows([])
            figures[user] = patrol_figures.compute(empty, assigned.get(user, {}), settings)
            figures[user].update(first_t=None, last_t=None)
            continue
        figures[user] = {
            "points": row.points,
            "flagged_points": row.flagged_points,
            "distance_m": row.distance_m,
            "patrol_s": row.patrol_s,
            "inside_s": row.inside_s,
            "inside_share": row.inside_share,
            "grids": {
                code: {
                    "points": g.points,
                    "inside_s": g.inside_s,
                    "coverage": g.coverage,
                    "covered_m2": g.covered_m2,
                }
                for code, g in sorted(grid_rows.get(user, {}).items())
            },
            "alerts": row.alerts,
            "first_t": _local(row.first_t),
            "last_t": _local(row.last_t),
        }
    return figures


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(SHANGHAI) if moment is not None else None


def seen_from_summaries(codes: list[str], day: date) -> dict[str, int]:
    """grid -> plausible points of any worker that day, as counted before the points went."""
    rows = db.session.execute(
        select(PatrolDayGrid.grid_code, db.func.sum(PatrolDayGrid.seen_points))
        .where(PatrolDayGrid.day == day, PatrolDayGrid.grid_code.in_(codes))
        .where(PatrolDayGrid.seen_points > 0)
        .group_by(PatrolDayGrid.grid_code)
    )
    return {code: int(n) for code, n in rows}
