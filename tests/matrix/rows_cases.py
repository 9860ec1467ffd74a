"""Matrix rows: incidents and photos, the case workflow, 乡呼县应 calls, notices."""

from __future__ import annotations

import io

from tests.matrix.core import Req, pick, row
from tests.routing.conftest import jpeg

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
    original = pick(x, w.id("incident", t) if t != "A1" else w.id("incident_other", "A1"))
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
    body = {"action": "dispatch", "team_id": pick(x, w.id("team", t))}
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
        "assignee_id": pick(x, w.id("member", t) if t != "A1" else w.id("user", "off")),
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
    body = {"action": "resolve", "photo_ids": [pick(x, photo)]}
    return _action(w.id("incident_working", "A1"), body)


@row(
    "POST /incidents/{incident_id}/actions",
    "original_id",
    A1="ok: G CA disp lead | 403: *",
    A2="ok: G CA disp | missing: lead | 403: *",
    B="ok: G | missing: CA disp lead | 403: *",
)
def _(w, t, x=None):
    original = pick(x, w.id("incident", t) if t != "A1" else w.id("incident_other", "A1"))
    return _action(w.id("incident", "A1"), {"action": "mark_duplicate", "original_id": original})


@row(
    "POST /incidents/{incident_id}/actions",
    "department_id",
    A="ok: G CA TA lead | 403: *",
    B="missing: G CA TA lead | 403: *",
)
def _(w, t, x=None):
    department = pick(x, w.id("team", "A" if t == "A" else "B_dept"))
    body = {"action": "call_county", "note": "需要部门支持", "department_id": department}
    return _action(w.id("incident", "A1"), body)


@row(
    "GET /incidents/{incident_id}/case",
    A1="403: gis | ok: *",
    A2="ok: G CA sup disp dept | 403: gis | 404: *",
    B="ok: G | 403: gis | 404: *",
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
    return Req(
        "POST", "/calls", {"incident_id": pick(x, w.id("incident", t)), "reason": "请求支援"}
    )


@row(
    "POST /calls",
    "department_id",
    A="ok: G CA TA lead | 403: *",
    B="missing: G CA TA lead | 403: *",
)
def _(w, t, x=None):
    department = pick(x, w.id("team", "A" if t == "A" else "B_dept"))
    body = {
        "incident_id": w.id("incident", "A1"),
        "reason": "请求支援",
        "department_id": department,
    }
    return Req("POST", "/calls", body)


CALLS_READERS = {
    "A1": "403: gis | ok: *",
    "A2": "ok: G CA sup disp dept | 403: gis | 404: *",
    "B": "ok: G | 403: gis | 404: *",
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
    B="ok: G | 403: gis | 404: *",
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
    return _analyse(w, "A1", pick(x, w.id("team", "A" if t == "A" else "B_dept")))


@row(
    "POST /calls/{call_id}/actions",
    "cooperating_ids",
    A="ok: G CA disp | 403: *",
    B="missing: G CA disp | 403: *",
)
def _(w, t, x=None):
    other = pick(x, w.id("team", "A_2" if t == "A" else "B_dept"))
    return _analyse(w, "A1", w.id("team", "A"), [other])


# --- notices ---------------------------------------------------------------------------------


@row(
    "POST /supervision-notices/{notice_id}/acknowledge",
    A1="ok: G CA sup disp lead | 404: dept | 403: *",
    A2="ok: G CA sup disp | 404: TA dept lead off wrk | 403: *",
    B="ok: G | 403: gis | 404: *",
)
def _(w, t, x=None):
    return Req("POST", f"/supervision-notices/{w.id('notice', t)}/acknowledge")


# Only the caller's own notices change; another's id is answered as one that does not exist.
@row("POST /me/notifications/read", "ids", self="ok: wrk | missing: *", A2="missing: *")
def _(w, t, x=None):
    return Req("POST", "/me/notifications/read", {"ids": [pick(x, w.id("notification", t))]})
