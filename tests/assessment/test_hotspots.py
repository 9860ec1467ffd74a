"""Issue 15's must-show: a street market that comes back to one spot becomes a hotspot and raises
exactly one alert (inbox and webhook), not again while it lasts; it ends when the place is quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from gridsvc.assessment.alerts import sweep
from tests.assessment.conftest import COUNTY, T1
from tests.conftest import bearer

SPOT = (112.81, 27.87)
METRE = 1 / 98_500  # degrees of longitude per metre near 27.9° N (roughly)


def _near(dx_m: float, dy_m: float = 0.0) -> tuple[float, float]:
    return (SPOT[0] + dx_m * METRE, SPOT[1] + dy_m / 111_000)


def _market(lay_case, when, lonlat, category="0501"):
    return lay_case(when, category, "t1", 1, 24, status="reported", lonlat=lonlat)


def _inbox(db_session, event: str) -> list[tuple[int, str]]:
    return db_session.execute(
        text("SELECT user_id, dedupe_key FROM notifications WHERE event = :e ORDER BY user_id"),
        {"e": event},
    ).all()


def test_recurring_street_market_raises_one_alert(client, db_session, lay_case, people,
                                                  admin_headers):  # fmt: skip
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "https://1.1.1.1/hooks", "events": ["hotspot.raised"]},
        headers=admin_headers,
    )
    assert hook.status_code == 201, hook.json
    now = datetime.now(UTC)
    # Reported on four different days, within a few metres of one spot: recurring (3 days in 14),
    # but never 5 reports in 7 days, so not a cluster.
    for days_ago, offset in ((9, 0), (6, 4), (3, -3), (1, 2)):
        _market(lay_case, now - timedelta(days=days_ago), _near(offset, offset))
    # Not part of it: the same category 500 m away; another category at the very spot.
    _market(lay_case, now - timedelta(days=2), _near(500))
    _market(lay_case, now - timedelta(days=2), SPOT, category="0102")
    _market(lay_case, now - timedelta(days=5), SPOT, category="0102")

    assert sweep(COUNTY, now) == {"raised": 1, "open": 1, "ended": 0}
    told = _inbox(db_session, "hotspot.raised")
    assert sorted(u for u, _k in told) == sorted([people["lead"].id, people["dispatcher"].id])
    deliveries = db_session.scalar(
        text("SELECT count(*) FROM webhook_deliveries WHERE event = 'hotspot.raised'")
    )
    assert deliveries == 1

    # An hour later the market is back once more: the same hotspot, grown, and nobody is told again.
    _market(lay_case, now, _near(1, -1))
    later = now + timedelta(hours=1)
    assert sweep(COUNTY, later) == {"raised": 0, "open": 1, "ended": 0}
    assert _inbox(db_session, "hotspot.raised") == told
    assert db_session.scalar(text("SELECT count(*) FROM webhook_deliveries")) == 1

    # The map: one recurring hotspot of 5 reports on 5 days, with its alert.
    features = client.get("/api/v1/hotspots", headers=bearer(people["supervisor"])).json["features"]
    assert len(features) == 1
    spot = features[0]["properties"]
    alert_id = db_session.scalar(text("SELECT id FROM hotspot_alerts"))
    assert (spot["kind"], spot["category_code"], spot["township_code"]) == ("recurring", "0501", T1)
    assert (spot["incidents"], spot["days"], spot["alert_id"]) == (5, 5, alert_id)
    assert spot["radius_m"] < 10
    lon, lat = features[0]["geometry"]["coordinates"]
    assert abs(lon - SPOT[0]) < 5 * METRE
    assert abs(lat - SPOT[1]) < 5 / 111_000
    # Another township's lead sees none of it.
    other = client.get("/api/v1/hotspots", headers=bearer(people["lead2"])).json
    assert other["features"] == []

    # Three quiet weeks later the hotspot is gone and its alert ends.
    assert sweep(COUNTY, now + timedelta(days=21)) == {"raised": 0, "open": 0, "ended": 1}


def test_a_cluster_needs_enough_reports_close_together(db_session, lay_case, people):
    now = datetime.now(UTC)
    for i in range(5):  # five reports within 40 m in two days: a cluster (and one day only)
        _market(lay_case, now - timedelta(hours=3 * i), _near(10 * i))
    for i in range(4):  # four elsewhere: too few
        _market(lay_case, now - timedelta(hours=i), _near(2000 + 10 * i))
    result = sweep(COUNTY, now)
    kinds = db_session.execute(text("SELECT kind, incident_count FROM hotspot_alerts")).all()
    assert result["raised"] == 1
    assert kinds == [("cluster", 5)]


def test_hotspot_map_in_gcj02_and_bd09(client, lay_case, people):
    from tests.maps.test_datums_out import assert_moved, first_geometry

    now = datetime.now(UTC)
    for days_ago, offset in ((9, 0), (6, 4), (3, -3), (1, 2)):
        _market(lay_case, now - timedelta(days=days_ago), _near(offset, offset))
    assert_moved(client, bearer(people["supervisor"]), "/api/v1/hotspots", first_geometry)
