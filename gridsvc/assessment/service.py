"""What the assessment views call: the caller's scope turned into filters, then the figures."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import select

from gridsvc.accounts import Scope
from gridsvc.assessment import alerts as alerts_service
from gridsvc.assessment import hotspots, patrols, ratings, recompute_jobs, scores, weights
from gridsvc.assessment.daily import read
from gridsvc.assessment.indicators import indicators
from gridsvc.assessment.periods import period
from gridsvc.errors import Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.routing import Team


def caller_filters(scope: Scope, args: dict) -> dict:
    """Filters from the query, narrowed to what the caller may see.

    A team lead reads only their own team's cases, a department handler only the cases their
    department handled (主办): another team's id reads as not found.
    """
    filters = {"township": args.get("township"), "team_id": args.get("team_id")}
    if scope.role == "team_lead":
        if filters["team_id"] not in (None, scope.team_id) or scope.team_id is None:
            raise NotFound("team not found", code="team.not_found")
        filters["team_id"] = scope.team_id
    if scope.role == "department_handler":
        if filters["team_id"] not in (None, scope.team_id) or scope.team_id is None:
            raise NotFound("team not found", code="team.not_found")
        filters["team_id"] = None
        filters["department_id"] = scope.team_id
    return filters


def indicator_table(scope: Scope, args: dict, now=None) -> dict:
    chosen = period(args["period"], args.get("from_"), args.get("to"))
    return indicators(scope, chosen, args["by"], caller_filters(scope, args), now=now)


def ratings_table(scope: Scope, args: dict, now=None) -> dict:
    """一呼一评 both ways for the period: per department and per township."""
    chosen = period(args["period"], args.get("from_"), args.get("to"))
    now = now or datetime.now(UTC)
    county = args.get("county") or scope.county_code
    calls = ratings.rated_calls(scope, chosen.start, chosen.end, now, county)
    if scope.role == "department_handler":
        # Their own department's calls only: the townships' ratings of it, and its ratings of
        # the townships; other departments' ratings are not theirs to read.
        calls = [call for call in calls if call.department_id == scope.team_id]
    both = ratings.both_ways(calls)
    names = team_names(both["departments"])
    return {
        "period": chosen.as_dict(),
        "as_of": now,
        "departments": [
            {"key": str(k), "name": names.get(k), **ratings.summary(v)}
            for k, v in sorted(both["departments"].items(), key=lambda kv: str(kv[0]))
        ],
        "townships": [
            {"key": k, "name": None, **ratings.summary(v)}
            for k, v in sorted(both["townships"].items(), key=lambda kv: str(kv[0]))
        ],
    }


def team_names(ids) -> dict:
    ids = [i for i in ids if i is not None]
    return dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(ids))).all())


def score_table(scope: Scope, args: dict, now=None) -> dict:
    chosen = period(args["period"], args.get("from_"), args.get("to"))
    return scores.scores(scope, chosen, args.get("county"), now=now)


def case_table(scope: Scope, args: dict, now=None) -> dict:
    """The cases behind an indicator table, each with its own figures (how a total was made)."""
    chosen = period(args["period"], args.get("from_"), args.get("to"))
    filters = caller_filters(scope, args)
    if filters.get("township") and not scope.covers(filters["township"]):
        raise NotFound("township not found", code="township.not_found")
    now = now or datetime.now(UTC)
    cases = read(scope, chosen.first, chosen.last, now, filters)
    return {
        "period": chosen.as_dict(),
        "as_of": now,
        "filters": {k: v for k, v in filters.items() if v is not None},
        "cases": [asdict(c) for c in cases],
    }


def hotspot_map(scope: Scope, args: dict, now=None) -> dict:
    """The hotspots found now in the caller's county as GeoJSON, each with its open alert."""
    now = now or datetime.now(UTC)
    county = weights.county_of(scope, args.get("county"))
    spots = hotspots.detect(county, now, args.get("category"))
    alerts = alerts_service.open_alerts_read(county)
    features = []
    for spot in spots:
        if not scope.covers_area_of(county, spot.township_code):
            continue  # a township's staff see their township's hotspots
        if args.get("kind") and spot.kind != args["kind"]:
            continue
        alert = alerts_service.match(alerts, spot)
        properties = asdict(spot) | {"alert_id": alert.id if alert else None}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [spot.lon, spot.lat]},
                "properties": {k: v for k, v in properties.items() if k not in ("lon", "lat")},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def recompute(scope: Scope, data: dict):
    """Check a recompute request and record its job (queued; the view queues it once committed).

    The range is capped (``recompute_jobs.MAX_DAYS``): the job deletes and settles it in one
    transaction, and a longer one would hold the county's settled figures locked that long.
    """
    county = weights.county_of(scope, data.get("county"))
    if scope.township_code or data["to"] < data["from_"]:
        raise Invalid(
            "A county admin recomputes a range of days (from <= to).",
            code="assessment.recompute_range",
        )
    if (data["to"] - data["from_"]).days + 1 > recompute_jobs.MAX_DAYS:
        raise Invalid(
            f"A recompute covers at most {recompute_jobs.MAX_DAYS} days.",
            code="assessment.recompute_too_long",
        )
    return recompute_jobs.create(scope, county, data["from_"], data["to"])


def patrol_table(scope: Scope, args: dict) -> dict:
    chosen = period(args["period"], args.get("from_"), args.get("to"))
    return patrols.township(scope, args.get("township"), chosen)
