"""Issue 15's must-show: the XLSX opens with openpyxl and holds the numbers the API gives; the CSV
is UTF-8 with a BOM, Chinese headers, a title row and percentages Excel understands."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from gridsvc.assessment.schemas import DEFINITIONS
from tests.assessment.conftest import T1, T2
from tests.assessment.test_indicators import T1_MARCH, _march
from tests.conftest import bearer

URL = "/api/v1/indicators?period=month&from=2026-03-01&by=township"


def test_xlsx_holds_the_same_numbers(client, lay_case, people):
    _march(lay_case, people)
    headers = bearer(people["supervisor"])
    table = client.get(URL, headers=headers).json
    response = client.get(URL + "&format=xlsx", headers=headers)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "2026-03-01 至 2026-03-31" in rows[0][0]
    assert "按乡镇（街道）" in rows[0][0]
    header = rows[1]
    assert header[:4] == ("乡镇（街道）代码", "名称", "上报数", "受理数")
    assert {"按期结案率", "处置时长P90(小时)"} <= set(header)
    by_key = {r[0]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    assert set(by_key) == {T1, T2, "合计"}
    for name, (zh, _definition) in DEFINITIONS.items():
        assert by_key[T1][zh] == table["rows"][0][name], name
        assert by_key["合计"][zh] == table["total"][name], name
    # The hand count once more, straight from the file.
    assert by_key[T1]["应结案数"] == T1_MARCH["due"] == 7
    assert by_key[T1]["按期结案率"] == 0.4286
    # Rates carry a percent format, so Excel shows 50.00 %.
    column = header.index("按期结案率") + 1
    assert sheet.cell(row=3, column=column).number_format == "0.00%"


def test_csv_is_utf8_with_bom(client, lay_case, people):
    _march(lay_case, people)
    response = client.get(URL + "&format=csv", headers=bearer(people["supervisor"]))
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0][0].startswith("案件考评指标")
    header = lines[1]
    t1 = dict(zip(header, lines[2], strict=True))
    assert t1["乡镇（街道）代码"] == T1
    assert t1["上报数"] == "9"
    assert t1["立案率"] == "87.50%"
    assert t1["平均处置时长(小时)"] == "41.7"
    assert lines[-1][0] == "合计"


def test_case_list_explains_the_table(client, lay_case, people):
    """The case list of a team lead's own team, as JSON and XLSX, adds up to the table."""
    cases = _march(lay_case, people)
    headers = bearer(people["lead"])
    url = "/api/v1/indicators/cases?period=month&from=2026-03-01"
    listed = client.get(url, headers=headers).json["cases"]
    # The lead's team (t1) holds A B C D F G H I; E went to the department, K is T2's.
    expected = {cases[k].incident_id for k in "ABCDFGHI"}
    assert {c["incident_id"] for c in listed} == expected
    d = next(c for c in listed if c["incident_id"] == cases["D"].incident_id)
    assert (d["extended"], d["response_hours"], d["resolution_hours"]) == (1, 1.5, 15.5)
    sheet = load_workbook(io.BytesIO(client.get(url + "&format=xlsx", headers=headers).data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "案件编号"
    column = rows[1].index("应结案数")
    assert sum(r[column] for r in rows[2:]) == sum(c["due"] for c in listed) == 6  # A B C D F I
