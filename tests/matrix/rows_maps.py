"""Matrix rows: the maps room's tiles and TileJSON, and the personal API tokens QGIS reads them with.

Their path carries a layer name and tile coordinates, not a resource id: every signed-in caller
is answered (200, or 204 for a tile with nothing they may see). What a tile holds for whom is
checked by decoding tiles in tests/maps/test_tiles.py and tests/maps/test_incident_tiles.py.
"""

from __future__ import annotations

from tests.maps.helpers import tile_of
from tests.matrix.core import Req, row
from tests.matrix.rows_places import BOUNDARY_EDITORS
from tests.matrix.world import POINTS

EVERYONE = {"A1": "ok: *", "A2": "ok: *", "B": "ok: *"}


def _tile(layer: str, target: str) -> Req:
    x, y = tile_of(*POINTS[target][0], 14)
    return Req("GET", f"/tiles/{layer}/14/{x}/{y}.mvt")


# The incidents layer (target A2 here) is for those who read incidents: GIS staff do not.
@row("GET /tiles/{layer}/{z}/{x}/{y}.mvt", **{**EVERYONE, "A2": "403: gis | ok: *"})
def _(w, t, x=None):
    return _tile("grids" if t != "A2" else "incidents", t)


@row("GET /tiles/{layer}.json", **{**EVERYONE, "B": "403: gis | ok: *"})
def _(w, t, x=None):
    return Req("GET", "/tiles/incidents.json" if t == "B" else "/tiles/grids.json")


# --- personal API tokens (accounts) ------------------------------------------------------------


# A token is its owner's alone: anyone else's id is answered as one that does not exist.
@row("DELETE /me/api-tokens/{token_id}", self="ok: wrk | 404: *", B="404: *")
def _(w, t, x=None):
    return Req("DELETE", f"/me/api-tokens/{w.id('api_token', t)}")


# --- OGC API - Features --------------------------------------------------------------------


# Collections are the caller's county's: everyone signed in is answered.
@row("GET /ogc/collections/{collection_id}", **EVERYONE)
def _(w, t, x=None):
    return Req("GET", "/ogc/collections/grids")


@row("GET /ogc/collections/{collection_id}/items", **{**EVERYONE, "B": "403: gis | ok: *"})
def _(w, t, x=None):
    return Req(
        "GET", "/ogc/collections/incidents/items" if t == "B" else "/ogc/collections/grids/items"
    )


# A grid is read county-wide (as GET /grids/{code}); an incident as GET /incidents/{id}.
@row(
    "GET /ogc/collections/{collection_id}/items/{feature_id}",
    A1="ok: *",
    A2="ok: *",
    B="ok: G | 404: *",
)
def _(w, t, x=None):
    return Req("GET", f"/ogc/collections/grids/items/{w.id('grid', t)}")


# --- boundary downloads --------------------------------------------------------------------


# The world's generations are loaded from the shell (no county of their own): each caller gets
# the layer as it stood in that generation, cut to their own county (never another's rows: the
# file's contents are checked in tests/maps/test_downloads.py). A county's own upload is 404 to
# other counties.
@row("GET /generations/{generation_id}/download", A="ok: *", B="ok: *")
def _(w, t, x=None):
    return Req("GET", f"/generations/{w.id('grid_generation', t)}/download?format=geojson")


# --- an upload's findings, as the upload itself ----------------------------------------------


@row("GET /boundary-uploads/{upload_id}/findings", **BOUNDARY_EDITORS)
def _(w, t, x=None):
    return Req("GET", f"/boundary-uploads/{w.id('upload', t)}/findings")
