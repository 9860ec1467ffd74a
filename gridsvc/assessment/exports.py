"""Indicator tables as files county staff send upward: CSV (UTF-8 with BOM) and XLSX.

Both carry a title row with the period and the filter, Chinese headers from the one table of
definitions (:data:`gridsvc.assessment.schemas.DEFINITIONS`), a 合计 row, and rates that Excel
shows as percentages: a real percent number format in XLSX, ``87.50%`` text in CSV (which Excel
reads back as a percentage number).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from gridsvc.assessment.periods import NAMES_ZH, period
from gridsvc.assessment.schemas import DEFINITIONS, HOUR_FIELDS, RATE_FIELDS

BY_ZH = {
    "county": "全县",
    "township": "乡镇（街道）",
    "team": "承办队伍",
    "department": "县直部门",
    "grid": "网格",
    "worker": "网格员",
}
FILTER_ZH = {"township": "乡镇", "team_id": "队伍", "department_id": "部门", "county": "区县"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def title(table: dict, what: str = "案件考评指标") -> str:
    p = table["period"]
    chosen = period(p["kind"], p["from"], p["to"])
    parts = [f"按{BY_ZH[table['by']]}"] if table.get("by") else []
    parts += [f"{FILTER_ZH.get(k, k)}={v}" for k, v in sorted(table["filters"].items())]
    return f"{what}　{NAMES_ZH[p['kind']]}：{chosen.label_zh}　筛选：{'；'.join(parts) or '无'}"


@dataclass
class Sheet:
    """What a file holds: a title, headers, lines of cells, and each figure column's kind."""

    name: str
    title: str
    header: list[str]
    lines: list[list]
    kinds: list[str]  # per column: "text", "count", "rate" or "hours"
    filename: str


def indicator_sheet(table: dict) -> Sheet:
    lines = [[r["key"], r["name"], *(r[n] for n in DEFINITIONS)] for r in table["rows"]]
    lines.append(["合计", None, *(table["total"][n] for n in DEFINITIONS)])
    p = table["period"]
    return Sheet(
        "案件考评指标",
        title(table),
        [BY_ZH[table["by"]] + "代码", "名称", *(h for h, _d in DEFINITIONS.values())],
        lines,
        ["text", "text", *(_kind(n) for n in DEFINITIONS)],
        f"案件考评指标_{p['from']}_{p['to']}_{table['by']}",
    )


def case_sheet(table: dict) -> Sheet:
    """The cases behind an indicator table, one line each with its own figures."""
    p = table["period"]
    return Sheet(
        "案件明细",
        title(table, "案件考评明细"),
        [*CASE_COLUMNS.values(), *(DEFINITIONS[n][0] for n in CASE_FIGURES), *CASE_HOURS.values()],
        [
            [c[k] for k in CASE_COLUMNS]
            + [c[n] for n in CASE_FIGURES]
            + [None if c[n] is None else round(c[n], 2) for n in CASE_HOURS]
            for c in table["cases"]
        ],
        ["text"] * len(CASE_COLUMNS) + ["count"] * len(CASE_FIGURES) + ["hours"] * 2,
        f"案件考评明细_{p['from']}_{p['to']}",
    )


CASE_COLUMNS = {
    "incident_id": "案件编号",
    "township_code": "乡镇（街道）代码",
    "township_name": "乡镇（街道）",
    "team_id": "承办队伍ID",
    "department_id": "县直部门ID",
    "grid_code": "网格",
    "worker_id": "网格员ID",
}
CASE_FIGURES = [n for n in DEFINITIONS if n not in RATE_FIELDS and n not in HOUR_FIELDS]
CASE_HOURS = {"response_hours": "受理时长(小时)", "resolution_hours": "处置时长(小时)"}


def _kind(name: str) -> str:
    return "rate" if name in RATE_FIELDS else "hours" if name in HOUR_FIELDS else "count"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


def as_csv(sheet: Sheet) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([sheet.title])
    writer.writerow(sheet.header)
    for line in sheet.lines:
        writer.writerow(
            [
                "" if v is None else f"{v * 100:.2f}%" if kind == "rate" else v
                for v, kind in zip(line, sheet.kinds, strict=True)
            ]
        )
    # The BOM makes Excel on Chinese Windows read UTF-8 rather than GBK.
    body = "\ufeff" + out.getvalue()
    return _download(body.encode("utf-8"), "text/csv", sheet.filename + ".csv")


FORMATS = {"rate": "0.00%", "hours": "0.00", "count": "0", "text": "@"}


def as_xlsx(sheet: Sheet) -> Response:
    book = Workbook()
    ws = book.active
    ws.title = sheet.name
    ws.append([sheet.title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(sheet.header))
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(sheet.header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
    for line in sheet.lines:
        ws.append(line)
        for cell, kind in zip(ws[ws.max_row], sheet.kinds, strict=True):
            cell.number_format = FORMATS[kind]
    ws.freeze_panes = "C3"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 24
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(), XLSX_TYPE, sheet.filename + ".xlsx")


def render(table: dict, fmt: str, make_sheet=indicator_sheet):
    if fmt == "csv":
        return as_csv(make_sheet(table))
    if fmt == "xlsx":
        return as_xlsx(make_sheet(table))
    return table
