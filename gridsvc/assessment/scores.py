"""Weighted composite scores (综合考评), each listed with the inputs it was made of.

Every score is out of 100 and made of parts:

- **case handling** (案件办理): 100 × the weighted mean of the indicator rates the county's
  weights name (default 按期结案率 0.6, 结案率 0.4) over the scored party's cases;
- **ratings** (评价): 100 × the mean 一呼一评 rating ÷ 5.

A township: case handling, and the departments' ratings of its calls at ``township_rating_share``.
A county department: case handling, and the townships' ratings of its responses at
``department_rating_share`` (泰安: one third). A stationed agency (派驻机构): its township's ratings
at ``stationed_township_share`` (旧院镇: 70 %) and, for the parent department's part, its own case
handling. A part with nothing to measure (no rated calls, no due cases) is left out and the others
are scaled up to the whole weight; the inputs show the weights as applied.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gridsvc.accounts import Scope
from gridsvc.assessment import ratings as rating_figures
from gridsvc.assessment.daily import read
from gridsvc.assessment.facts import county_teams
from gridsvc.assessment.indicators import figures
from gridsvc.assessment.periods import Period
from gridsvc.assessment.weights import Weights, county_of, in_force


def case_handling(figs: dict, weights: dict) -> dict:
    used = {name: w for name, w in weights.items() if w and figs.get(name) is not None}
    total = sum(used.values())
    value = 100 * sum(figs[name] * w for name, w in used.items()) / total if total else None
    return {
        "part": "case_handling",
        "label_zh": "案件办理",
        "value": _round(value),
        "from": {name: figs.get(name) for name in weights}
        | {"due": figs.get("due", 0), "weights": weights},
    }


def rating_part(ratings: list[int], label_zh: str, by: str) -> dict:
    stats = rating_figures.summary(ratings)
    value = 100 * stats["mean"] / 5 if stats["mean"] is not None else None
    return {"part": "ratings", "label_zh": label_zh, "value": _round(value),
            "from": {"rated_by": by, **stats}}  # fmt: skip


def combine(parts: list[tuple[dict, float]]) -> tuple[float | None, list[dict]]:
    """Weighted sum of the parts that have a value; the weights rescaled to sum to 1."""
    present = [(p, w) for p, w in parts if p["value"] is not None and w > 0]
    total = sum(w for _p, w in present)
    inputs = []
    for part, weight in parts:
        applied = weight / total if total and part["value"] is not None and weight > 0 else 0.0
        inputs.append({**part, "weight": round(weight, 4), "applied_weight": round(applied, 4)})
    if not total:
        return None, inputs
    return _round(sum(p["value"] * w for p, w in present) / total), inputs


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def scores(scope: Scope, period: Period, county: str | None = None, now=None) -> dict:
    county = county_of(scope, county)
    weights = in_force(county, period.last)
    now = now or datetime.now(UTC)
    cases = read(scope, period.first, period.last, now, {"county": county})
    teams = county_teams({county})
    calls = rating_figures.rated_calls(scope, period.start, period.end, now, county)
    both = rating_figures.both_ways(calls)
    by_township: dict = {}
    by_department: dict = {}
    names: dict = {}
    for facts in cases:
        by_township.setdefault(facts.township_code, []).append(facts)
        names[facts.township_code] = facts.township_name
        if facts.department_id is not None:
            by_department.setdefault(facts.department_id, []).append(facts)
    out = []
    for code in sorted(set(by_township) | set(both["townships"]), key=str):
        handling = case_handling(figures(by_township.get(code, [])), weights.indicator_weights)
        rated = rating_part(both["townships"].get(code, []), "部门评价", "departments")
        share = weights.township_rating_share
        out.append(_score("township", code, names.get(code), weights,
                          [(handling, 1 - share), (rated, share)]))  # fmt: skip
    stationed = {item["team_id"]: item for item in weights.stationed}
    departments = (set(by_department) | set(both["departments"])) - {None}
    for team_id in sorted(departments):
        handling = case_handling(figures(by_department.get(team_id, [])), weights.indicator_weights)
        name = teams[team_id].name if team_id in teams else None
        if team_id in stationed:
            out.append(_stationed(stationed[team_id], name, handling, calls, weights))
            continue
        rated = rating_part(both["departments"].get(team_id, []), "乡镇评价", "townships")
        share = weights.department_rating_share
        out.append(_score("department", str(team_id), name, weights,
                          [(handling, 1 - share), (rated, share)]))  # fmt: skip
    return {"period": period.as_dict(), "county": county, "as_of": now,
            "weights": weights.cited(), "scores": out}  # fmt: skip


def _stationed(item: dict, name, handling: dict, calls, weights: Weights) -> dict:
    pairs = rating_figures.ratings_by_pair(calls)
    township = rating_part(
        pairs.get((item["township_code"], item["team_id"]), []), "属地乡镇评价", "township"
    )
    parent = {**handling, "label_zh": "主管部门考核（案件办理）",
              "from": {**handling["from"], "parent_department_id": item["parent_department_id"]}}  # fmt: skip
    share = weights.stationed_township_share
    return _score("stationed_agency", str(item["team_id"]), name, weights,
                  [(township, share), (parent, 1 - share)])  # fmt: skip


def _score(kind, key, name, weights: Weights, parts) -> dict:
    value, inputs = combine(parts)
    return {"kind": kind, "key": key, "name": name, "score": value,
            "weights_version": weights.cited(), "inputs": inputs}  # fmt: skip
