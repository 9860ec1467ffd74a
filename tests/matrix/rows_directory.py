"""Matrix rows: accounts, teams and members, the responsibility list, zones, webhooks, categories."""

from __future__ import annotations

from datetime import date, timedelta

from tests.matrix.core import Req, pick, row

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


@row("POST /users/{user_id}/unlock", **ADMINS_OF_THE_AREA)
def _(w, t, x=None):
    return Req("POST", f"/users/{w.id('account', t)}/unlock")


# The body's team for an officer of A1 (a county admin gets the membership rule's 422s).
TEAM_FOR_AN_A1_OFFICER = {
    "A1": "ok: G CA TA | 403: *",
    "A2": "422=team.member_outside_team_area: G CA | 403: *",
    "A": "422=team.member_role: G CA | 403: *",
    "B": "422=team.member_outside_team_area: G | missing: CA TA | 403: *",
}


@row("PATCH /users/{user_id}", "team_id", **TEAM_FOR_AN_A1_OFFICER)
def _(w, t, x=None):
    body = {"team_id": pick(x, w.id("team", t))}
    return Req("PATCH", f"/users/{w.id('officer', 'A1')}", body, if_match=True)


@row("POST /users", "team_id", **TEAM_FOR_AN_A1_OFFICER)
def _(w, t, x=None):
    body = {
        "username": "matrix_new",
        "password": "a-long-password",
        "role": "officer",
        "township_code": "430302001",
        "team_id": pick(x, w.id("team", t)),
    }
    return Req("POST", "/users", body)


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
    body = {"user_id": pick(x, w.id("officer", t))}
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
    # A stationed agency in A1 under department A: both masters read its queue.
    S="ok: G CA sup disp dept TA | 404: *",
)
def _(w, t, x=None):
    return Req("GET", f"/teams/{w.id('team', t)}/queue")


@row(
    "POST /teams",
    "parent_department_id",
    A="ok: G CA | 403: *",
    B="422=team.unknown_department: G | missing: CA | 403: *",
)
def _(w, t, x=None):
    body = {
        "county_code": "430302",
        "kind": "township_team",
        "code": "MATRIX-S",
        "name": "matrix stationed agency",
        "township_code": "430302001",
        "category_codes": ["0105"],
        "parent_department_id": pick(x, w.id("team", "A" if t == "A" else "B_dept")),
    }
    return Req("POST", "/teams", body)


# The stationed agency (S, in A1 under department A) moved under another department.
@row(
    "PATCH /teams/{team_id}",
    "parent_department_id",
    A="ok: G CA | 403: *",
    B="422=team.unknown_department: G | missing: CA | 403: *",
)
def _(w, t, x=None):
    body = {"parent_department_id": pick(x, w.id("team", "A_2" if t == "A" else "B_dept"))}
    return Req("PATCH", f"/teams/{w.id('team', 'S')}", body, if_match=True)


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
    return pick(x, w.id("team", "A_2" if t == "A" else "B_dept"))


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


# --- the catalogue of powers and duties (权责事项) and its delegations ---------------------------


@row("GET /power-items/{item_id}", **COUNTY_RECORD_READ)
def _(w, t, x=None):
    return Req("GET", f"/power-items/{w.id('item', t)}")


@row("PATCH /power-items/{item_id}", **COUNTY_RECORD_ADMINS)
def _(w, t, x=None):
    return Req("PATCH", f"/power-items/{w.id('item', t)}", {"domain": "市容环卫"}, if_match=True)


@row("GET /power-items/{item_id}/delegations", **COUNTY_RECORD_READ)
def _(w, t, x=None):
    return Req("GET", f"/power-items/{w.id('item', t)}/delegations")


@row("POST /power-items/{item_id}/delegations", **COUNTY_RECORD_ADMINS)
def _(w, t, x=None):
    body = {"form": "entrusted", "effective_from": "2026-01-01"}
    return Req("POST", f"/power-items/{w.id('item', t)}/delegations", body)


@row("PATCH /power-items/{item_id}", "department_id", **DEPARTMENT_OF_A)
def _(w, t, x=None):
    body = {"department_id": _department(w, t, x)}
    return Req("PATCH", f"/power-items/{w.id('item', 'A')}", body, if_match=True)


@row("POST /power-items", "department_id", **DEPARTMENT_OF_A)
def _(w, t, x=None):
    body = {
        "county_code": "430302",
        "code": "MATRIX-1",
        "name": "matrix item",
        "kind": "inspection",
        "department_id": _department(w, t, x),
    }
    return Req("POST", "/power-items", body)


# --- proposals to the list (建议权): a township files, the county decides -----------------------

PROPOSAL_READERS = {
    "A1": "ok: G CA TA | 403: *",
    "A2": "ok: G CA | 404: TA | 403: *",
    "B": "ok: G | 404: CA TA | 403: *",
}
PROPOSAL_DECIDERS = {
    "A1": "ok: G CA | 403: *",
    "A2": "ok: G CA | 404: TA | 403: *",
    "B": "ok: G | 404: CA TA | 403: *",
}


@row("GET /list-proposals/{proposal_id}", **PROPOSAL_READERS)
def _(w, t, x=None):
    return Req("GET", f"/list-proposals/{w.id('list_proposal', t)}")


@row("POST /list-proposals/{proposal_id}/accept", **PROPOSAL_DECIDERS)
def _(w, t, x=None):
    return Req("POST", f"/list-proposals/{w.id('list_proposal', t)}/accept", {})


@row("POST /list-proposals/{proposal_id}/reject", **PROPOSAL_DECIDERS)
def _(w, t, x=None):
    return Req("POST", f"/list-proposals/{w.id('list_proposal', t)}/reject", {"reason": "no"})


PROPOSED_DEPARTMENT = {"A": "ok: TA | 403: *", "B": "missing: TA | 403: *"}


def _proposal_body(w, **ids) -> dict:
    return {
        "category_code": "0601",
        "primary_kind": "department",
        "department_id": w.id("team", "A"),
        "effective_from": (date.today() + timedelta(days=500)).isoformat(),
        "reason": "matrix",
        **ids,
    }


@row("POST /list-proposals", "department_id", **PROPOSED_DEPARTMENT)
def _(w, t, x=None):
    return Req("POST", "/list-proposals", _proposal_body(w, department_id=_department(w, t, x)))


@row("POST /list-proposals", "cooperating_ids", **PROPOSED_DEPARTMENT)
def _(w, t, x=None):
    body = _proposal_body(w, cooperating_ids=[_department(w, t, x)])
    return Req("POST", "/list-proposals", body)


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
    body = {"team_id": pick(x, w.id("team", t))}
    return Req("PATCH", f"/zones/{w.id('zone', 'A')}", body, if_match=True)


@row("POST /zones", "team_id", **ZONE_TEAM)
def _(w, t, x=None):
    square = [[112.83, 27.88], [112.84, 27.88], [112.84, 27.89], [112.83, 27.89], [112.83, 27.88]]
    body = {
        "county_code": "430302",
        "name": "matrix zone",
        "geometry": {"type": "Polygon", "coordinates": [square]},
        "team_id": pick(x, w.id("team", t)),
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
        "team_id": pick(x, w.id("team", t)),
    }
    return Req("POST", "/webhooks", body)


# --- categories: one catalogue for every county ----------------------------------------------


@row("GET /categories/{code}", X="ok: *")
def _(w, t, x=None):
    return Req("GET", f"/categories/{w.id('category', t)}")


@row("PATCH /categories/{code}", X="ok: G | 403: *")
def _(w, t, x=None):
    return Req("PATCH", f"/categories/{w.id('category', t)}", {"name_en": "x"}, if_match=True)


# --- assessment weights (a county's version; the stationed agencies are teams of that county) ---

STATIONED_AGENCY = {
    "A1": "ok: G CA | 403: *",
    "A2": "ok: G CA | 403: *",
    "A": "ok: G CA | 403: *",
    "B": "missing: G CA | 403: *",
}
PARENT_DEPARTMENT = {
    "A1": "missing: G CA | 403: *",  # a township team is no parent department
    "A": "ok: G CA | 403: *",
    "B": "missing: G CA | 403: *",
}


def _weights(agency: int, parent: int) -> dict:
    return {
        "county": "430302",
        "effective_from": "2031-01-01",
        "stationed": [
            {"team_id": agency, "parent_department_id": parent, "township_code": "430302001"}
        ],
    }


@row("POST /assessment-weights", "stationed[].team_id", **STATIONED_AGENCY)
def _(w, t, x=None):
    return Req("POST", "/assessment-weights", _weights(pick(x, w.id("team", t)), w.id("team", "A")))


@row("POST /assessment-weights", "stationed[].parent_department_id", **PARENT_DEPARTMENT)
def _(w, t, x=None):
    return Req(
        "POST", "/assessment-weights", _weights(w.id("team", "A1"), pick(x, w.id("team", t)))
    )


# A recompute job is its county admins' (the global admin's too); a township's admin is no
# county admin (404), every other role is refused by role (403).
@row(
    "GET /indicator-recomputes/{recompute_id}",
    A="ok: G CA | 404: TA | 403: *",
    B="ok: G | 404: CA TA | 403: *",
)
def _(w, t, x=None):
    return Req("GET", f"/indicator-recomputes/{w.id('recompute', t)}")
