"""Gathering what the routing decision needs from the database, in bulk.

For a batch of incidents (an offline sync can bring a hundred) the cost is a fixed number of
queries: the county's team directory, the list entries in force for the categories present, and
one spatial join for the zones under all the points. :func:`gridsvc.routing.decision.engine.decide` does
the rest in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select, text

from gridsvc.extensions import db
from gridsvc.incidents import Category
from gridsvc.routing.decision.catalogue import DelegationInfo, ItemInfo
from gridsvc.routing.decision.engine import CategoryInfo, EntryInfo, ZoneInfo
from gridsvc.routing.decision.offices import TeamInfo
from gridsvc.routing.directory.models import (
    ItemDelegation,
    PowerItem,
    ResponsibilityEntry,
    Team,
    TeamTownship,
)
from gridsvc.routing.directory.responsibility import in_force_ids

ZONES_UNDER_POINTS_SQL = """
SELECT p.ord, z.id, z.name, z.team_id, z.priority, z.category_codes
FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, ord)
JOIN routing_zones z ON z.county_code = :county AND z.active
 AND ST_Covers(z.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
"""


class Directory:
    """A county's teams as the routing decision sees them."""

    def __init__(self, county: str):
        rows = db.session.scalars(select(Team).where(Team.county_code == county)).all()
        self.county = county
        self.teams = {
            t.id: TeamInfo(
                t.id,
                t.kind,
                t.code,
                t.name,
                t.active,
                tuple(t.category_codes) if t.category_codes is not None else None,
                tuple(t.item_codes) if t.item_codes is not None else None,
                t.parent_department_id,
            )
            for t in rows
        }
        served: dict[str, list[int]] = {}
        for township, team_id in db.session.execute(
            select(TeamTownship.township_code, TeamTownship.team_id)
            .where(TeamTownship.county_code == county)
            .order_by(TeamTownship.team_id)
        ):
            served.setdefault(township, []).append(team_id)
        self.township_teams = {code: tuple(ids) for code, ids in served.items()}


def category_infos(codes: Iterable[str] | None) -> dict[str, CategoryInfo]:
    """Deadlines and names of the given categories (all of them for None)."""
    stmt = select(Category)
    if codes is not None:
        stmt = stmt.where(Category.code.in_(set(codes)))
    rows = db.session.scalars(stmt)
    return {
        c.code: CategoryInfo(c.code, c.name_zh, float(c.response_hours), float(c.resolution_hours))
        for c in rows
    }


def entries_in_force(county: str, day: date) -> dict[str, EntryInfo]:
    ids = in_force_ids(county, day)
    rows = db.session.scalars(select(ResponsibilityEntry).where(ResponsibilityEntry.id.in_(ids)))
    return {
        e.category_code: EntryInfo(
            e.id,
            e.primary_kind,
            e.department_id,
            e.delegated,
            tuple(e.cooperating_ids or ()),
            e.response_hours,
            e.resolution_hours,
            e.deadline_basis,
            e.legal_basis,
        )
        for e in rows
    }


DELEGATIONS_IN_FORCE_SQL = """
SELECT DISTINCT ON (d.item_id, d.township_code) d.id
FROM item_delegations d
WHERE d.county_code = :county AND d.effective_from <= :day
ORDER BY d.item_id, d.township_code, d.effective_from DESC
"""


def items_in_force(county: str, day: date) -> dict[str, tuple[ItemInfo, ...]]:
    """Category code -> the county's catalogue items covering it, each with the delegation rows in
    force on the day (one per township named, one for all townships)."""
    ids = list(db.session.scalars(text(DELEGATIONS_IN_FORCE_SQL), {"county": county, "day": day}))
    rows: dict[int, list[DelegationInfo]] = {}
    for d in db.session.scalars(select(ItemDelegation).where(ItemDelegation.id.in_(ids))):
        rows.setdefault(d.item_id, []).append(
            DelegationInfo(d.id, d.township_code, d.form, d.effective_from, d.batch)
        )
    by_category: dict[str, list[ItemInfo]] = {}
    for item in db.session.scalars(select(PowerItem).where(PowerItem.county_code == county)):
        info = ItemInfo(
            item.id,
            item.code,
            item.name,
            item.kind,
            item.department_id,
            tuple(rows.get(item.id, ())),
        )
        for code in item.category_codes or ():
            by_category.setdefault(code, []).append(info)
    return {code: tuple(items) for code, items in by_category.items()}


def zones_under_points(county: str, points: Sequence[tuple[float, float]]) -> list[list[ZoneInfo]]:
    found: list[list[ZoneInfo]] = [[] for _ in points]
    if not points:
        return found
    rows = db.session.execute(
        text(ZONES_UNDER_POINTS_SQL),
        {"county": county, "lons": [p[0] for p in points], "lats": [p[1] for p in points]},
    )
    for r in rows:
        codes = tuple(r.category_codes) if r.category_codes else None
        found[r.ord - 1].append(ZoneInfo(r.id, r.name, r.team_id, r.priority, codes))
    return found
