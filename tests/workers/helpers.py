"""Plain helpers (not fixtures) shared by the workers tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from gridsvc.localtime import SHANGHAI
from tests.conftest import bearer

T1 = "430302001"  # grids 430302001001001/002 (south), 430302001002001/002 (north)
T2 = "430302002"
GRID = "430302001001001"  # box(112.800, 27.85, 112.825, 27.90)


def yesterday() -> date:
    return datetime.now(SHANGHAI).date() - timedelta(days=1)


def local(day: date, hour: int, minute: int = 0, second: float = 0.0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI) + timedelta(seconds=second)


def walk(
    start: tuple[float, float],
    end: tuple[float, float],
    t0: datetime,
    step_s: float = 10.0,
    n: int = 100,
    accuracy: float = 8.0,
) -> list[dict]:
    """``n`` points evenly from ``start`` to ``end``, ``step_s`` seconds apart (API shape)."""
    points = []
    for i in range(n):
        f = i / (n - 1)
        points.append(
            {
                "t": (t0 + timedelta(seconds=i * step_s)).isoformat(),
                "lon": start[0] + f * (end[0] - start[0]),
                "lat": start[1] + f * (end[1] - start[1]),
                "accuracy_m": accuracy,
            }
        )
    return points


def post_track(client, user, points, **body):
    return client.post("/api/v1/tracks", json={"points": points, **body}, headers=bearer(user))
