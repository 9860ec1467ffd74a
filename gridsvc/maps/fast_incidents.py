"""Which incident tile requests the lean path (gridsvc/maps/fast_tiles.py) may answer itself.

Only a request the full path would accept exactly as it stands, with filters whose meaning is
plain without webargs: ``status`` (repeatable), ``category`` and ``overdue=true|false``. A team
filter needs the policy's look-up of the team (another county's is a 404), encoded or repeated
values, other spellings of a boolean, and anything unknown go to the full path, which answers
them (and every error) as before.
"""

from __future__ import annotations

import re

from gridsvc.incidents import STATUSES
from gridsvc.maps import tiles

LAYER = tiles.LAYERS["incidents"]
OVERDUE = {"true": True, "false": False}


def incident_request(match: re.Match, query: str) -> tuple | None:
    """(z, x, y, filters) for the lean path, or None: the full path answers it."""
    z, x, y = int(match.group(2)), int(match.group(3)), int(match.group(4))
    if not (LAYER.minzoom <= z <= LAYER.maxzoom and x < 2**z and y < 2**z):
        return None
    filters: dict = {}
    for pair in query.split("&") if query else ():
        name, equals, value = pair.partition("=")
        if not equals or not value.isascii() or "%" in value or "+" in value:
            return None  # encoded or odd: the full path decodes and validates it
        if name == "status" and value in STATUSES:
            filters.setdefault("status", []).append(value)
        elif name == "category" and "category" not in filters and _category(value):
            filters["category"] = value
        elif name == "overdue" and "overdue" not in filters and value in OVERDUE:
            filters["overdue"] = OVERDUE[value]
        else:
            return None
    if len(filters.get("status", ())) > len(STATUSES):
        return None  # the schema's length limit: a 422 from the full path
    return z, x, y, filters


def _category(value: str) -> bool:
    """The schema's ``^\\d{4}$``, in ASCII digits (the only ones an unencoded URL carries)."""
    return len(value) == 4 and value.isdigit()
