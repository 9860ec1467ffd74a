"""The permission matrix's table: for every operation that takes an id, what each caller gets.

A row names an operation of the OpenAPI spec (``"METHOD /path"``, without ``/api/v1``) and, for an
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

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.routing.conftest import jpeg

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


def _or(override, value):
    return value if override is None else override


# --- accounts --------------------------------------------------------------------------------

ADMINS_OF_THE_AREA = {
    "A1": "ok: G CA TA | 403: *",
    "A2": "ok: G CA | 404: TA | 403: *",
    "A": "ok: G CA | 404: TA | 403: *",
    "B": "ok: G | 404: CA TA | 403: *",
}


@row("GET /users/{user_id}", **ADMINS_OF_THE_AREA)
def _(w, t, x=None):
    return Req("GET", f"/users/{w.id('account', t)}")


@row("PATCH /users/{user_id}", **ADMINS_OF_THE_AREA)
def _(w, t, x=None):
    return Req("PATCH", f"/users/{w.id('account', t)}", {"phone": "13800000000"}, if_match=True)


# The body's team for an officer of A1 (a county admin gets the membership rule's 422s).
TEAM_FOR_AN_A1_OFFICER = {
    "A1": "ok: G CA TA | 403: *",
    "A2": "422=team.member_outside_team_area: G CA | 403: *",
    "A": "422=team.member_role: G CA | 403: *",
    "B": "422=team.member_outside_team_area: G | missing: CA TA | 403: *",
}


@row("PATCH /users/{user_id}", "team_id", **TEAM_FOR_AN_A1_OFFICER)
def _(w, t, x=None):
    body = {"team_id": _or(x, w.id("team", t))}
    return Req("PATCH", f"/users/{w.id('officer', 'A1')}", body, if_match=True)


@row("POST /users", "team_id", **TEAM_FOR_AN_A1_OFFICER)
def _(w, t, x=None):
    body = {
        "username": "matrix_new",
        "password": "a-long-password",
        "role": "officer",
        "township_code": "430302001",
        "team_id": _or(x, w.id("team", t)),
    }
    return Req("POST", "/users", body)


# --- boundaries ------------------------------------------------------------------------------

BOUNDARY_EDITORS = {
    "A1": "ok: G CA TA gis | 403: *",
    "A2": "ok: G CA gis | 404: TA | 403: *",
    "A": "ok: G CA gis | 404: TA | 403: *",
    "B": "ok: G | 404: CA TA gis | 403: *",
}


@row("GET /boundary-uploads/{upload_id}", **BOUNDARY_EDITORS)
def _(w, t, x=None):
    return Req("GET", f"/boundary-uploads/{w.id('upload', t)}")


@row("POST /boundary-uploads/{upload_id}/publish", **BOUNDARY_EDITORS)
def _(w, t, x=None):
    return Req("POST", f"/boundary-uploads/{w.id('upload', t)}/publish", {})


MERGES = {k: v for k, v in BOUNDARY_EDITORS.items() if k != "A"}


@row("GET /grid-merges/{merge_id}", **MERGES)
def _(w, t, x=None):
    return Req("GET", f"/grid-merges/{w.id('merge', t)}")


@row("POST /grid-merges/{merge_id}/publish", ok=(409,), **MERGES)
def _(w, t, x=None):
    return Req("POST", f"/grid-merges/{w.id('merge', t)}/publish", {})


# The map is read county-wide by everyone of the county.
MAP = {"A1": "ok: *", "A2": "ok: *", "B": "ok: G | 404: *"}


@row("GET /areas/{code}", **MAP)
def _(w, t, x=None):
    return Req("GET", f"/areas/{w.id('area', t)}")


@row("GET /grids/{code}", **MAP)
def _(w, t, x=None):
    return Req("GET", f"/grids/{w.id('grid', t)}")


@row("GET /grids/{code}/history", **MAP)
def _(w, t, x=None):
    return Req("GET", f"/grids/{w.id('grid', t)}/history")


# --- categories: one catalogue for every county ----------------------------------------------


@row("GET /categories/{code}", X="ok: *")
def _(w, t, x=None):
    return Req("GET", f"/categories/{w.id('category', t)}")


@row("PATCH /categories/{code}", X="ok: G | 403: *")
def _(w, t, x=None):
    return Req("PATCH", f"/categories/{w.id('category', t)}", {"name_en": "x"}, if_match=True)


# --- incidents and photos --------------------------------------------------------------------

INCIDENT_READERS = {
    "A1": "ok: G CA TA sup disp dept lead off wrk | 403: gis",
    "A2": "ok: G CA sup disp dept | 404: TA lead off wrk | 403: gis",
    "B": "ok: G | 404: CA TA sup disp dept lead off wrk | 403: gis",
}


@row("GET /incidents/{incident_id}", **INCIDENT_READERS)
def _(w, t, x=None):
    return Req("GET", f"/incidents/{w.id('incident', t)}")


@row("GET /incidents/{incident_id}/events", **INCIDENT_READERS)
def _(w, t, x=None):
    return Req("GET", f"/incidents/{w.id('incident', t)}/events")


@row("GET /incidents/{incident_id}/photos", **INCIDENT_READERS)
def _(w, t, x=None):
    return Req("GET", f"/incidents/{w.id('incident', t)}/photos")


# A report photo: the roles that may add one (incidents/photos.py: kinds by role).
@row(
    "POST /incidents/{incident_id}/photos",
    A1="ok: G CA TA disp lead off wrk | 403: gis sup dept",
    A2="ok: G CA disp | 404: TA lead off wrk | 403: gis sup dept",
    B=INCIDENT_READERS["B"],
)
def _(w, t, x=None):
    form = {"kind": "report", "file": (io.BytesIO(jpeg((7, 7, 7))), "m.jpg")}
    return Req("POST", f"/incidents/{w.id('incident', t)}/photos", data=form)


@row("GET /incidents/{incident_id}/photos/{photo_id}", **INCIDENT_READERS)
def _(w, t, x=None):
    return Req("GET", f"/incidents/{w.id('incident', t)}/photos/{w.id('photo', t)}")


@row("GET /incidents/{incident_id}/photos/{photo_id}/thumbnail", **INCIDENT_READERS)
def _(w, t, x=None):
    return Req("GET", f"/incidents/{w.id('incident', t)}/photos/{w.id('photo', t)}/thumbnail")


# Dismissing a flag the incident does not carry: 409 incident.not_flagged once authorised.
@row(
    "POST /incidents/{incident_id}/duplicate",
    ok=(409,),
    A1="ok: G CA TA disp lead | 403: *",
    A2="ok: G CA disp | 404: TA lead | 403: *",
    B="ok: G | 404: CA TA disp lead | 403: *",
)
def _(w, t, x=None):
    return Req(
        "POST",
        f"/incidents/{w.id('incident', t)}/duplicate",
        {"decision": "dismiss"},
        if_match=True,
    )


@row(
    "POST /incidents/{incident_id}/duplicate",
    "original_id",
    A1="ok: G CA TA disp lead | 403: *",
    A2="ok: G CA disp | missing: TA lead | 403: *",
    B="ok: G | missing: CA TA disp lead | 403: *",
)
def _(w, t, x=None):
    original = _or(x, w.id("incident", t) if t != "A1" else w.id("incident_other", "A1"))
    body = {"decision": "confirm", "original_id": original}
    return Req("POST", f"/incidents/{w.id('incident', 'A1')}/duplicate", body, if_match=True)


# --- the case workflow -----------------------------------------------------------------------


def _action(incident: int, body: dict) -> Req:
    return Req("POST", f"/incidents/{incident}/actions", body, if_match=True)


# Accepting a reported case: the handling team's lead or the county desk.
@row(
    "POST /incidents/{incident_id}/actions",
    A1="ok: G CA disp lead | 403: *",
    A2="ok: G CA disp | 404: TA lead off wrk | 403: *",
    B="ok: G | 404: *",
)
def _(w, t, x=None):
    return _action(w.id("incident", t), {"action": "accept"})


@row(
    "POST /incidents/{incident_id}/actions",
    "team_id",
    A1="ok: G CA disp lead | 403: *",
    A2="ok: G CA disp | 403: *",
    B="missing: G CA disp | 403: *",
)
def _(w, t, x=None):
    body = {"action": "dispatch", "team_id": _or(x, w.id("team", t))}
    return _action(w.id("incident_accepted", "A1"), body)


@row(
    "POST /incidents/{incident_id}/actions",
    "assignee_id",
    A1="ok: G CA disp lead | 403: *",
    A2="missing: G CA disp lead | 403: *",
    B="missing: G CA disp lead | 403: *",
)
def _(w, t, x=None):
    body = {
        "action": "assign",
        "assignee_id": _or(x, w.id("member", t) if t != "A1" else w.id("user", "off")),
    }
    return _action(w.id("incident_accepted", "A1"), body)


@row(
    "POST /incidents/{incident_id}/actions",
    "photo_ids",
    A1="ok: lead off | 403: *",
    A2="missing: lead off | 403: *",
    B="missing: lead off | 403: *",
)
def _(w, t, x=None):
    photo = w.id("evidence", "A1") if t == "A1" else w.id("photo", t)
    body = {"action": "resolve", "photo_ids": [_or(x, photo)]}
    return _action(w.id("incident_working", "A1"), body)


@row(
    "POST /incidents/{incident_id}/actions",
    "original_id",
    A1="ok: G CA disp lead | 403: *",
    A2="ok: G CA disp | missing: lead | 403: *",
    B="ok: G | missing: CA disp lead | 403: *",
)
def _(w, t, x=None):
    original = _or(x, w.id("incident", t) if t != "A1" else w.id("incident_other", "A1"))
    return _action(w.id("incident", "A1"), {"action": "mark_duplicate", "original_id": original})


@row(
    "POST /incidents/{incident_id}/actions",
    "department_id",
    A="ok: G CA TA lead | 403: *",
    B="missing: G CA TA lead | 403: *",
)
def _(w, t, x=None):
    department = _or(x, w.id("team", "A" if t == "A" else "B_dept"))
    body = {"action": "call_county", "note": "需要部门支持", "department_id": department}
    return _action(w.id("incident", "A1"), body)


@row(
    "GET /incidents/{incident_id}/case",
    A1="ok: *",
    A2="ok: G CA gis sup disp dept | 404: *",
    B="ok: G | 404: *",
)
def _(w, t, x=None):
    return Req("GET", f"/incidents/{w.id('incident', t)}/case")


# --- 乡呼县应 calls --------------------------------------------------------------------------


@row(
    "POST /calls",
    "incident_id",
    A1="ok: G CA TA lead | 403: *",
    A2="ok: G CA | missing: TA lead | 403: *",
    B="ok: G | missing: CA TA lead | 403: *",
)
def _(w, t, x=None):
    return Req("POST", "/calls", {"incident_id": _or(x, w.id("incident", t)), "reason": "请求支援"})


@row(
    "POST /calls",
    "department_id",
    A="ok: G CA TA lead | 403: *",
    B="missing: G CA TA lead | 403: *",
)
def _(w, t, x=None):
    department = _or(x, w.id("team", "A" if t == "A" else "B_dept"))
    body = {
        "incident_id": w.id("incident", "A1"),
        "reason": "请求支援",
        "department_id": department,
    }
    return Req("POST", "/calls", body)


CALLS_READERS = {
    "A1": "ok: *",
    "A2": "ok: G CA gis sup disp dept | 404: *",
    "B": "ok: G | 404: *",
}


@row("GET /calls/{call_id}", **CALLS_READERS)
def _(w, t, x=None):
    return Req("GET", f"/calls/{w.id('call', t)}")


def _analyse(w, call_target: str, primary, cooperating=()) -> Req:
    body = {"action": "analyse", "primary_department_id": primary}
    if cooperating:
        body["cooperating_ids"] = list(cooperating)
    return Req("POST", f"/calls/{w.id('call', call_target)}/actions", body, if_match=True)


# Analysing an accepted call (研判) is the county desk's step.
@row(
    "POST /calls/{call_id}/actions",
    A1="ok: G CA disp | 403: *",
    A2="ok: G CA disp | 404: TA lead off wrk | 403: *",
    B="ok: G | 404: *",
)
def _(w, t, x=None):
    return _analyse(w, t, w.id("team", "B_dept" if t == "B" else "A"))


@row(
    "POST /calls/{call_id}/actions",
    "primary_department_id",
    A="ok: G CA disp | 403: *",
    B="missing: G CA disp | 403: *",
)
def _(w, t, x=None):
    return _analyse(w, "A1", _or(x, w.id("team", "A" if t == "A" else "B_dept")))


@row(
    "POST /calls/{call_id}/actions",
    "cooperating_ids",
    A="ok: G CA disp | 403: *",
    B="missing: G CA disp | 403: *",
)
def _(w, t, x=None):
    other = _or(x, w.id("team", "A_2" if t == "A" else "B_dept"))
    return _analyse(w, "A1", w.id("team", "A"), [other])


# --- teams and members -----------------------------------------------------------------------

COUNTY_WIDE_READ = {"A1": "ok: *", "A2": "ok: *", "A": "ok: *", "B": "ok: G | 404: *"}
COUNTY_ADMINS = {
    "A1": "ok: G CA | 403: *",
    "A2": "ok: G CA | 403: *",
    "A": "ok: G CA | 403: *",
    "B": "ok: G | 404: CA TA | 403: *",
}


@row("GET /teams/{team_id}", **COUNTY_WIDE_READ)
def _(w, t, x=None):
    return Req("GET", f"/teams/{w.id('team', t)}")


@row("PATCH /teams/{team_id}", **COUNTY_ADMINS)
def _(w, t, x=None):
    return Req("PATCH", f"/teams/{w.id('team', t)}", {"phone": "0731-1"}, if_match=True)


@row("GET /teams/{team_id}/members", **COUNTY_WIDE_READ)
def _(w, t, x=None):
    return Req("GET", f"/teams/{w.id('team', t)}/members")


# A team's natural newcomer (an officer of its township, a department's handler).
@row("POST /teams/{team_id}/members", **ADMINS_OF_THE_AREA)
def _(w, t, x=None):
    return Req("POST", f"/teams/{w.id('team', t)}/members", {"user_id": w.id("officer", t)})


@row(
    "POST /teams/{team_id}/members",
    "user_id",
    **{
        "A1": "ok: G CA TA | 403: *",
        "A2": "422=team.member_outside_team_area: G CA | missing: TA | 403: *",
        "A": "422=team.member_role: G CA | missing: TA | 403: *",
        "B": "422=team.member_outside_team_area: G | missing: CA TA | 403: *",
    },
)
def _(w, t, x=None):
    body = {"user_id": _or(x, w.id("officer", t))}
    return Req("POST", f"/teams/{w.id('team', 'A1')}/members", body)


@row("DELETE /teams/{team_id}/members/{user_id}", **ADMINS_OF_THE_AREA)
def _(w, t, x=None):
    return Req("DELETE", f"/teams/{w.id('team', t)}/members/{w.id('member', t)}")


@row(
    "GET /teams/{team_id}/queue",
    A1="ok: G CA sup disp lead off | 404: *",
    A2="ok: G CA sup disp | 404: *",
    A="ok: G CA sup disp dept | 404: *",
    B="ok: G | 404: *",
)
def _(w, t, x=None):
    return Req("GET", f"/teams/{w.id('team', t)}/queue")


# --- the responsibility list, zones, webhooks ------------------------------------------------

COUNTY_RECORD_READ = {"A": "ok: *", "B": "ok: G | 404: *"}
COUNTY_RECORD_ADMINS = {"A": "ok: G CA | 403: *", "B": "ok: G | 404: CA TA | 403: *"}


@row("GET /responsibility-list/{entry_id}", **COUNTY_RECORD_READ)
def _(w, t, x=None):
    return Req("GET", f"/responsibility-list/{w.id('entry', t)}")


@row("PATCH /responsibility-list/{entry_id}", **COUNTY_RECORD_ADMINS)
def _(w, t, x=None):
    return Req(
        "PATCH", f"/responsibility-list/{w.id('entry', t)}", {"response_hours": 3}, if_match=True
    )


@row("DELETE /responsibility-list/{entry_id}", **COUNTY_RECORD_ADMINS)
def _(w, t, x=None):
    return Req("DELETE", f"/responsibility-list/{w.id('entry', t)}")


DEPARTMENT_OF_A = {
    "A": "ok: G CA | 403: *",
    "B": "422=responsibility.unknown_department: G | missing: CA | 403: *",
}


def _department(w, t, x):
    return _or(x, w.id("team", "A_2" if t == "A" else "B_dept"))


@row("PATCH /responsibility-list/{entry_id}", "department_id", **DEPARTMENT_OF_A)
def _(w, t, x=None):
    body = {"department_id": _department(w, t, x)}
    return Req("PATCH", f"/responsibility-list/{w.id('entry', 'A')}", body, if_match=True)


@row("PATCH /responsibility-list/{entry_id}", "cooperating_ids", **DEPARTMENT_OF_A)
def _(w, t, x=None):
    body = {"cooperating_ids": [_department(w, t, x)]}
    return Req("PATCH", f"/responsibility-list/{w.id('entry', 'A')}", body, if_match=True)


def _new_entry(w, **ids) -> Req:
    body = {
        "county_code": "430302",
        "category_code": "0104",
        "primary_kind": "department",
        "department_id": w.id("team", "A"),
        "response_hours": 2,
        "resolution_hours": 24,
        "effective_from": (date.today() + timedelta(days=500)).isoformat(),
        **ids,
    }
    return Req("POST", "/responsibility-list", body)


@row("POST /responsibility-list", "department_id", **DEPARTMENT_OF_A)
def _(w, t, x=None):
    return _new_entry(w, department_id=_department(w, t, x))


@row("POST /responsibility-list", "cooperating_ids", **DEPARTMENT_OF_A)
def _(w, t, x=None):
    return _new_entry(w, cooperating_ids=[_department(w, t, x)])


@row("GET /zones/{zone_id}", **COUNTY_RECORD_READ)
def _(w, t, x=None):
    return Req("GET", f"/zones/{w.id('zone', t)}")


@row("PATCH /zones/{zone_id}", A="ok: G CA gis | 403: *", B="ok: G | 404: CA TA gis | 403: *")
def _(w, t, x=None):
    return Req("PATCH", f"/zones/{w.id('zone', t)}", {"priority": 7}, if_match=True)


ZONE_TEAM = {
    "A1": "ok: G CA gis | 403: *",
    "A": "ok: G CA gis | 403: *",
    "B": "missing: G CA gis | 403: *",
}


@row("PATCH /zones/{zone_id}", "team_id", **ZONE_TEAM)
def _(w, t, x=None):
    body = {"team_id": _or(x, w.id("team", t))}
    return Req("PATCH", f"/zones/{w.id('zone', 'A')}", body, if_match=True)


@row("POST /zones", "team_id", **ZONE_TEAM)
def _(w, t, x=None):
    square = [[112.83, 27.88], [112.84, 27.88], [112.84, 27.89], [112.83, 27.89], [112.83, 27.88]]
    body = {
        "county_code": "430302",
        "name": "matrix zone",
        "geometry": {"type": "Polygon", "coordinates": [square]},
        "team_id": _or(x, w.id("team", t)),
    }
    return Req("POST", "/zones", body)


WEBHOOK_ADMINS = {"A": "ok: G CA | 403: *", "B": "ok: G | 404: CA TA | 403: *"}


@row("DELETE /webhooks/{subscription_id}", **WEBHOOK_ADMINS)
def _(w, t, x=None):
    return Req("DELETE", f"/webhooks/{w.id('webhook', t)}")


@row("GET /webhooks/{subscription_id}/deliveries", **WEBHOOK_ADMINS)
def _(w, t, x=None):
    return Req("GET", f"/webhooks/{w.id('webhook', t)}/deliveries")


@row("POST /webhooks", "team_id", A1="ok: G CA | 403: *", B="missing: G CA | 403: *")
def _(w, t, x=None):
    body = {
        "url": "https://1.1.1.1/matrix",
        "county_code": "430302",
        "team_id": _or(x, w.id("team", t)),
    }
    return Req("POST", "/webhooks", body)


# --- notices ---------------------------------------------------------------------------------


@row(
    "POST /supervision-notices/{notice_id}/acknowledge",
    A1="ok: G CA sup disp lead | 404: dept | 403: *",
    A2="ok: G CA sup disp | 404: TA dept lead off wrk | 403: *",
    B="ok: G | 404: *",
)
def _(w, t, x=None):
    return Req("POST", f"/supervision-notices/{w.id('notice', t)}/acknowledge")


# Only the caller's own notices change; another's id is answered as one that does not exist.
@row("POST /me/notifications/read", "ids", self="ok: wrk | missing: *", A2="missing: *")
def _(w, t, x=None):
    return Req("POST", "/me/notifications/read", {"ids": [_or(x, w.id("notification", t))]})


# --- grid workers ----------------------------------------------------------------------------

WORKER_READERS = {
    "self": "ok: G CA TA sup disp wrk | 403: *",
    "A1": "ok: G CA TA sup disp | 404: wrk | 403: *",
    "A2": "ok: G CA sup disp | 404: TA wrk | 403: *",
    "B": "ok: G | 404: CA TA sup disp wrk | 403: *",
}
WORKER_MANAGERS = {
    "self": "ok: G CA TA | 403: *",
    "A1": "ok: G CA TA | 403: *",
    "A2": "ok: G CA | 404: TA | 403: *",
    "B": "ok: G | 404: CA TA | 403: *",
}


@row("GET /workers/{user_id}", **WORKER_READERS)
def _(w, t, x=None):
    return Req("GET", f"/workers/{w.id('worker', t)}")


@row("PATCH /workers/{user_id}", **WORKER_MANAGERS)
def _(w, t, x=None):
    return Req("PATCH", f"/workers/{w.id('worker', t)}", {"notes": "matrix"}, if_match=True)


@row("GET /workers/{user_id}/assignments", **WORKER_READERS)
def _(w, t, x=None):
    return Req("GET", f"/workers/{w.id('worker', t)}/assignments")


@row("GET /workers/{user_id}/patrols", **WORKER_READERS)
def _(w, t, x=None):
    return Req("GET", f"/workers/{w.id('worker', t)}/patrols")


@row("GET /workers/{user_id}/tracks", **WORKER_READERS)
def _(w, t, x=None):
    return Req("GET", f"/workers/{w.id('worker', t)}/tracks")


# The same worker as a body id (a retried create answers with the existing profile).
@row(
    "POST /workers",
    "user_id",
    **{
        "A1": "ok: G CA TA | 403: *",
        "A2": "ok: G CA | missing: TA | 403: *",
        "B": "ok: G | missing: CA TA | 403: *",
    },
)
def _(w, t, x=None):
    return Req("POST", "/workers", {"user_id": _or(x, w.id("worker", t))})


@row(
    "GET /grids/{code}/assignments",
    A1="ok: G CA TA sup disp wrk | 403: *",
    A2="ok: G CA sup disp | 404: TA wrk | 403: *",
    B="ok: G | 404: CA TA sup disp wrk | 403: *",
)
def _(w, t, x=None):
    return Req("GET", f"/grids/{w.id('grid', t)}/assignments")


PLACE_MANAGERS = {
    "A1": "ok: G CA TA | 403: *",
    "A2": "ok: G CA | 404: TA | 403: *",
    "B": "ok: G | 404: CA TA | 403: *",
}
WORKER_OF = {"A1": "A1", "A2": "A2", "B": "B"}


@row("POST /grids/{code}/assignments", **PLACE_MANAGERS)
def _(w, t, x=None):
    body = {"user_id": w.id("worker", WORKER_OF[t])}
    return Req("POST", f"/grids/{w.id('vacant_grid', t)}/assignments", body)


@row(
    "POST /grids/{code}/assignments",
    "user_id",
    **{
        "A1": "ok: G CA TA | 403: *",
        "A2": "422=assignment.township_mismatch: G CA | missing: TA | 403: *",
        "B": "422=assignment.township_mismatch: G | missing: CA TA | 403: *",
    },
)
def _(w, t, x=None):
    body = {"user_id": _or(x, w.id("worker", t))}
    return Req("POST", f"/grids/{w.id('vacant_grid', 'A1')}/assignments", body)


@row("POST /grids/{code}/assignments/{assignment_id}/end", **PLACE_MANAGERS)
def _(w, t, x=None):
    url = f"/grids/{w.id('grid', t)}/assignments/{w.id('assignment', t)}/end"
    return Req("POST", url, {})


@row(
    "GET /assignments/proposals/{proposal_id}",
    A1="ok: G CA TA sup disp | 403: *",
    A2="ok: G CA sup disp | 404: TA | 403: *",
    B="ok: G | 404: CA TA sup disp | 403: *",
)
def _(w, t, x=None):
    return Req("GET", f"/assignments/proposals/{w.id('proposal', t)}")


@row("POST /assignments/proposals/{proposal_id}/accept", **PLACE_MANAGERS)
def _(w, t, x=None):
    return Req("POST", f"/assignments/proposals/{w.id('proposal', t)}/accept", {})


# Edits name workers of the proposal's township only: anyone else is "not eligible".
@row(
    "POST /assignments/proposals/{proposal_id}/accept",
    "edits[].user_id",
    **{
        "A1": "ok: G CA TA | 403: *",
        "A2": "missing: G CA TA | 403: *",
        "B": "missing: G CA TA | 403: *",
    },
)
def _(w, t, x=None):
    edit = {"grid_code": w.id("proposal_grid", "A1"), "user_id": _or(x, w.id("worker", t))}
    return Req("POST", f"/assignments/proposals/{w.id('proposal', 'A1')}/accept", {"edits": [edit]})


@row(
    "POST /assignments/proposals",
    "worker_ids",
    **{
        "A1": "ok: G CA TA | 403: *",
        "A2": "missing: G CA TA | 403: *",
        "B": "missing: G CA TA | 403: *",
    },
)
def _(w, t, x=None):
    body = {"township": "430302001", "worker_ids": [_or(x, w.id("worker", t))]}
    return Req("POST", "/assignments/proposals", body)
