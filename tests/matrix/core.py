"""The permission matrix's notation: for every operation that takes an id, what each caller gets.

The rows themselves are in ``rows_*.py``, one module per group of rooms. A row names an operation of the OpenAPI spec (``"METHOD /path"``, without ``/api/v1``) and, for an
id carried in the body, the field (``None``: the path's ids). Its ``expect`` maps each target (a
place of the resource the row's ids name: tests/matrix/world.py) to what every caller gets:

    "ok: G CA | 404: TA | 403: *"

- ``ok``: authorization passed — a 2xx, or one of the row's ``ok`` statuses (a 409 that answers
  the resource's state, reached only after every check);
- ``403``, ``404``: that status (a 404's code ends in ``not_found``);
- ``missing``: a body id answered exactly as an id that does not exist (same status and code);
- ``422=<code>``: a validation answer the caller earns after seeing the id (a wrong kind of team);
- ``*``: every caller not named before.

The callers (all of county A but the global admin; the township ones in A1):
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

CALLERS = {
    "G": "global admin",
    "CA": "admin of county A",
    "TA": "admin of township A1",
    "gis": "gis_staff of A",
    "sup": "supervisor of A",
    "disp": "county_dispatcher of A",
    "dept": "department_handler of A's department (target A)",
    "lead": "team_lead of A1's team",
    "off": "officer of A1's team",
    "wrk": "grid_worker of A1, holding grid A1, reporter of A1's incidents",
}
MISSING_ID = 99_999_999


@dataclass(frozen=True)
class Req:
    method: str
    url: str
    json: dict | None = None
    data: dict | None = None
    if_match: bool = False


@dataclass(frozen=True)
class Row:
    op: str
    field: str | None
    build: Callable  # (world, target, id_override) -> Req
    expect: dict[str, str]
    ok: tuple[int, ...] = field(default=(200, 201, 204))


ROWS: list[Row] = []


def row(op, field=None, *, ok=(200, 201, 204), **expect):
    def register(build):
        ROWS.append(Row(op, field, build, expect, ok))
        return build

    return register


def parse(spec: str) -> dict[str, str]:
    """'ok: G CA | 403: *' -> {caller: outcome} for every caller, each named once."""
    out: dict[str, str] = {}
    rest = None
    for part in spec.split("|"):
        outcome, names = part.split(":", 1)
        outcome = outcome.strip()
        for name in names.split():
            if name == "*":
                rest = outcome
                continue
            assert name in CALLERS, f"unknown caller {name!r} in {spec!r}"
            assert name not in out, f"{name} named twice in {spec!r}"
            out[name] = outcome
    for name in CALLERS:
        if name not in out:
            assert rest is not None, f"{name} has no expectation in {spec!r}"
            out[name] = rest
    return out


def pick(override, value):
    """The id a row's builder uses: its own, or the override the runner asks for (``MISSING_ID``)."""
    return value if override is None else override
