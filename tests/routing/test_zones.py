"""Routing zones: polygons, buffered road lines (路长制), validation and scope."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import shape

from gridsvc.routing.decision.loading import zones_under_points
from tests.conftest import bearer

MARKET = {
    "type": "Polygon",
    "coordinates": [
        [[112.81, 27.86], [112.82, 27.86], [112.82, 27.87], [112.81, 27.87], [112.81, 27.86]]
    ],
}
ROAD = {"type": "LineString", "coordinates": [[112.83, 27.88], [112.84, 27.88]]}


def post_zone(client, headers, **body):
    return client.post("/api/v1/zones", json=body, headers=headers)


def test_polygon_zone_and_lookup(client, admin_headers, directory):
    response = post_zone(
        client,
        admin_headers,
        name="农贸市场片区",
        geometry=MARKET,
        team_id=directory["scjg"]["id"],
        category_codes=["0501"],
        priority=10,
    )
    assert response.status_code == 201, response.json
    assert response.json["properties"]["kind"] == "area"
    inside = zones_at("430302", 112.815, 27.865)
    assert [(z.name, z.category_codes, z.priority) for z in inside] == [
        ("农贸市场片区", ("0501",), 10)
    ]
    assert zones_at("430302", 112.83, 27.865) == []


def test_road_line_is_buffered_in_metres(client, admin_headers, directory):
    response = post_zone(
        client,
        admin_headers,
        name="建设路路长段",
        geometry=ROAD,
        buffer_m=30,
        team_id=directory["t1"]["id"],
    )
    assert response.status_code == 201, response.json
    feature = response.json
    assert feature["properties"]["kind"] == "road"
    assert feature["properties"]["line"]["type"] == "MultiLineString"
    # 30 m either side: ~0.00027° of latitude. 20 m off the line is inside, 40 m is not.
    metre_lat = 1 / 111_000
    assert zones_at("430302", 112.835, 27.88 + 20 * metre_lat)
    assert not zones_at("430302", 112.835, 27.88 + 40 * metre_lat)
    polygon = shape(feature["geometry"])
    assert polygon.geom_type == "MultiPolygon"
    assert shapely.is_valid(polygon)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"geometry": ROAD}, "zone.buffer_required"),
        ({"geometry": MARKET, "buffer_m": 20}, "zone.buffer_for_lines_only"),
        ({"geometry": {"type": "Point", "coordinates": [112.8, 27.9]}}, "zone.geometry_type"),
        ({"geometry": {"type": "Feature"}}, "geometry.invalid_geojson"),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]],
                }
            },
            "zone.extent.outside_china",
        ),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [112.81, 27.86],
                            [112.82, 27.87],
                            [112.82, 27.86],
                            [112.81, 27.87],
                            [112.81, 27.86],
                        ]
                    ],
                }
            },
            "zone.invalid_geometry",
        ),
        ({"geometry": MARKET, "team_id": 999999}, "zone.unknown_team"),
    ],
)
def test_zone_refusals(client, admin_headers, directory, body, code):
    payload = {"name": "z", "team_id": directory["t1"]["id"], **body}
    response = post_zone(client, admin_headers, **payload)
    assert response.status_code == 422, response.json
    assert response.json["code"] == code


def test_zone_scope_and_update(client, admin_headers, directory, make_user):
    created = post_zone(
        client, admin_headers, name="步行街", geometry=MARKET, team_id=directory["t1"]["id"]
    )
    url = f"/api/v1/zones/{created.json['id']}"
    stranger = make_user(role="admin", county_code="430321", township_code=None)
    assert client.get(url, headers=bearer(stranger)).status_code == 404
    worker = make_user(role="grid_worker", township_code="430302001")
    assert client.patch(url, json={"active": False}, headers=bearer(worker)).status_code == 403
    headers = {**admin_headers, "If-Match": created.headers["ETag"]}
    done = client.patch(url, json={"active": False, "priority": 5}, headers=headers)
    assert done.status_code == 200
    assert done.json["properties"]["active"] is False
    assert zones_at("430302", 112.815, 27.865) == []
    listed = client.get("/api/v1/zones", headers=admin_headers).json
    assert [f["properties"]["name"] for f in listed["features"]] == ["步行街"]


def zones_at(county: str, lon: float, lat: float) -> list:
    """The zones the routing decision finds under one point."""
    return zones_under_points(county, [(lon, lat)])[0]
