"""What routing reads on every report, cached per county for a few seconds.

Teams, the list in force, the category deadlines, the people to notify, zones and webhook
subscribers change a few times a year; reports arrive many times a second. Each process keeps
its last reading of a county for ``ROUTING_CACHE_SECONDS`` (tests: 0) and drops it at once when it
writes any of them itself, so an edit is seen by its own process immediately and by the others
within the TTL — the same bargain as the auth cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select

from gridsvc.extensions import db
from gridsvc.routing.decision.engine import CategoryInfo, EntryInfo
from gridsvc.routing.directory.models import RoutingZone
from gridsvc.routing.notices.models import WebhookSubscription

if TYPE_CHECKING:  # imported when used: the modules that write call forget() from here
    from gridsvc.routing.decision.loading import Directory
    from gridsvc.routing.notices.recipients import People


@dataclass(frozen=True)
class World:
    county: str
    day: object
    directory: Directory
    entries: dict[str, EntryInfo]
    categories: dict[str, CategoryInfo]
    people: People
    has_webhooks: bool
    has_zones: bool


_worlds: dict[str, tuple[float, World]] = {}


def county_world(county: str) -> World:
    from gridsvc.routing.decision.loading import Directory, category_infos, entries_in_force
    from gridsvc.routing.directory.responsibility import today
    from gridsvc.routing.notices import recipients

    ttl = current_app.config["ROUTING_CACHE_SECONDS"]
    now = time.monotonic()
    hit = _worlds.get(county)
    day = today()
    if ttl > 0 and hit is not None and now - hit[0] < ttl and hit[1].day == day:
        return hit[1]
    directory = Directory(county)
    loaded = World(
        county=county,
        day=day,
        directory=directory,
        entries=entries_in_force(county, day),
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
    if ttl > 0:
        _worlds[county] = (now, loaded)
    return loaded


def forget(county: str | None = None) -> None:
    """Drop the cached reading (this process wrote teams, the list, members or webhooks)."""
    if county is None:
        _worlds.clear()
    else:
        _worlds.pop(county, None)
