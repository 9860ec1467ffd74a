"""Vector tiles: decoded with mapbox-vector-tile, neighbours still sharing edges, the HTTP caching
of published generations, scoped incidents, and the 204/400/404 answers."""

from __future__ import annotations

import shapely
from sqlalchemy import text

from gridsvc.extensions import db
from tests.conftest import bearer
from tests.maps.helpers import decode, tile_of, tile_square
from tests.test_app import assert_problem

YUHU = (112.854, 27.929)  # well inside 雨湖区 (its z13-z16 tiles are wholly covered by grids)


def grids_in_tile(z, x, y, layer="unified", county="430302") -> set[str]:
    """The current grids whose polygon meets the tile (with its buffer): what the tile must hold."""
    return set(
        db.session.scalars(
            text(
                "SELECT code FROM areas WHERE level = 'grid' AND layer = :layer"
                " AND gen_from IS NOT NULL AND gen_to IS NULL AND county_code = :county"
                " AND ST_Intersects(ST_Transform(geom, 3857),"
                " ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096))"
            ),
            {"z": z, "x": x, "y": y, "layer": layer, "county": county},
        )
    )


def test_z14_tile_over_yuhu_decodes_to_the_grids_there(client, make_user, demo_county):
    viewer = make_user(role="team_lead", township_code="430302001")
    x, y = tile_of(*YUHU, 14)
    expected = grids_in_tile(14, x, y)
    assert len(expected) >= 3  # a real tile with neighbours in it
    response = client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt", headers=bearer(viewer))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    layers = decode(response.data)
    assert set(layers) == {"grids"}
    features = layers["grids"]
    assert {f["properties"]["code"] for f in features} == expected
    one = features[0]["properties"]
    assert set(one) >= {"code", "name", "parent_code", "village_code", "township_code", "layer"}
    assert one["parent_code"] == one["village_code"] == one["code"][:12]
    assert all(f["shape"].is_valid and f["shape"].area > 0 for f in features)


def test_neighbouring_grids_still_share_their_edges_at_every_zoom(client, make_user, demo_county):
    """Inside the coverage, the decoded grids tile the tile exactly: no overlap (their areas add
    up to their union's) and no gap (the union is the whole tile with its buffer)."""
    viewer = make_user(role="supervisor", township_code=None)
    checked = 0
    for z in (11, 12, 13, 14, 15, 16):
        x, y = tile_of(*YUHU, z)
        covered = db.session.scalar(
            text(
                "SELECT ST_Covers(ST_Union(ST_Transform(geom, 3857)),"
                " ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096)) FROM areas"
                " WHERE level = 'grid' AND layer = 'unified' AND gen_to IS NULL"
                " AND gen_from IS NOT NULL AND county_code = '430302'"
            ),
            {"z": z, "x": x, "y": y},
        )
        if not covered:
            continue  # the tile reaches past the county's edge: gaps there are real
        body = client.get(f"/api/v1/tiles/grids/{z}/{x}/{y}.mvt", headers=bearer(viewer)).data
        shapes = [f["shape"] for f in decode(body)["grids"]]
        union = shapely.union_all(shapes)
        square = tile_square()
        assert sum(s.area for s in shapes) == union.area, f"overlapping grids at z{z}"
        assert union.equals(square), f"gaps between grids at z{z}"
        checked += 1
    assert checked >= 3


def test_low_zooms_are_simplified(client, make_user, demo_county):
    """At z11 vertices closer than a screen pixel (~34 m) fall together: fewer than are stored."""
    viewer = make_user(role="supervisor", township_code=None)
    x, y = tile_of(*YUHU, 11)
    body = client.get(f"/api/v1/tiles/grids/11/{x}/{y}.mvt", headers=bearer(viewer)).data
    grids = decode(body)["grids"]
    drawn = sum(shapely.get_num_coordinates(f["shape"]) for f in grids)
    stored = db.session.scalar(
        text(
            "SELECT sum(ST_NPoints(geom)) FROM areas WHERE layer = 'unified' AND level = 'grid'"
            " AND gen_to IS NULL AND gen_from IS NOT NULL AND code = ANY(:codes)"
        ),
        {"codes": [f["properties"]["code"] for f in grids]},
    )
    assert drawn < 0.85 * stored


def test_townships_villages_and_specialist_layers(client, make_user, demo_county):
    viewer = make_user(role="supervisor", township_code=None)
    x, y = tile_of(*YUHU, 12)
    for layer, digits in (("townships", 9), ("villages", 12)):
        response = client.get(f"/api/v1/tiles/{layer}/12/{x}/{y}.mvt", headers=bearer(viewer))
        assert response.status_code == 200, layer
        codes = {f["properties"]["code"] for f in decode(response.data)[layer]}
        assert codes
        assert all(len(c) == digits and c.startswith("430302") for c in codes)
    x, y = tile_of(*YUHU, 14)
    for specialist in ("zongzhi", "chengguan"):
        response = client.get(
            f"/api/v1/tiles/grids/14/{x}/{y}.mvt?layer={specialist}", headers=bearer(viewer)
        )
        assert response.status_code == 200
        features = decode(response.data)["grids"]
        assert {f["properties"]["layer"] for f in features} == {specialist}
        assert {f["properties"]["code"] for f in features} == grids_in_tile(14, x, y, specialist)


def test_published_tiles_revalidate_and_old_generations_stay_readable(
    client, make_user, hierarchy, publish
):
    from tests.boundaries.conftest import VILLAGES, grids_of

    viewer = make_user(role="supervisor", township_code=None)
    headers = bearer(viewer)
    x, y = tile_of(112.82, 27.87, 14)
    current = client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt", headers=headers)
    assert current.status_code == 200
    tag = current.headers["ETag"]
    assert not tag.startswith("W/")
    assert current.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in current.headers["Vary"]
    again = client.get(
        f"/api/v1/tiles/grids/14/{x}/{y}.mvt", headers={**headers, "If-None-Match": tag}
    )
    assert again.status_code == 304
    assert again.headers["ETag"] == tag
    assert not again.data

    old = hierarchy.number
    pinned = client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt?generation={old}", headers=headers)
    assert pinned.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert pinned.data == current.data
    # A new generation splits the village in four: the current tile changes, the old one not.
    publish("grid", [f for code in VILLAGES for f in grids_of(code, 4)])
    newer = client.get(
        f"/api/v1/tiles/grids/14/{x}/{y}.mvt", headers={**headers, "If-None-Match": tag}
    )
    assert newer.status_code == 200
    assert newer.headers["ETag"] != tag
    assert len(decode(newer.data)["grids"]) > len(decode(current.data)["grids"])
    still = client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt?generation={old}", headers=headers)
    assert still.data == pinned.data
    assert (
        client.get(
            f"/api/v1/tiles/grids/14/{x}/{y}.mvt?generation={old}",
            headers={**headers, "If-None-Match": pinned.headers["ETag"]},
        ).status_code
        == 304
    )
    missing = client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt?generation=999", headers=headers)
    assert_problem(missing, 404, "generation.not_found")


def test_boundary_tiles_stay_in_the_callers_county(client, make_user, hierarchy):
    x, y = tile_of(112.82, 27.87, 14)
    elsewhere = make_user(role="supervisor", county_code="430321", township_code=None)
    home = make_user(role="supervisor", township_code=None)
    assert (
        client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt", headers=bearer(home)).status_code == 200
    )
    answer = client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt", headers=bearer(elsewhere))
    assert answer.status_code == 204
    assert not answer.data


def test_empty_tiles_are_204_and_bad_coordinates_400(client, make_user, hierarchy):
    headers = bearer(make_user(role="supervisor", township_code=None))
    x, y = tile_of(100.0, 40.0, 14)  # the Gobi: no grids
    assert client.get(f"/api/v1/tiles/grids/14/{x}/{y}.mvt", headers=headers).status_code == 204
    for path in ("grids/14/16384/0", "grids/14/0/16384", "grids/23/0/0", "townships/3/0/0"):
        code = "tile.zoom_out_of_range" if path.startswith("townships") else "tile.out_of_range"
        assert_problem(client.get(f"/api/v1/tiles/{path}.mvt", headers=headers), 400, code)
    assert_problem(
        client.get("/api/v1/tiles/rivers/14/0/0.mvt", headers=headers), 404, "tile_layer.not_found"
    )
    assert_problem(client.get("/api/v1/tiles/grids/14/0/0.mvt"), 401, "auth.token_missing")


def test_the_tile_cache_serves_what_it_rendered(app, client, make_user, hierarchy):
    from gridsvc.maps import delivery

    headers = bearer(make_user(role="supervisor", township_code=None))
    x, y = tile_of(112.82, 27.87, 15)
    first = client.get(f"/api/v1/tiles/grids/15/{x}/{y}.mvt", headers=headers)
    key = ("grids", "unified", hierarchy.number, "430302", 15, x, y)
    assert delivery._tile_cache().peek(key) == first.data
    second = client.get(f"/api/v1/tiles/grids/15/{x}/{y}.mvt", headers=headers)
    assert second.data == first.data


def test_tilejson_names_the_generation_bounds_and_fields(client, make_user, hierarchy):
    headers = bearer(make_user(role="supervisor", township_code=None))
    doc = client.get("/api/v1/tiles/grids.json", headers=headers).get_json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == [
        f"http://localhost/api/v1/tiles/grids/{{z}}/{{x}}/{{y}}.mvt?generation={hierarchy.number}"
    ]
    assert doc["bounds"] == [112.8, 27.85, 112.9, 27.95]
    assert doc["minzoom"] == 10
    assert doc["maxzoom"] == 22
    (layer,) = doc["vector_layers"]
    assert layer["id"] == "grids"
    assert "code" in layer["fields"]
    incidents = client.get(
        "/api/v1/tiles/incidents.json?status=reported&overdue=true", headers=headers
    ).get_json()
    assert incidents["tiles"][0].endswith(
        "/api/v1/tiles/incidents/{z}/{x}/{y}.mvt?status=reported&overdue=True"
    )
    assert set(incidents["vector_layers"][0]["fields"]) == {
        "id",
        "status",
        "category",
        "overdue",
        "due_at",
    }
    assert_problem(
        client.get("/api/v1/tiles/rivers.json", headers=headers), 404, "tile_layer.not_found"
    )
