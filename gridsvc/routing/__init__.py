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
accounts) and ``calendar_coverage`` (for /readyz) for the app factory, ``route_many`` and ``county_world`` for readers; for assessment
(the room above), the stored facts it reads (``Case``, ``Call``, ``Team``,
``ResponsibilityEntry``), the clock that set the deadlines (``office_calendar``,
``hours_between``) and the way to tell people (``Notice``, ``notify_many``, ``recipients``).
"""

from gridsvc.routing.cases.intake import CaseIntake
from gridsvc.routing.cases.models import Call, Case
from gridsvc.routing.deadlines.calendar import hours_between
from gridsvc.routing.deadlines.clock import calendar as office_calendar
from gridsvc.routing.deadlines.statutory import coverage as calendar_coverage
from gridsvc.routing.decision import county_world, route_many
from gridsvc.routing.directory.models import ResponsibilityEntry, Team
from gridsvc.routing.directory.responsibility import today
from gridsvc.routing.directory.teams import DirectoryRoster
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.notify import Notice, notify_many

__all__ = [
    "Call",
    "Case",
    "CaseIntake",
    "DirectoryRoster",
    "Notice",
    "ResponsibilityEntry",
    "Team",
    "calendar_coverage",
    "county_world",
    "hours_between",
    "notify_many",
    "office_calendar",
    "recipients",
    "route_many",
    "today",
]
