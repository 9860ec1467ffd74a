"""OGC API - Features in process: landing, conformance, collections, paging, filters, scope."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import bearer
from tests.maps.conftest import HOME
from tests.test_app import assert_problem

OGC = "/api/v1/ogc"


def follow(client, headers, url):
    """Every feature of a collection, following ``next`` links; checks the counts on each page."""
    found, pages = [], 0
    while url:
        page = client.get(url, headers=headers)
        assert page.status_code == 200, page.get_data(as_text=True)
        assert page.mimetype == "application/geo+json"
        body = page.get_json()
        assert body["numberReturned"] == len(body["features"])
        found += body["features"]
        pages += 1
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = (urlsplit(nxt[0]).path + "?" + urlsplit(nxt[0]).query) if nxt else None
    assert len(found) == body["numberMatched"]
    return found, pages


def test_landing_conformance_and_collections(client, make_user, hierarchy):
    headers = bearer(make_user(role="supervisor", township_code=None))
    landing = client.get(OGC, headers=headers).get_json()
    assert {link["rel"] for link in landing["links"]} >= {"service-desc", "conformance", "data"}
    conformance = client.get(f"{OGC}/conformance", headers=headers).get_json()
    assert any(c.endswith("/conf/core") for c in conformance["conformsTo"])
    assert any(c.endswith("/conf/geojson") for c in conformance["conformsTo"])
    listed = client.get(f"{OGC}/collections", headers=headers).get_json()["collections"]
    assert [c["id"] for c in listed] == ["townships", "villages", "grids", "incidents"]
    grids = client.get(f"{OGC}/collections/grids", headers=headers).get_json()
    assert grids["extent"]["spatial"]["bbox"] == [[112.8, 27.85, 112.9, 27.95]]
    assert_problem(
        client.get(f"{OGC}/collections/rivers", headers=headers), 404, "collection.not_found"
    )


def test_items_page_filter_and_single(client, make_user, hierarchy):
    headers = bearer(make_user(role="supervisor", township_code=None))
    found, pages = follow(client, headers, f"{OGC}/collections/grids/items?limit=3")
    assert len(found) == 8
    assert pages == 3
    assert len({f["id"] for f in found}) == 8
    one = client.get(f"{OGC}/collections/grids/items?village_code=430302001001", headers=headers)
    assert {f["id"] for f in one.get_json()["features"]} == {"430302001001001", "430302001001002"}
    box = client.get(
        f"{OGC}/collections/villages/items?bbox=112.80,27.85,112.84,27.89", headers=headers
    )
    assert [f["id"] for f in box.get_json()["features"]] == ["430302001001"]
    item = client.get(f"{OGC}/collections/townships/items/430302001", headers=headers)
    assert item.status_code == 200
    assert item.get_json()["properties"]["name"] == "乡镇001"
    assert_problem(
        client.get(f"{OGC}/collections/townships/items/430302009", headers=headers),
        404,
        "feature.not_found",
    )
    elsewhere = bearer(make_user(role="supervisor", county_code="430321", township_code=None))
    assert (
        client.get(f"{OGC}/collections/grids/items", headers=elsewhere).get_json()["numberMatched"]
        == 0
    )


def test_incident_items_are_scoped_and_filter_by_time(client, people, report):
    first = report("0501")
    second = report("0601", lonlat=(HOME[0] + 0.001, HOME[1]))
    lead, other = bearer(people["lead"]), bearer(people["lead2"])
    found, _ = follow(client, lead, f"{OGC}/collections/incidents/items?limit=1")
    assert {f["id"] for f in found} == {first["id"], second["id"]}
    assert follow(client, other, f"{OGC}/collections/incidents/items")[0] == []
    assert_problem(
        client.get(f"{OGC}/collections/incidents/items/{first['id']}", headers=other),
        404,
        "incident.not_found",
    )
    one = client.get(f"{OGC}/collections/incidents/items/{first['id']}", headers=lead)
    assert one.get_json()["properties"]["category"] == "0501"
    by_category = client.get(f"{OGC}/collections/incidents/items?category=0601", headers=lead)
    assert [f["id"] for f in by_category.get_json()["features"]] == [second["id"]]
    future = client.get(
        f"{OGC}/collections/incidents/items?datetime=2099-01-01T00:00:00Z/..", headers=lead
    )
    assert future.get_json()["numberMatched"] == 0
    past = client.get(
        f"{OGC}/collections/incidents/items?datetime=2020-01-01T00:00:00Z/..", headers=lead
    )
    assert past.get_json()["numberMatched"] == 2
    assert_problem(
        client.get(f"{OGC}/collections/incidents/items?datetime=yesterday", headers=lead),
        400,
        "ogc.invalid_datetime",
    )


def test_items_in_gcj02_and_bd09_move_back_to_the_stored_coordinates(client, make_user, hierarchy):
    import shapely
    from shapely.geometry import shape

    from gridsvc.geo.crs import transform_geometries

    headers = bearer(make_user(role="supervisor", township_code=None))
    url = f"{OGC}/collections/grids/items/430302001001001"
    stored = shape(client.get(url, headers=headers).get_json()["geometry"])
    for datum in ("GCJ02", "BD09"):
        moved = shape(client.get(f"{url}?crs={datum}", headers=headers).get_json()["geometry"])
        assert moved.centroid.distance(stored.centroid) > 0.001  # hundreds of metres off
        back = transform_geometries([moved], datum)[0]
        assert shapely.hausdorff_distance(back, stored) < 1e-6  # ~0.1 m
        page = client.get(f"{OGC}/collections/grids/items?crs={datum}&limit=1", headers=headers)
        assert shape(page.get_json()["features"][0]["geometry"]).equals_exact(moved, 1e-7)
    assert_problem(
        client.get(f"{url}?crs=EPSG:3857", headers=headers), 422, "request.validation_failed"
    )


def test_forged_cursors_are_refused(client, people, report):
    from gridsvc.paging import encode_cursor

    report("0501")
    lead = bearer(people["lead"])
    for collection in ("incidents", "grids", "rivers"):
        for forged in (
            encode_cursor([1]),
            encode_cursor(["x"]) if collection == "incidents" else "!",
        ):
            answer = client.get(
                f"{OGC}/collections/{collection}/items?cursor={forged}", headers=lead
            )
            assert_problem(answer, 400, "request.invalid_cursor")
