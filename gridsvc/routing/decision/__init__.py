"""The routing decision: who must act on an incident, and why.

- ``engine``: the pure decision (zone → list entry → township team → 乡呼县应 call → triage) with
  its reason trace. **A new routing rule goes here**, with a test in ``tests/routing/test_engine.py``
  that needs no database.
- ``catalogue``: which township holds which catalogue item (权责事项) on the day, pure as well.
- ``loading``: gathers the engine's inputs from the database in bulk and runs it for a batch.
- ``world``: what the decision reads on every report, cached per county.
"""

from gridsvc.routing.decision.batch import route_many
from gridsvc.routing.decision.catalogue import DelegationInfo, ItemInfo
from gridsvc.routing.decision.engine import (
    COUNTY_CALL,
    TOWNSHIP_TEAM,
    TRIAGE,
    CategoryInfo,
    Decision,
    EntryInfo,
    RoutingInput,
    decide,
)
from gridsvc.routing.decision.world import World, county_world

__all__ = [
    "COUNTY_CALL",
    "TOWNSHIP_TEAM",
    "TRIAGE",
    "CategoryInfo",
    "Decision",
    "DelegationInfo",
    "EntryInfo",
    "ItemInfo",
    "RoutingInput",
    "World",
    "county_world",
    "decide",
    "route_many",
]
