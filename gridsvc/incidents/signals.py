"""Signals other rooms subscribe to (blinker, through Flask's namespace).

``incidents_filing`` is sent just before a batch is inserted, with the reports about to be filed
(``Filing`` rows: category, county, township, village, grid, lon, lat). A receiver may return one
dict per report (or None for none); it is stored in each new incident's ``routing`` column by the
same INSERT — the routing room decides here, so filing costs no second write per incident.

    @incidents_filing.connect
    def decide(sender, reports): return [{"target": ...}, ...]

``incidents_reported`` is sent once per request that created incidents — a single report or an
offline batch — inside the request's transaction, after the rows and their ``reported`` events are
written and before the response is serialised. Receivers get the new :class:`Incident` objects
(attached to the session, so setting ``incident.routing`` or recording events lands in the same
commit and in the response). Replays of earlier reports are not sent again.

    @incidents_reported.connect
    def route(sender, incidents, actor_id, source): ...
"""

from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()

incidents_filing = _signals.signal("incidents-filing")
incidents_reported = _signals.signal("incidents-reported")


@dataclass(frozen=True)
class Filing:
    """A report about to be filed, as ``incidents_filing`` receivers see it."""

    category_code: str
    county_code: str
    township_code: str | None
    village_code: str | None
    grid_code: str | None
    lon: float
    lat: float
    township_name: str | None = None
    id: None = None  # not filed yet
