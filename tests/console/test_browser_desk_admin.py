"""In a real browser: the global admin (no county of their own) on the county desk (指挥中心).

Before a county is picked the desk says to pick one (no API county errors in its panels); after
picking, the panels show that county's calls and triage exactly as the API lists them, and the
choice stays in the address. A county's own admin gets no picker.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.console.test_browser_desk import _lead_calls_the_county

COUNTY = "430302"  # 雨湖区, the demo county
OPEN_CALLS = ["called", "accepted", "analysed", "dispatched", "responded"]


def test_a_global_admin_picks_a_county_and_the_desk_shows_it(console):
    incident_id = _lead_calls_the_county(console)  # open calls for the desk to show
    admin = console.login("admin")
    assert admin.url.endswith("/console/dashboard")  # the admin still lands on 考核看板
    admin.goto("/console/desk")
    expect(admin.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)
    picker = admin.locator("#county-select")
    expect(picker).to_be_visible()
    expect(picker.locator(f"option[value='{COUNTY}']")).to_have_text("雨湖区（430302）")
    for name in ("calls", "triage", "notices"):
        expect(admin.locator(f"#panel-{name} .state.empty")).to_contain_text("请先在上方选择区县")
        expect(admin.locator(f"#count-{name}")).to_have_text("–")
    expect(admin.locator(".state.error")).to_have_count(0)
    console.screenshot(admin, "desk-global-admin-pick")

    picker.select_option(COUNTY)
    admin.wait_for_url(f"**/console/desk?county={COUNTY}")
    expect(admin.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)
    expect(admin.locator("#county-select")).to_have_value(COUNTY)
    expect(admin.locator(".state.error")).to_have_count(0)

    statuses = "&".join(f"status={s}" for s in OPEN_CALLS)  # a repeated key: no params dict
    answer = admin.request.get(f"/api/v1/calls?county={COUNTY}&limit=200&{statuses}")
    assert answer.status == 200, answer.text()
    calls = answer.json()["items"]
    assert incident_id in [c["incident_id"] for c in calls]
    expect(admin.locator("#panel-calls .item")).to_have_count(len(calls))
    shown = admin.eval_on_selector_all(
        "#panel-calls .item", "(cards) => cards.map((card) => Number(card.dataset.callId))"
    )
    assert sorted(shown) == sorted(c["id"] for c in calls)
    triage = admin.request.get("/api/v1/triage", params={"county": COUNTY, "limit": 200}).json()
    expect(admin.locator("#count-triage")).to_have_text(str(len(triage["features"])))
    # The county's open cases are on the map, the called one among them.
    drawn = admin.evaluate(
        """() => document.getElementById("map").map.querySourceFeatures("cases")
            .map((f) => f.properties.id)"""
    )
    assert incident_id in drawn
    console.screenshot(admin, "desk-global-admin-county")


def test_a_county_admin_works_on_their_own_county_without_a_picker(console):
    admin = console.login("county_admin")
    admin.goto("/console/desk")
    expect(admin.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)
    expect(admin.locator("#county-pick")).to_be_hidden()
    expect(admin.locator(".state.error")).to_have_count(0)
    expect(admin.locator("#count-calls")).not_to_have_text("–")
