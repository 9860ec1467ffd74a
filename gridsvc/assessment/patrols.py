"""Patrol figures in the reports: a township's workers and grids over a period of days.

Each day's figures are the workers room's (``township_summary``: only plausible points, pauses
left out, coverage by a buffered track); here they are added up: time and distance summed, the
share inside the assigned grids weighted by time, out-of-grid alerts counted, coverage averaged
over the days of the period (a day without patrol counts as 0). A day's figures are computed
from the tracks on request, so a period is limited to 31 days.
"""

from __future__ import annotations

from datetime import timedelta

from gridsvc.accounts import Scope
from gridsvc.assessment.periods import Period
from gridsvc.errors import Invalid
from gridsvc.workers import township_summary

MAX_DAYS = 31


def township(scope: Scope, code: str | None, chosen: Period) -> dict:
    code = code or scope.township_code
    if not code:
        raise Invalid(
            "Name the township.", code="assessment.township_required",
            errors={"township": ["required"]},
        )  # fmt: skip
    days = (chosen.last - chosen.first).days + 1
    if days > MAX_DAYS:
        raise Invalid(
            f"Patrol figures cover at most {MAX_DAYS} days.",
            code="assessment.period_too_long",
            errors={"period": [f"at most {MAX_DAYS} days for patrol figures"]},
        )
    workers: dict[int, dict] = {}
    grids: dict[str, dict] = {}
    for offset in range(days):
        summary = township_summary(scope, code, chosen.first + timedelta(days=offset))
        for w in summary["workers"]:
            row = workers.setdefault(w["user_id"], {
                "user_id": w["user_id"], "name": w["display_name"] or w["username"],
                "days_on_patrol": 0, "patrol_s": 0.0, "inside_s": 0.0, "distance_m": 0.0,
                "alerts": 0, "coverage_sum": 0.0,
            })  # fmt: skip
            row["days_on_patrol"] += int(w["patrol_s"] > 0)
            row["patrol_s"] += w["patrol_s"]
            row["inside_s"] += w["inside_s"]
            row["distance_m"] += w["distance_m"]
            row["alerts"] += w["alerts"]
            row["coverage_sum"] += w["mean_coverage"] or 0.0
        for g in summary["grids"]:
            row = grids.setdefault(g["grid_code"], {
                "grid_code": g["grid_code"], "name": g["name"], "days_patrolled": 0,
                "coverage_sum": 0.0, "last_patrolled_at": g["last_patrolled_at"],
            })  # fmt: skip
            row["days_patrolled"] += int(g["patrolled"])
            row["coverage_sum"] += g["coverage"] or 0.0
    return {
        "period": chosen.as_dict(),
        "township": code,
        "days": days,
        "workers": [_worker(w, days) for w in workers.values()],
        "grids": [_grid(g, days) for g in sorted(grids.values(), key=lambda g: g["grid_code"])],
    }


def _worker(row: dict, days: int) -> dict:
    patrol = row.pop("patrol_s")
    inside = row.pop("inside_s")
    return {
        **{k: v for k, v in row.items() if k not in ("coverage_sum", "distance_m")},
        "patrol_hours": round(patrol / 3600, 2),
        "distance_km": round(row["distance_m"] / 1000, 2),
        "inside_share": round(inside / patrol, 4) if patrol else None,
        "mean_coverage": round(row["coverage_sum"] / days, 4),
    }


def _grid(row: dict, days: int) -> dict:
    return {
        **{k: v for k, v in row.items() if k != "coverage_sum"},
        "mean_coverage": round(row["coverage_sum"] / days, 4),
    }
