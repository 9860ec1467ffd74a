"""The responsibility list: versions by effective date, history kept, CSV in and out."""

from __future__ import annotations

import io
from datetime import timedelta

from gridsvc.routing.directory.responsibility import today
from tests.conftest import bearer

URL = "/api/v1/responsibility-list"


def entry(directory, **overrides) -> dict:
    body = {
        "category_code": "0501",
        "primary_kind": "department",
        "department_id": directory["zhzf"]["id"],
        "delegated": True,
        "cooperating_ids": [directory["scjg"]["id"]],
        "response_hours": 1,
        "resolution_hours": 24,
        "legal_basis": "《城市市容和环境卫生管理条例》第十四条",
        "effective_from": "2026-01-01",
    }
    return body | overrides


def test_versions_by_effective_date(client, admin_headers, directory):
    old = client.post(URL, json=entry(directory), headers=admin_headers)
    assert old.status_code == 201, old.json
    future = (today() + timedelta(days=30)).isoformat()
    new = client.post(
        URL,
        json=entry(directory, delegated=False, effective_from=future),
        headers=admin_headers,
    )
    assert new.status_code == 201
    in_force = client.get(URL, headers=admin_headers).json["items"]
    assert [(e["id"], e["in_force"], e["category_name"]) for e in in_force] == [
        (old.json["id"], True, "占道经营")
    ]
    later = client.get(f"{URL}?at={future}", headers=admin_headers).json["items"]
    assert [e["id"] for e in later] == [new.json["id"]]
    everything = client.get(f"{URL}?versions=all", headers=admin_headers).json["items"]
    assert [e["id"] for e in everything] == [old.json["id"], new.json["id"]]
    # Pages like every other list: the cursor continues in the same order.
    first = client.get(f"{URL}?versions=all&limit=1", headers=admin_headers).json
    assert [e["id"] for e in first["items"]] == [old.json["id"]]
    rest = client.get(
        f"{URL}?versions=all&limit=1&cursor={first['next_cursor']}", headers=admin_headers
    ).json
    assert ([e["id"] for e in rest["items"]], rest["next_cursor"]) == ([new.json["id"]], None)

    # History is never edited; the future version may be.
    history = client.patch(
        f"{URL}/{old.json['id']}",
        json={"delegated": False},
        headers={**admin_headers, "If-Match": "*"},
    )
    assert (history.status_code, history.json["code"]) == (409, "responsibility.entry_in_force")
    assert client.delete(f"{URL}/{old.json['id']}", headers=admin_headers).status_code == 409
    edited = client.patch(
        f"{URL}/{new.json['id']}",
        json={"resolution_hours": 48},
        headers={**admin_headers, "If-Match": new.headers["ETag"]},
    )
    assert edited.status_code == 200
    assert edited.json["resolution_hours"] == 48
    assert client.delete(f"{URL}/{new.json['id']}", headers=admin_headers).status_code == 204
    same_day = client.post(URL, json=entry(directory), headers=admin_headers)
    assert (same_day.status_code, same_day.json["code"]) == (409, "responsibility.version_exists")


def test_entry_refusals(client, admin_headers, directory, make_user):
    cases = [
        (entry(directory, category_code="9999"), "responsibility.unknown_category"),
        (
            entry(directory, department_id=directory["t1"]["id"]),
            "responsibility.unknown_department",
        ),
        (
            entry(directory, cooperating_ids=[directory["zhzf"]["id"]]),
            "responsibility.unknown_department",
        ),
        (entry(directory, department_id=None), "request.validation_failed"),
        (
            entry(directory, primary_kind="township", department_id=None),
            "request.validation_failed",
        ),
    ]
    for body, code in cases:
        response = client.post(URL, json=body, headers=admin_headers)
        assert response.status_code == 422, (body, response.json)
        assert response.json["code"] == code
    worker = make_user(role="grid_worker", township_code="430302001")
    assert client.post(URL, json=entry(directory), headers=bearer(worker)).status_code == 403
    assert client.get(URL, headers=bearer(worker)).status_code == 200
    stranger = make_user(role="admin", county_code="430321", township_code=None)
    made = client.post(URL, json=entry(directory), headers=admin_headers).json
    assert client.get(f"{URL}/{made['id']}", headers=bearer(stranger)).status_code == 404


def _import(client, headers, content: bytes, **form):
    data = {k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()}
    data["file"] = (io.BytesIO(content), "list.csv")
    return client.post(
        f"{URL}/import", data=data, headers=headers, content_type="multipart/form-data"
    )


CSV = (
    "事项编码,责任主体,是否委托乡镇,配合单位,响应时限(小时),办结时限(小时),时限口径,法律依据,生效日期\n"
    "0501,ZHZF,是,SCJG,1,24,natural,《城市市容和环境卫生管理条例》,2026-01-01\n"
    "0601,ZHZF,否,ZRZY、SCJG,4,168,working,《中华人民共和国城乡规划法》第六十四条,2026-01-01\n"
    "0102,township,否,,2,24,,,2026-01-01\n"
)


def test_csv_import_is_all_or_nothing_and_round_trips(client, admin_headers, directory):
    dry = _import(client, admin_headers, CSV.encode("gb18030"), dry_run=True)
    assert dry.status_code == 200, dry.json
    assert (dry.json["created"], dry.json["dry_run"]) == (3, True)
    assert client.get(URL, headers=admin_headers).json == {"items": [], "next_cursor": None}

    done = _import(client, admin_headers, CSV.encode("utf-8-sig"))
    assert (done.json["created"], done.json["unchanged"]) == (3, 0)
    again = _import(client, admin_headers, CSV.encode())
    assert (again.json["created"], again.json["unchanged"]) == (0, 3)
    listed = {e["category_code"]: e for e in client.get(URL, headers=admin_headers).json["items"]}
    assert listed["0601"]["deadline_basis"] == "working"
    assert listed["0601"]["cooperating_ids"] == [directory["zrzy"]["id"], directory["scjg"]["id"]]
    assert listed["0102"]["primary_kind"] == "township"

    exported = client.get(f"{URL}/export", headers=admin_headers)
    assert exported.mimetype == "text/csv"
    assert exported.data.startswith("\ufeff".encode())
    round_trip = _import(client, admin_headers, exported.data)
    assert (round_trip.json["created"], round_trip.json["unchanged"]) == (0, 3)

    broken = CSV.replace("0102,township", "0102,NOBODY").replace(
        "2026-01-01\n0601", "2026-13-01\n0601"
    )
    refused = _import(client, admin_headers, broken.encode())
    assert refused.status_code == 422
    assert refused.json["code"] == "responsibility.csv_invalid"
    assert set(refused.json["errors"]) == {"line 2", "line 4"}
    changed = CSV.replace("0501,ZHZF,是", "0501,ZHZF,否")
    history = _import(client, admin_headers, changed.encode())
    assert history.json["errors"]["line 2"][0].endswith("use a later effective date")


def test_csv_refusals(client, admin_headers, directory):
    missing = _import(client, admin_headers, b"category_code,legal_basis\n0501,x\n")
    assert missing.json["code"] == "responsibility.csv_columns"
    binary = _import(client, admin_headers, bytes(range(256)) * 10)
    assert binary.status_code == 422
    huge = _import(
        client,
        admin_headers,
        b"category_code,primary,effective_from\n" + b"0501,ZHZF,2026-01-01\n" * 60_000,
    )
    assert huge.status_code == 413
