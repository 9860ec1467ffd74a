"""In a real browser: GIS staff upload a grid file with an overlap, see the finding listed and
drawn on the map, upload the corrected file, publish it and see what the new generation changed."""

from __future__ import annotations

import json
import shutil

import shapely
from playwright.sync_api import expect
from shapely.geometry import box, shape

from tests.console.conftest import RESULTS, ROOT

FINDING_LAYERS = ["findings-0", "findings-1", "findings-2"]
# Server work (upload, validation, publish) under a loaded machine: more than expect's 5 s.
SLOW = 30_000
STRIP_DEG = 0.0005  # ~50 m: the strip of one grid the file hands to its neighbour


def _neighbours(page) -> tuple[str, list[dict], int, int]:
    """A demo village and two of its grids sharing an edge (indexes into its grids)."""
    villages = page.request.get("/api/v1/areas?level=village&geometry=false&limit=50").json()
    for village in villages["features"]:
        code = village["properties"]["code"]
        grids = page.request.get(f"/api/v1/grids?village={code}").json()["features"]
        shapes = [shape(g["geometry"]) for g in grids]
        for i, a in enumerate(shapes):
            for j, b in enumerate(shapes):
                if i < j and a.intersection(b).length > 0.002:
                    return code, grids, i, j
    raise AssertionError("no demo village with two neighbouring grids")


def _file(grids: list[dict], geometries: dict[int, object]) -> dict:
    features = []
    for n, grid in enumerate(grids):
        props = grid["properties"]
        geometry = geometries.get(n, shape(grid["geometry"]))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": props["code"],
                    "name": props["name"],
                    "parent": props["code"][:12],
                    "households": props.get("households"),
                },
                "geometry": json.loads(shapely.to_geojson(geometry)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _choose(page, name: str, collection: dict) -> None:
    page.set_input_files(
        "#file-input",
        files=[
            {
                "name": name,
                "mimeType": "application/geo+json",
                "buffer": json.dumps(collection, ensure_ascii=False).encode(),
            }
        ],
    )
    # The field pickers come from the file's own columns.
    expect(page.locator("#file-info")).to_contain_text(
        f"{len(collection['features'])} 个要素", timeout=SLOW
    )
    expect(page.locator("#code-field")).to_have_value("code")
    expect(page.locator("#parent-field")).to_have_value("parent")
    expect(page.locator("#name-field")).to_have_value("name")


def _settled(page) -> None:
    """The map has stopped moving (fly-to done) and drawn what it has."""
    page.wait_for_function("() => !window.consoleMap.isMoving() && window.consoleMap.loaded()")


def _rendered_codes(page) -> list[str]:
    return page.evaluate(
        "(layers) => window.consoleMap.queryRenderedFeatures({layers})"
        ".map((f) => f.properties.code)",
        FINDING_LAYERS,
    )


def test_gis_staff_upload_an_overlap_see_it_on_the_map_fix_it_and_publish(console):
    page = console.login("gis")
    page.wait_for_url("**/console/data")
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=SLOW)
    village, grids, i, j = _neighbours(page)
    a, b = shape(grids[i]["geometry"]), shape(grids[j]["geometry"])
    strip = a.intersection(b.buffer(STRIP_DEG))
    wider_b = b.union(strip)

    # 1. The file moves the border into grid A but forgets to cut A: an overlap.
    _choose(page, "网格调整-有误.geojson", _file(grids, {j: wider_b}))
    page.click("#upload-submit")
    expect(page.locator("#upload-state")).to_have_attribute("data-status", "invalid", timeout=SLOW)
    overlap = page.locator(".finding[data-code='coverage.overlap']")
    expect(overlap.first).to_be_visible()
    expect(overlap.first).to_contain_text("网格重叠")
    expect(page.locator("#report-summary")).to_contain_text("校验未通过")
    assert page.locator("#publish-box").is_hidden()
    # Drawn on the map: MapLibre itself reports the overlap polygon among what it rendered.
    page.wait_for_function(
        "(layers) => window.consoleMap.queryRenderedFeatures({layers})"
        ".some((f) => f.properties.code === 'coverage.overlap')",
        arg=FINDING_LAYERS,
    )
    _settled(page)
    shot = console.screenshot(page, "data-findings")
    shutil.copyfile(shot, ROOT / "docs" / "console-findings.png")

    # Clicking the finding selects it and flies to it: the overlap sits in the map's view.
    overlap.first.click()
    expect(overlap.first).to_have_class("finding selected")
    page.wait_for_timeout(300)  # the click starts the flight
    _settled(page)
    view = page.evaluate("() => window.consoleMap.getBounds().toArray()")
    centre = strip.centroid
    assert view[0][0] <= centre.x <= view[1][0], view
    assert view[0][1] <= centre.y <= view[1][1], view
    assert "coverage.overlap" in _rendered_codes(page)

    # 2. The corrected file cuts the strip out of A: valid, publishable.
    fixed = {i: a.difference(strip), j: wider_b}
    _choose(page, "网格调整.geojson", _file(grids, fixed))
    page.click("#upload-submit")
    expect(page.locator("#upload-state")).to_have_attribute(
        "data-status", "validated", timeout=SLOW
    )
    expect(page.locator(".finding[data-code='coverage.overlap']")).to_have_count(0)
    assert _rendered_codes(page).count("coverage.overlap") == 0
    page.fill("#publish-description", f"{village} 网格边界调整")
    page.click("#publish")
    expect(page.locator("#publish-status")).to_contain_text("已发布为第", timeout=SLOW)

    # 3. The new generation's before/after: exactly the two grids changed, drawn on the map.
    expect(page.locator("#panel-generations")).to_be_visible(timeout=SLOW)
    counts = page.locator("#change-counts")
    expect(counts.locator("[data-change='changed']")).to_have_attribute(
        "data-count", "2", timeout=SLOW
    )
    expect(counts.locator("[data-change='added']")).to_have_attribute("data-count", "0")
    expect(counts.locator("[data-change='removed']")).to_have_attribute("data-count", "0")
    changed = {grids[i]["properties"]["code"], grids[j]["properties"]["code"]}
    listed = page.locator("#change-list .change").evaluate_all(
        "(els) => els.map((e) => e.dataset.code)"
    )
    assert set(listed) == changed
    fields = page.locator("#change-list .change").evaluate_all(
        "(els) => els.map((e) => e.dataset.fields)"
    )
    assert fields == ["geometry", "geometry"]  # the server's diff: the shapes, not the names
    expect(page.locator("#change-list .change").first).to_contain_text("边界")
    page.wait_for_function(
        "() => window.consoleMap.queryRenderedFeatures({layers: ['diff-after-0']}).length > 0"
    )
    _settled(page)
    console.screenshot(page, "data-generations")
    assert (RESULTS / "data-generations.png").exists()


def test_a_geopackage_s_columns_come_from_the_server_and_its_layer_is_asked_for(console, tmp_path):
    """A browser cannot read a GeoPackage: the pickers come from POST /boundary-uploads/inspect,
    and a file with two polygon layers first asks which one (from the problem's ``names``)."""
    import numpy as np
    from pyogrio.raw import write

    path = tmp_path / "网格.gpkg"
    cells = [box(112.90, 27.85, 112.91, 27.86), box(112.91, 27.85, 112.92, 27.86)]
    geometry = np.array([shapely.to_wkb(c) for c in cells], dtype=object)
    for layer, columns in (
        ("grids", {"WGDM": ["430302001001001", "430302001001002"], "WGMC": ["一", "二"]}),
        ("villages", {"CJDM": ["430302001001", "430302001002"]}),
    ):
        fields = [np.array(v, dtype=object) for v in columns.values()]
        write(
            path,
            geometry,
            field_data=fields,
            fields=list(columns),
            layer=layer,
            geometry_type="Polygon",
            crs="EPSG:4490",
            driver="GPKG",
        )
    page = console.login("gis")
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=SLOW)
    page.set_input_files("#file-input", str(path))
    expect(page.locator("#file-info")).to_contain_text(
        "图层", timeout=SLOW
    )  # the API's Chinese refusal
    expect(page.locator("#file-info")).to_have_class("file-info error")
    expect(page.locator("#layer-name-field")).to_be_visible()
    assert page.locator("#upload-submit").is_disabled()
    page.select_option("#layer-name", "grids")
    expect(page.locator("#file-info")).to_contain_text(
        "GPKG · 2 个要素 · 坐标系 EPSG:4490", timeout=SLOW
    )
    expect(page.locator("#code-field")).to_have_value("WGDM")
    names = page.locator("#name-field option").all_inner_texts()
    assert "WGMC（如 一）" in names, names
    assert page.locator("#upload-submit").is_enabled()
    console.screenshot(page, "data-gpkg-columns")
