"""What routing reads on every report, cached per county until any of it changes.

Teams, the list in force, the category deadlines, the people to notify, zones and webhook
subscribers change a few times a year; reports arrive many times a second. Each process keeps its
reading of a county (for the day: the list in force depends on the date) until the database's
``directory``, ``accounts`` or ``categories`` version moves (gridsvc/caching.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from gridsvc.caching import VersionedCache
from gridsvc.extensions import db
from gridsvc.routing.decision.catalogue import ItemInfo
from gridsvc.routing.decision.engine import CategoryInfo, EntryInfo
from gridsvc.routing.decision.loading import (
    Directory,
    category_infos,
    entries_in_force,
    items_in_force,
)
from gridsvc.routing.directory.models import RoutingZone
from gridsvc.routing.directory.responsibility import today
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.models import WebhookSubscription
from gridsvc.routing.notices.recipients import People


@dataclass(frozen=True)
class World:
    county: str
    day: date
    directory: Directory
    entries: dict[str, EntryInfo]
    items: dict[str, tuple[ItemInfo, ...]]  # category -> catalogue items with delegations in force
    categories: dict[str, CategoryInfo]
    people: People
    has_webhooks: bool
    has_zones: bool


_worlds: VersionedCache[World] = VersionedCache(
    "directory", "accounts", "categories", max_entries=1_000
)


def county_world(county: str) -> World:
    day = today()
    return _worlds.get((county, day), lambda: _load(county, day))


def _load(county: str, day: date) -> World:
    directory = Directory(county)
    return World(
        county=county,
        day=day,
        directory=directory,
        entries=entries_in_force(county, day),
        items=items_in_force(county, day),
        categories=category_infos(None),
        people=recipients.lookup(directory.teams, [county]),
        has_webhooks=db.session.scalar(
            select(WebhookSubscription.id)
            .where(WebhookSubscription.county_code == county, WebhookSubscription.active)
            .limit(1)
        )
        is not None,
        has_zones=db.session.scalar(
            select(RoutingZone.id)
            .where(RoutingZone.county_code == county, RoutingZone.active)
            .limit(1)
        )
        is not None,
    )
