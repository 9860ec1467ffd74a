"""Matrix rows: boundary uploads and merges, the map, grid workers and their assignments."""

from __future__ import annotations

import io

from tests.matrix.core import Req, pick, row

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


@row("POST /boundary-uploads/{upload_id}/publish", ok=(202,), **BOUNDARY_EDITORS)
def _(w, t, x=None):
    return Req("POST", f"/boundary-uploads/{w.id('upload', t)}/publish", {})


# What a generation changes: a published one as its download (rows_maps.py) (the rows cut to the caller's
# county); a draft as the upload that made it (tests/boundaries/test_generation_changes.py).
@row("GET /generations/{generation_id}/changes", A="ok: *", B="ok: *")
def _(w, t, x=None):
    return Req("GET", f"/generations/{w.id('grid_generation', t)}/changes")


@row("GET /generations/{generation_id}/changes", **BOUNDARY_EDITORS)
def _(w, t, x=None):
    return Req("GET", f"/generations/{w.id('draft', t)}/changes")


@row("GET /generation-publishes/{publish_id}", **BOUNDARY_EDITORS)
def _(w, t, x=None):
    return Req("GET", f"/generation-publishes/{w.id('publish', t)}")


MERGES = {k: v for k, v in BOUNDARY_EDITORS.items() if k != "A"}


@row("GET /grid-merges/{merge_id}", **MERGES)
def _(w, t, x=None):
    return Req("GET", f"/grid-merges/{w.id('merge', t)}")


@row("GET /grid-merges/{merge_id}/crosswalk", **MERGES)
def _(w, t, x=None):
    return Req("GET", f"/grid-merges/{w.id('merge', t)}/crosswalk?format=xlsx")


@row("POST /grid-merges/{merge_id}/publish", ok=(409,), **MERGES)
def _(w, t, x=None):
    return Req("POST", f"/grid-merges/{w.id('merge', t)}/publish", {})


# The world's merges staged no draft: the callers the policy lets through are told so (409).
@row("GET /grid-merges/{merge_id}/download", ok=(409,), **MERGES)
def _(w, t, x=None):
    return Req("GET", f"/grid-merges/{w.id('merge', t)}/download?format=geojson")


@row("POST /grid-merges/{merge_id}/edits", ok=(409,), **MERGES)
def _(w, t, x=None):
    form = {"file": (io.BytesIO(b'{"type": "FeatureCollection", "features": []}'), "e.geojson")}
    return Req("POST", f"/grid-merges/{w.id('merge', t)}/edits", data=form)


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
    return Req("POST", "/workers", {"user_id": pick(x, w.id("worker", t))})


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
    body = {"user_id": pick(x, w.id("worker", t))}
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
    edit = {"grid_code": w.id("proposal_grid", "A1"), "user_id": pick(x, w.id("worker", t))}
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
    body = {"township": "430302001", "worker_ids": [pick(x, w.id("worker", t))]}
    return Req("POST", "/assignments/proposals", body)
