"""A merge's crosswalk as a download (CSV or XLSX) that departments use to move their records.

One line per (specialist cell, unified grid) pair: the share of the cell's area and of its
households that falls in the grid, and whether the cell straddles several grids. The XLSX has a
second sheet the other way round: for every unified grid, the specialist cells that make it up.
Works for both merge modes (the crosswalk onto a proposed layer has area shares only).
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from gridsvc.boundaries.models import GridMerge

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CELL_HEADER = [
    "layer",
    "specialist_code",
    "specialist_name",
    "unified_code",
    "area_m2",
    "area_share",
    "household_share",
    "straddles",
]
GRID_HEADER = ["unified_code", "households", "layer", "specialist_code", "share_of_grid"]


def cell_lines(merge: GridMerge) -> list[list]:
    lines = []
    for row in merge.crosswalk or []:
        parts = row.get("grids")
        if parts is None:  # crosswalk onto a proposed layer (area shares only)
            parts = [
                {"code": p["code"], "area_m2": p["area_m2"], "area_share": p["share_of_specialist"]}
                for p in row.get("unified", [])
            ]
        straddles = row.get("straddles", len(parts) > 1)
        for p in parts:
            lines.append(
                [
                    row["layer"],
                    row["code"],
                    row.get("name"),
                    p["code"],
                    p["area_m2"],
                    p["area_share"],
                    p.get("household_share"),
                    straddles,
                ]
            )
    return lines


def grid_lines(merge: GridMerge) -> list[list]:
    lines = []
    for grid in (merge.report or {}).get("grids", []):
        for c in grid.get("cells", []):
            lines.append([grid["code"], grid["households"], c["layer"], c["code"], c["area_share"]])
    return lines


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


def as_csv(merge: GridMerge) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CELL_HEADER)
    writer.writerows(["" if v is None else v for v in line] for line in cell_lines(merge))
    # The BOM makes Excel on Chinese Windows read UTF-8 rather than GBK.
    body = ("\ufeff" + out.getvalue()).encode("utf-8")
    return _download(body, "text/csv", f"crosswalk-{merge.id}.csv")


def as_xlsx(merge: GridMerge) -> Response:
    book = Workbook(write_only=False)
    sheets = (("specialist_to_unified", CELL_HEADER, cell_lines(merge)),)
    sheets += (("unified_to_specialist", GRID_HEADER, grid_lines(merge)),)
    for n, (title, header, lines) in enumerate(sheets):
        ws = book.active if n == 0 else book.create_sheet()
        ws.title = title
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for line in lines:
            ws.append(line)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(), XLSX_TYPE, f"crosswalk-{merge.id}.xlsx")
