"""The catalogue as counties publish it: XLSX and CSV with Chinese headers, all or nothing.

The fixture is a 113-row penalty-power list in the county's format (序号, 事项名称, 事项编码, 实施依据,
职权类型, 承接方式, 实施主体), written here with openpyxl, with a title row above the header as
county files have.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from tests.routing.conftest import T1, T2

URL = "/api/v1/power-items"
HEADER = ["序号", "事项名称", "事项编码", "实施依据", "职权类型", "承接方式", "实施主体"]
FORMS = ["委托", "延伸", "赋权"]


def _rows(count: int = 113) -> list[list]:
    rows = []
    for n in range(1, count + 1):
        holder = (
            "全部乡镇（街道）" if n <= 100 else ("乡镇001、乡镇002" if n % 2 else "乡镇001人民政府")
        )
        rows.append(
            [
                n,
                f"对违反城市市容管理规定行为的处罚（第{n}项）",
                330200000 + n,  # a numeric cell, as Excel keeps codes typed in
                f"《城市市容和环境卫生管理条例》第{n}条",
                "行政处罚",
                FORMS[n % 3],
                holder,
            ]
        )
    return rows


def _xlsx(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["雨湖区乡镇（街道）行政处罚权力清单"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(client, headers, content: bytes, name: str = "list.xlsx", **form):
    data = {"department_code": "ZHZF", "effective_from": "2026-01-01", "batch": "第一批", **form}
    data = {k: str(v).lower() if isinstance(v, bool) else v for k, v in data.items()}
    data["file"] = (io.BytesIO(content), name)
    return client.post(
        f"{URL}/import", data=data, headers=headers, content_type="multipart/form-data"
    )


def _count(client, headers) -> int:
    return len(client.get(f"{URL}?limit=500", headers=headers).json["items"])


def test_a_113_row_county_list_imports_with_no_errors(client, directory, admin_headers):
    response = _import(client, admin_headers, _xlsx(_rows()))
    assert response.status_code == 200, response.json
    # 100 rows to all townships, 7 rows to two pilot towns, 6 to one.
    assert response.json == {
        "dry_run": False,
        "rows": 113,
        "errors": 0,
        "items_created": 113,
        "items_updated": 0,
        "items_unchanged": 0,
        "delegations_created": 100 + 7 * 2 + 6,
        "delegations_unchanged": 0,
    }
    assert _count(client, admin_headers) == 113
    items = client.get(f"{URL}?limit=500", headers=admin_headers).json["items"]
    first = next(i for i in items if i["code"] == "330200001")
    assert (first["kind"], first["department_name"]) == ("penalty", "区综合行政执法局")
    assert first["legal_basis"] == "《城市市容和环境卫生管理条例》第1条"
    last = next(i for i in items if i["code"] == "330200113")
    rows = client.get(f"{URL}/{last['id']}/delegations", headers=admin_headers).json
    assert [(r["township_code"], r["form"], r["batch"]) for r in rows] == [
        (T1, "granted", "第一批"),  # 113 % 3 == 2: 赋权
        (T2, "granted", "第一批"),
    ]

    # The same file again changes nothing.
    again = _import(client, admin_headers, _xlsx(_rows()))
    assert (again.json["items_unchanged"], again.json["delegations_created"]) == (113, 0)


def test_one_bad_row_imports_nothing_and_names_row_and_column(client, directory, admin_headers):
    rows = _rows()
    rows[59][4] = "行政处理"  # 序号 60: on sheet row 62, under the title and the header
    response = _import(client, admin_headers, _xlsx(rows))
    assert response.status_code == 422, response.json
    assert response.json["code"] == "catalogue.rows_invalid"
    assert list(response.json["errors"]) == ["row 62, 职权类型"]
    assert "行政处理" in response.json["errors"]["row 62, 职权类型"][0]
    assert response.json["problems"][0] | {"message": ""} == {
        "row": 62,
        "column": "职权类型",
        "message": "",
    }
    assert _count(client, admin_headers) == 0


def test_every_kind_of_bad_cell_is_named(client, directory, admin_headers):
    rows = _rows(6)
    rows[0][5] = "下放"  # unknown form
    rows[1][6] = "乡镇009"  # not a township of the county
    rows[2][1] = ""  # no name
    rows[3][2] = rows[4][2]  # the same code as the next row, with another name
    response = _import(client, admin_headers, _xlsx(rows))
    assert response.status_code == 422
    assert set(response.json["errors"]) == {
        "row 3, 承接方式",
        "row 4, 实施主体",
        "row 5, 事项名称",
        "row 7, 事项名称",
        "row 7, 实施主体",  # and row 6 already gives that code to all townships
    }
    assert _count(client, admin_headers) == 0


def test_file_level_problems(client, directory, admin_headers):
    no_header = _import(client, admin_headers, _xlsx(_rows(2), header=HEADER[:4]))
    assert (no_header.status_code, no_header.json["code"]) == (422, "catalogue.file_columns")
    broken = _import(client, admin_headers, b"PK\x03\x04 not really a workbook")
    assert (broken.status_code, broken.json["code"]) == (422, "catalogue.file_unreadable")
    unknown_department = _import(client, admin_headers, _xlsx(_rows(2)), department_code="NOPE")
    assert unknown_department.json["code"] == "responsibility.unknown_department"
    dry = _import(client, admin_headers, _xlsx(_rows(3)), dry_run=True)
    assert (dry.status_code, dry.json["items_created"]) == (200, 3)
    assert _count(client, admin_headers) == 0


def test_export_round_trips_as_xlsx_and_csv(client, directory, admin_headers):
    assert _import(client, admin_headers, _xlsx(_rows(12))).status_code == 200
    exported = client.get(f"{URL}/export", headers=admin_headers)
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0][:7]) == HEADER
    assert len(values) == 1 + 12
    assert values[1][5:7] == ("延伸", "全部乡镇（街道）")
    again = _import(client, admin_headers, exported.data)
    assert again.status_code == 200, again.json
    assert (again.json["items_unchanged"], again.json["delegations_created"]) == (12, 0)

    as_csv = client.get(f"{URL}/export?format=csv", headers=admin_headers)
    assert as_csv.data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert lines[0][:7] == HEADER
    from_csv = _import(client, admin_headers, as_csv.data, name="list.csv")
    assert from_csv.status_code == 200, from_csv.json
    assert from_csv.json["delegations_created"] == 0


def test_gb18030_csv_from_excel(client, directory, admin_headers):
    text = ",".join(HEADER) + "\n" + "1,对占道经营的处罚,X-1,《条例》,行政处罚,委托,乡镇001\n"
    response = _import(client, admin_headers, text.encode("gb18030"), name="list.csv")
    assert response.status_code == 200, response.json
    assert response.json["delegations_created"] == 1


def test_only_county_admins_import(client, directory, make_user):
    from tests.conftest import bearer

    township_admin = bearer(make_user(role="admin", township_code=T1))
    response = _import(client, township_admin, _xlsx(_rows(2)))
    assert response.status_code == 403
