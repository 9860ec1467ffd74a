"""Deciding for a batch of incidents: a fixed number of queries, whatever the batch size.

For a batch (an offline sync can bring a hundred) the cost is each county's cached world and one
spatial join for the zones under all the points; :func:`gridsvc.routing.decision.engine.decide`
does the rest in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

from gridsvc.incidents import Incident
from gridsvc.routing.decision.engine import Decision, RoutingInput, decide
from gridsvc.routing.decision.loading import zones_under_points
from gridsvc.routing.decision.world import World, county_world


def _township_name(report) -> str | None:
    """A Filing carries the name; a stored Incident keeps it among its place names."""
    name = getattr(report, "township_name", None)
    return name or (getattr(report, "place_names", None) or {}).get("township")


def route_many(
    incidents: Sequence[Incident],
    points: Sequence[tuple[float, float]],
    excluded: dict[int, frozenset[int]] | None = None,
) -> tuple[list[Decision], dict[str, World]]:
    """One decision per incident (same order), plus each county's world used to decide."""
    excluded = excluded or {}
    by_county: dict[str, list[int]] = {}
    for n, incident in enumerate(incidents):
        by_county.setdefault(incident.county_code, []).append(n)
    decisions: list[Decision | None] = [None] * len(incidents)
    worlds: dict[str, World] = {}
    for county, positions in by_county.items():
        world = worlds[county] = county_world(county)
        zones = (
            zones_under_points(county, [points[n] for n in positions])
            if world.has_zones
            else [[] for _ in positions]
        )
        for n, zones_here in zip(positions, zones, strict=True):
            incident = incidents[n]
            decisions[n] = decide(
                RoutingInput(
                    category=world.categories[incident.category_code],
                    county_code=county,
                    township_code=incident.township_code,
                    township_name=_township_name(incident),
                    entry=world.entries.get(incident.category_code),
                    items=world.items.get(incident.category_code, ()),
                    zones=tuple(zones_here),
                    teams=world.directory.teams,
                    township_teams=world.directory.township_teams,
                    excluded_team_ids=excluded.get(incident.id, frozenset()),
                )
            )
    return decisions, worlds  # type: ignore[return-value]
