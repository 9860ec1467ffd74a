"""Routing: who must act on each incident, and the case workflow that follows.

Its parts, lowest first (the order .importlinter checks):

- ``directory``: teams, the responsibility list (属地管理事项清单), zones — who handles what;
- ``notices``: the inbox, signed webhooks, who gets told;
- ``decision``: the pure routing engine (a new routing rule goes in ``decision/engine.py``), what
  it loads and its per-county cache;
- ``deadlines``: due times on the office calendar, the SLA sweep, supervision notices (督办);
- ``cases``: the workflow, 乡呼县应 calls, the team queue, and ``CaseIntake``, the incidents
  room's ``Router``.

The face: ``CaseIntake`` and ``DirectoryRoster`` (the ports it implements for incidents and
accounts) for the app factory, ``route_many`` and ``county_world`` for readers.
"""

from gridsvc.routing.cases.intake import CaseIntake
from gridsvc.routing.decision import county_world, route_many
from gridsvc.routing.directory.teams import DirectoryRoster

__all__ = ["CaseIntake", "DirectoryRoster", "county_world", "route_many"]
