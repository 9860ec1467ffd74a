"""The permission matrix's fixtures: two counties, every kind of resource in each place.

County A (430302, the demo county's code) has townships A1 (430302001) and A2 (430302002); county
B (430304) has township B1 (430304001). Every resource an id names exists at the places the matrix
calls targets:

- ``A1``: in township A1, the township of the township-bound callers (same township);
- ``A2``: in township A2 (another township of the same county);
- ``A``: county-wide in A (a department, a zone, a list entry, a webhook, county staff's upload);
- ``B``: in county B (another county);
- ``X``: deployment-wide (the shared category catalogue);
- ``S``: a stationed agency (派驻机构) seated in A1 whose parent is A's department;
- ``self``: the calling grid worker's own records.

Built once per module through the services and the API, then every request runs in a savepoint
rolled back after it (tests/test_permission_matrix.py), so each one meets this same world.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_jwt_extended import create_access_token
from shapely.geometry import box
from sqlalchemy import text

from gridsvc.accounts import SHELL_SCOPE, Scope, api_tokens
from gridsvc.assessment.models import IndicatorRecompute
from gridsvc.boundaries import import_local_file, uploads
from gridsvc.boundaries.models import GenerationPublish, GridMerge
from gridsvc.extensions import db
from gridsvc.routing.deadlines.models import SupervisionNotice
from gridsvc.routing.directory import catalogue, responsibility, teams, zones
from gridsvc.routing.directory import proposals as list_proposals
from gridsvc.routing.notices.models import Notification, WebhookSubscription
from gridsvc.workers import assignments, profiles, proposals
from tests.boundaries.conftest import (
    COUNTY_BOX,
    TOWNSHIPS,
    VILLAGES,
    feature,
    geojson_bytes,
    grids_of,
    write_geojson,
)
from tests.factories import UserFactory
from tests.routing.conftest import jpeg

A, B = "430302", "430304"
A1, A2, B1 = "430302001", "430302002", "430304001"
B_BOX = (112.90, 27.85, 113.00, 27.95)
B_VILLAGE = "430304001001"
# Report locations inside one grid of each township, ~1 km apart (no duplicate flags).
POINTS = {
    "A1": [(112.805, 27.86), (112.81, 27.87), (112.815, 27.88), (112.82, 27.89), (112.81, 27.855)],
    "A2": [(112.86, 27.86), (112.865, 27.88)],
    "B": [(112.92, 27.86), (112.93, 27.89)],
}
GRIDS = {"A1": "430302001001001", "A2": "430302002001001", "B": "430304001001001"}
VACANT_GRIDS = {"A1": "430302001002001", "A2": "430302002002001", "B": "430304001001002"}


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    # kind -> target -> id (or code)
    ids: dict[str, dict[str, object]] = field(default_factory=dict)

    def id(self, kind: str, target: str):
        return self.ids[kind][target]

    def put(self, kind: str, target: str, value) -> None:
        self.ids.setdefault(kind, {})[target] = value

    def headers(self, caller: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[caller]}"}


def _user(**fields):
    user = UserFactory(**fields)
    db.session.flush()
    return user


def _b_grids() -> list[dict]:
    x0, y0, x1, y1 = B_BOX
    mid = (x0 + x1) / 2
    return [
        feature(box(x0, y0, mid, y1), code=f"{B_VILLAGE}001", name="B网格1", households=300),
        feature(box(mid, y0, x1, y1), code=f"{B_VILLAGE}002", name="B网格2", households=300),
    ]


def _boundaries(tmp) -> None:
    levels = [
        ("county", [feature(box(*COUNTY_BOX), code=A, name="雨湖区")]),
        ("county", [feature(box(*B_BOX), code=B, name="岳塘区")]),
        ("township", [feature(g, code=c, name=f"乡镇{c[-3:]}") for c, g in TOWNSHIPS.items()]),
        ("township", [feature(box(*B_BOX), code=B1, name="B乡镇")]),
        ("village", [feature(g, code=c, name=f"村{c[-3:]}") for c, g in VILLAGES.items()]),
        ("village", [feature(box(*B_BOX), code=B_VILLAGE, name="B村")]),
        ("grid", [f for code in VILLAGES for f in grids_of(code)]),
        ("grid", _b_grids()),
    ]
    for i, (level, features) in enumerate(levels):
        path = write_geojson(tmp / f"{i}-{level}.geojson", features)
        _upload, generation = import_local_file(path, {"level": level}, publish=True)
        assert generation is not None, (level, _upload.report)


def _people(w: World) -> None:
    u = w.users
    u["G"] = _user(role="admin", county_code=None, township_code=None)
    u["CA"] = _user(role="admin", county_code=A, township_code=None)
    u["TA"] = _user(role="admin", township_code=A1)
    u["TA2"] = _user(role="admin", township_code=A2)
    for name, role, county in (
        ("gis", "gis_staff", A),
        ("gisB", "gis_staff", B),
        ("sup", "supervisor", A),
        ("disp", "county_dispatcher", A),
        ("dept", "department_handler", A),
        ("deptX", "department_handler", A),
        ("deptB", "department_handler", B),
    ):
        u[name] = _user(role=role, county_code=county, township_code=None)
    for name, role, township in (
        ("lead", "team_lead", A1),
        ("off", "officer", A1),
        ("off1", "officer", A1),
        ("wrk", "grid_worker", A1),
        ("wrk2", "grid_worker", A1),
        ("lead2", "team_lead", A2),
        ("off2", "officer", A2),
        ("wrkA2", "grid_worker", A2),
        ("leadB", "team_lead", B1),
        ("offB", "officer", B1),
        ("wrkB", "grid_worker", B1),
    ):
        u[name] = _user(role=role, township_code=township)


def _directory(w: World) -> None:
    def team(county, kind, code, township=None):
        data = {"county_code": county, "kind": kind, "code": code, "name": code}
        if township:
            data["township_code"] = township
        return teams.create_team(SHELL_SCOPE, data)

    made = {
        "A1": team(A, "township_team", "TA1", A1),
        "A2": team(A, "township_team", "TA2", A2),
        "A": team(A, "county_department", "DA"),
        "A_2": team(A, "county_department", "DA2"),
        "B": team(B, "township_team", "TB", B1),
        "B_dept": team(B, "county_department", "DB"),
    }
    # A stationed agency (派驻机构) in A1 answering to department A.
    made["S"] = teams.create_team(
        SHELL_SCOPE,
        {
            "county_code": A,
            "kind": "township_team",
            "code": "SA1",
            "name": "SA1",
            "township_code": A1,
            "category_codes": ["0199"],
            "parent_department_id": made["A"].id,
        },
    )
    for target, t in made.items():
        w.put("team", target, t.id)
    for name, target in (
        ("lead", "A1"),
        ("off", "A1"),
        ("lead2", "A2"),
        ("dept", "A"),
        ("leadB", "B"),
        ("deptB", "B_dept"),
    ):
        w.users[name].team_id = made[target].id
    for county in (A, B):
        responsibility.create_entry(
            SHELL_SCOPE,
            {
                "county_code": county,
                "category_code": "0102",
                "primary_kind": "township",
                "response_hours": 2,
                "resolution_hours": 24,
                "effective_from": date(2020, 1, 1),
            },
            user_id=None,
        )
    for target, county, dept in (("A", A, made["A"]), ("B", B, made["B_dept"])):
        # Not yet in force, so an edit is possible (history is never edited).
        entry = responsibility.create_entry(
            SHELL_SCOPE,
            {
                "county_code": county,
                "category_code": "0103",
                "primary_kind": "department",
                "department_id": dept.id,
                "response_hours": 2,
                "resolution_hours": 48,
                "effective_from": date.today() + timedelta(days=400),
            },
            user_id=None,
        )
        w.put("entry", target, entry.id)
        item = catalogue.create_item(
            SHELL_SCOPE,
            {
                "county_code": county,
                "code": f"ITEM-{target}",
                "name": "对占道经营的处罚",
                "kind": "penalty",
                "department_id": dept.id,
                "category_codes": ["0103"],
            },
            user_id=None,
        )
        w.put("item", target, item.id)
    # Proposals to the list (建议权), one from each township.
    for target, county, township in (("A1", A, A1), ("A2", A, A2), ("B", B, B1)):
        proposal = list_proposals.propose(
            Scope(None, "admin", county, township),
            {
                "category_code": "0104",
                "primary_kind": "township",
                "response_hours": 2,
                "resolution_hours": 24,
                "effective_from": date.today() + timedelta(days=300),
                "reason": "matrix",
            },
            user_id=None,
        )
        w.put("list_proposal", target, proposal.id)
    for target, county, x, team_target in (("A", A, 112.81, "A1"), ("B", B, 112.92, "B")):
        polygon = box(x, 27.86, x + 0.01, 27.87)
        zone = zones.create_zone(
            SHELL_SCOPE,
            {
                "county_code": county,
                "name": f"zone {target}",
                "geometry": {"type": "Polygon", "coordinates": [list(polygon.exterior.coords)]},
                "team_id": made[team_target].id,
                "priority": 10,
            },
            None,
        )
        w.put("zone", target, zone.id)
        hook = WebhookSubscription(county_code=county, url="https://1.1.1.1/hook", secret="s" * 32)
        db.session.add(hook)
        db.session.flush()
        w.put("webhook", target, hook.id)


def _workers(w: World) -> None:
    u = w.users
    for name in ("wrk", "wrk2", "wrkA2", "wrkB"):
        profiles.create_profile(SHELL_SCOPE, {"user_id": u[name].id})
    for target, name in (("A1", "wrk"), ("A2", "wrkA2"), ("B", "wrkB")):
        row = assignments.assign(SHELL_SCOPE, GRIDS[target], {"user_id": u[name].id})
        w.put("assignment", target, row.id)
    for target, township in (("A1", A1), ("A2", A2), ("B", B1)):
        proposal = proposals.create_proposal(SHELL_SCOPE, {"township": township})
        w.put("proposal", target, str(proposal.id))
        grids = [g for item in proposal.items for g in item["proposed_grids"]]
        w.put("proposal_grid", target, grids[0])


def _boundary_work(w: World) -> None:
    u = w.users
    for target, uploader, grids in (
        ("A1", "TA", grids_of("430302001002")),
        ("A2", "TA2", grids_of("430302002002")),
        ("A", "gis", grids_of("430302001001")),
        ("B", "gisB", _b_grids()),
    ):
        stream = io.BytesIO(geojson_bytes(grids))
        upload = uploads.create_upload(
            Scope.of(u[uploader]), stream, "grids.geojson", {"level": "grid"}
        )
        upload = uploads.process(str(upload.id))  # with the uploader's own scope
        assert upload.status == "validated", upload.report
        w.put("upload", target, str(upload.id))
        w.put("draft", target, upload.generation_id)
        job = GenerationPublish(
            upload_id=upload.id,
            draft_id=upload.generation_id,
            county_code=upload.county_code,
            created_by=upload.created_by,
        )
        db.session.add(job)
        db.session.flush()
        w.put("publish", target, str(job.id))  # queued, never run: the world stays as it is
    for target, county, township in (("A1", A, A1), ("A2", A, A2), ("B", B, B1)):
        merge = GridMerge(
            id=uuid.uuid4(),
            status="done",
            county_code=county,
            township_codes=[township],
            layers=["zongzhi", "chengguan"],
            crosswalk=[],
            report={"mode": "crosswalk"},
        )
        db.session.add(merge)
        db.session.flush()
        w.put("merge", target, str(merge.id))


def _report(client, w: World, reporter: str, point, category="0102") -> int:
    body = {
        "client_id": str(uuid.uuid4()),
        "category": category,
        "location": {"type": "Point", "coordinates": list(point)},
        "reported_at": datetime.now(UTC).isoformat(),
        "description": "占道经营",
    }
    response = client.post("/api/v1/incidents", json=body, headers=w.headers(reporter))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _step(client, w: World, who: str, url: str, body: dict, expected: int = 200):
    headers = {**w.headers(who), "If-Match": "*"}
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == expected, (url, body, response.get_json())
    return response


def _photo(client, w: World, who: str, incident: int, kind: str, colour) -> int:
    response = client.post(
        f"/api/v1/incidents/{incident}/photos",
        data={"kind": kind, "file": (io.BytesIO(jpeg(colour)), "p.jpg")},
        headers=w.headers(who),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _cases(client, w: World) -> None:
    reporters = {"A1": "wrk", "A2": "wrkA2", "B": "wrkB"}
    leads = {"A1": "lead", "A2": "lead2", "B": "leadB"}
    for n, target in enumerate(("A1", "A2", "B")):
        first = _report(client, w, reporters[target], POINTS[target][0])
        w.put("incident", target, first)
        w.put("photo", target, _photo(client, w, reporters[target], first, "report", (n, 9, 9)))
        # A second incident with a 乡呼县应 call the county has accepted.
        called = _report(client, w, reporters[target], POINTS[target][1])
        w.put("incident_called", target, called)
        made = _step(
            client,
            w,
            leads[target],
            "/api/v1/calls",
            {"incident_id": called, "reason": "需要区级部门支持"},
            201,
        )
        call = made.get_json()["id"]
        _step(client, w, "G", f"/api/v1/calls/{call}/actions", {"action": "accept"})
        w.put("call", target, call)
        db.session.add(
            SupervisionNotice(
                county_code=A if target != "B" else B,
                township_code={"A1": A1, "A2": A2, "B": B1}[target],
                incident_id=first,
                kind="response_overdue",
                level=1,
                team_id=w.id("team", target),
                due_at=datetime.now(UTC),
            )
        )
        db.session.flush()
    notices = SupervisionNotice.query.order_by(SupervisionNotice.id).all()
    for target, notice in zip(("A1", "A2", "B"), notices, strict=True):
        w.put("notice", target, notice.id)
    # Cases further on in A1: accepted (dispatch, assign), in progress with evidence (resolve).
    accepted = _report(client, w, "wrk", POINTS["A1"][2])
    _step(client, w, "lead", f"/api/v1/incidents/{accepted}/actions", {"action": "accept"})
    w.put("incident_accepted", "A1", accepted)
    working = _report(client, w, "wrk", POINTS["A1"][3])
    url = f"/api/v1/incidents/{working}/actions"
    _step(client, w, "lead", url, {"action": "accept"})
    _step(client, w, "lead", url, {"action": "dispatch", "assignee_id": w.users["off"].id})
    _step(client, w, "off", url, {"action": "start"})
    w.put("incident_working", "A1", working)
    w.put("evidence", "A1", _photo(client, w, "off", working, "evidence", (1, 200, 1)))
    w.put("incident_other", "A1", _report(client, w, "wrk", POINTS["A1"][4]))
    for target, owner in (("self", "wrk"), ("A2", "lead2")):
        note = Notification(
            county_code=A, user_id=w.users[owner].id, event="test", title="x", dedupe_key=target
        )
        db.session.add(note)
        db.session.flush()
        w.put("notification", target, note.id)


def build_world(client, tmp) -> World:
    w = World()
    _boundaries(tmp)
    _people(w)
    _directory(w)
    db.session.flush()
    for name, user in w.users.items():
        w.tokens[name] = create_access_token(identity=user, expires_delta=timedelta(hours=3))
    _workers(w)
    _boundary_work(w)
    db.session.commit()  # what the requests below read must look committed to them
    _cases(client, w)
    users = w.users
    for name, user in users.items():
        w.put("user", name, user.id)  # the rows read ids, never the (detached) rows
    for target, name in (
        ("self", "wrk"),
        ("A1", "wrk2"),
        ("A2", "wrkA2"),
        ("B", "wrkB"),
    ):
        w.put("worker", target, users[name].id)
    for kind, names in {
        "account": {"A1": "wrk2", "A2": "wrkA2", "A": "disp", "B": "wrkB"},
        "officer": {"A1": "off1", "A2": "off2", "A": "deptX", "B": "offB"},
        "member": {"A1": "lead", "A2": "lead2", "A": "dept", "B": "leadB"},
    }.items():
        for target, name in names.items():
            w.put(kind, target, users[name].id)
    w.put("category", "X", "0501")
    for target, name in (("self", "wrk"), ("B", "wrkB")):
        token, _secret = api_tokens.create_token(
            users[name].id, {"client_id": uuid.uuid4(), "name": "QGIS"}, datetime.now(UTC)
        )
        w.put("api_token", target, token.id)
    for target, county in (("A", A), ("B", B)):
        newest_grids = db.session.scalar(
            text(
                "SELECT g.id FROM generations g WHERE g.level = 'grid' AND g.number IS NOT NULL"
                " AND EXISTS (SELECT 1 FROM areas a WHERE a.generation_id = g.id"
                " AND a.county_code = :c) ORDER BY g.number DESC LIMIT 1"
            ),
            {"c": county},
        )
        w.put("grid_generation", target, newest_grids)
    for target in ("A1", "A2", "B"):
        w.put("area", target, {"A1": A1, "A2": A2, "B": B1}[target])
        w.put("grid", target, GRIDS[target])
        w.put("vacant_grid", target, VACANT_GRIDS[target])
    for target, county in (("A", A), ("B", B)):
        # Queued, never run: an admin's recompute of the county's March.
        job = IndicatorRecompute(
            county_code=county, first_day=date(2026, 3, 1), last_day=date(2026, 3, 31)
        )
        db.session.add(job)
        db.session.flush()
        w.put("recompute", target, str(job.id))
    return w
