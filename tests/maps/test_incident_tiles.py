"""Incident tiles: only what the caller may read, filtered, with the attributes a map styles by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from gridsvc.extensions import db
from tests.conftest import bearer
from tests.maps.conftest import HOME
from tests.maps.helpers import decode, tile_of
from tests.test_app import assert_problem

X, Y = tile_of(*HOME, 14)
URL = f"/api/v1/tiles/incidents/14/{X}/{Y}.mvt"


def ids_in(client, user, query: str = "") -> set[int]:
    response = client.get(URL + query, headers=bearer(user))
    if response.status_code == 204:
        return set()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, max-age=10"
    assert "ETag" not in response.headers
    return {f["properties"]["id"] for f in decode(response.data)["incidents"]}


def test_incident_tiles_show_what_the_caller_may_see(client, people, report, make_user):
    market = report("0501")
    building = report("0601", lonlat=(HOME[0] + 0.001, HOME[1]))
    both = {market["id"], building["id"]}
    assert ids_in(client, people["lead"]) == both  # township 001's team lead
    assert ids_in(client, people["dispatcher"]) == both  # the county desk
    assert ids_in(client, people["lead2"]) == set()  # the next township's team
    stranger = make_user(role="supervisor", county_code="430321", township_code=None)
    assert ids_in(client, stranger) == set()

    body = client.get(URL, headers=bearer(people["lead"])).data
    (feature,) = [f for f in decode(body)["incidents"] if f["properties"]["id"] == market["id"]]
    props = feature["properties"]
    assert props["category"] == "0501"
    assert props["status"] == market["status"]
    assert props["overdue"] is False
    due = db.session.scalar(
        text("SELECT due_at FROM cases WHERE incident_id = :i"), {"i": market["id"]}
    )
    assert datetime.fromisoformat(props["due_at"]) == due.replace(microsecond=0)
    assert feature["geometry"]["type"] == "Point"


def test_incident_tiles_filter_by_status_category_team_and_overdue(client, people, report):
    market = report("0501")
    building = report("0601", lonlat=(HOME[0] + 0.001, HOME[1]))
    lead = people["lead"]
    assert ids_in(client, lead, "?category=0501") == {market["id"]}
    assert ids_in(client, lead, "?status=closed") == set()
    statuses = db.session.execute(
        text("SELECT id, status FROM incidents WHERE id = ANY(:i)"),
        {"i": [market["id"], building["id"]]},
    ).all()
    for incident_id, status in statuses:
        assert incident_id in ids_in(client, lead, f"?status={status}&status=closed")
    team_of = dict(
        db.session.execute(
            text("SELECT incident_id, team_id FROM cases WHERE incident_id = ANY(:i)"),
            {"i": [market["id"], building["id"]]},
        ).all()
    )
    for incident_id, team_id in team_of.items():
        if team_id is not None:
            assert incident_id in ids_in(client, lead, f"?team={team_id}")
    assert ids_in(client, lead, "?overdue=true") == set()
    db.session.execute(
        text("UPDATE cases SET due_at = :past WHERE incident_id = :i"),
        {"past": datetime.now(UTC) - timedelta(hours=1), "i": market["id"]},
    )
    assert ids_in(client, lead, "?overdue=true") == {market["id"]}
    assert ids_in(client, lead, "?overdue=false") == {building["id"]}
    body = client.get(URL + "?overdue=true", headers=bearer(lead)).data
    assert decode(body)["incidents"][0]["properties"]["overdue"] is True


def test_a_team_filter_goes_through_the_policy(client, people, report, make_user, make_team):
    report("0501")
    other_county_team = db.session.execute(
        text(
            "INSERT INTO teams (county_code, kind, code, name) VALUES"
            " ('430321', 'county_department', 'ELSE', '别县的部门') RETURNING id"
        )
    ).scalar()
    answer = client.get(URL + f"?team={other_county_team}", headers=bearer(people["lead"]))
    assert_problem(answer, 404, "team.not_found")
    assert_problem(
        client.get(URL + "?team=999999", headers=bearer(people["lead"])), 404, "team.not_found"
    )
    assert_problem(
        client.get(URL + "?status=nonsense", headers=bearer(people["lead"])),
        422,
        "request.validation_failed",
    )


def test_incident_tiles_are_capped(app, client, people, report, monkeypatch):
    first, second = report("0501"), report("0601", lonlat=(HOME[0] + 0.001, HOME[1]))
    monkeypatch.setitem(app.config, "TILE_MAX_FEATURES", 1)
    assert ids_in(client, people["lead"]) == {max(first["id"], second["id"])}


def test_gis_staff_read_boundaries_not_incidents(client, make_user, hierarchy):
    gis = bearer(make_user(role="gis_staff", township_code=None))
    assert_problem(client.get(URL, headers=gis), 403, "auth.role_forbidden")
    assert_problem(
        client.get("/api/v1/tiles/incidents.json", headers=gis), 403, "auth.role_forbidden"
    )
    assert_problem(
        client.get("/api/v1/ogc/collections/incidents/items", headers=gis),
        403,
        "auth.role_forbidden",
    )
    assert client.get(URL.replace("incidents", "grids"), headers=gis).status_code == 200


def test_callers_of_one_kind_share_one_prepared_statement(client, people, report):
    """The tile statement is PREPAREd with every value a parameter: two team leads of different
    townships run one statement with their own values (each still sees only their own), and the
    number of statuses asked for does not make a new statement."""
    from gridsvc.accounts import Scope
    from gridsvc.maps.incident_tiles import _prepared

    def prepared_names() -> set[str]:
        return set(
            db.session.scalars(
                text(
                    "SELECT name FROM pg_prepared_statements"
                    " WHERE name LIKE 'gridsvc_incident_tile_%'"
                )
            )
        )

    market = report("0501")
    lead, lead2 = people["lead"], people["lead2"]
    key = ((), None, None, None)
    (mine, my_values), (theirs, their_values) = (
        _prepared(Scope.of(user), key, 20000) for user in (lead, lead2)
    )
    assert mine == theirs
    assert my_values != their_values  # the townships differ, as values only
    assert "430302" not in mine.sql  # no county or township code in the text

    one_status = _prepared(Scope.of(lead), ((market["status"],), None, None, None), 20000)[0]
    two_statuses = _prepared(
        Scope.of(lead), ((market["status"], "closed"), None, None, None), 20000
    )
    assert two_statuses[0] == one_status

    assert ids_in(client, lead) == {market["id"]}
    assert ids_in(client, lead2) == set()
    one = ids_in(client, lead, f"?status={market['status']}")
    two = ids_in(client, lead, f"?status={market['status']}&status=closed")
    assert one == two == {market["id"]}
    assert ids_in(client, lead, "?status=closed&status=rejected") == set()
    assert {mine.name, one_status.name} <= prepared_names()  # run as the prepared statements
