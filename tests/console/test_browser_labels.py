"""In a real browser: place names on the console's maps, with no glyph server and no CDN.

Township names show at county zooms and grid names (or codes) close up; the glyph ranges for
the non-CJK characters come from the console's own static/glyphs (scripts/glyphs.py), the CJK
ones from the browser's fonts. A screenshot shows them (var/test-results/console/map-labels*.png).
"""

from __future__ import annotations

from playwright.sync_api import expect

YUHULU = "430302001"  # 雨湖路街道


def _box(geometry) -> list[float]:
    xs, ys = [], []

    def visit(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for part in c:
                visit(part)

    visit(geometry["coordinates"])
    return [min(xs), min(ys), max(xs), max(ys)]


JUMP_AND_READ = """async ([center, zoom, layer]) => {
    const map = document.getElementById("map").map;
    map.jumpTo({ center, zoom });
    await new Promise((resolve) => map.once("idle", resolve));
    return map.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties);
}"""


def test_township_and_grid_labels_are_drawn_from_local_glyphs(console):
    desk = console.login("dispatcher")
    glyphs = []
    desk.on("response", lambda r: glyphs.append((r.url, r.status)) if "/glyphs/" in r.url else None)
    desk.reload()
    expect(desk.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)

    area = desk.request.get(f"/api/v1/areas/{YUHULU}").json()
    west, south, east, north = _box(area["geometry"])
    center = [(west + east) / 2, (south + north) / 2]
    townships = desk.evaluate(JUMP_AND_READ, [center, 11.5, "townships-label"])
    names = {p["name"] for p in townships}
    assert area["properties"]["name"] == "雨湖路街道"
    assert "雨湖路街道" in names, names
    console.screenshot(desk, "map-labels")

    grids = desk.request.get("/api/v1/grids", params={"township": YUHULU, "limit": 1}).json()
    grid = grids["features"][0]
    gw, gs, ge, gn = _box(grid["geometry"])
    close = desk.evaluate(JUMP_AND_READ, [[(gw + ge) / 2, (gs + gn) / 2], 16.5, "grids-label"])
    codes = {p["code"] for p in close}
    assert grid["properties"]["code"] in codes, codes
    console.screenshot(desk, "map-labels-grids")

    # The non-CJK glyphs came from this site (a code's digits at least), and none failed.
    assert glyphs, "no glyph range was requested"
    assert all(url.startswith(console.base_url) for url, _ in glyphs), glyphs
    assert all(status == 200 for _, status in glyphs), glyphs
    assert any(url.endswith("/gridsvc-sans/0-255.pbf") for url, _ in glyphs), glyphs
