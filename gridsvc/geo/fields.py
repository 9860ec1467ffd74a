"""Which attribute columns hold the code, name, parent code, households and population.

GIS staff export from ArcGIS / QGIS with whatever names their department uses (XZQDM, WGBM, 编码 …);
asking them to rename columns first is how uploads get abandoned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gridsvc.geo.errors import GeoInputError

SYNONYMS = {
    "code": [
        "code",
        "bm",
        "dm",
        "xzqdm",
        "wgbm",
        "wgdm",
        "adcode",
        "编码",
        "代码",
        "行政区划代码",
        "网格编码",
        "网格代码",
        "区划代码",
    ],
    "name": ["name", "mc", "xzqmc", "wgmc", "名称", "网格名称", "行政区划名称", "区划名称"],
    "parent_code": [
        "parent",
        "parent_code",
        "parentcode",
        "sjbm",
        "sjdm",
        "上级编码",
        "上级代码",
        "所属村社区编码",
        "所属编码",
    ],
    "households": ["households", "hs", "户数", "总户数"],
    "population": ["population", "rk", "rks", "人口", "人数", "总人口"],
}
_DIGITS = re.compile(r"^\d{6,15}$")


def detect_fields(
    columns: Sequence[str], sample_rows: Sequence[dict], given: dict | None = None
) -> dict[str, str | None]:
    """Map roles (code, name, parent_code, households, population) to column names."""
    given = {k: v for k, v in (given or {}).items() if v}
    lowered = {c.lower(): c for c in columns}
    chosen: dict[str, str | None] = {}
    for role, names in SYNONYMS.items():
        if role in given:
            if given[role] not in columns:
                raise GeoInputError(
                    "upload.field_missing",
                    f"The file has no column {given[role]!r}; columns: {', '.join(columns)}.",
                    extra={"columns": list(columns)},
                )
            chosen[role] = given[role]
            continue
        chosen[role] = next((lowered[n] for n in names if n in lowered), None)
    if chosen["code"] is None:
        # Fall back to a column whose values all look like 6-15 digit codes.
        for column in columns:
            values = [str(r.get(column) or "") for r in sample_rows]
            if values and all(_DIGITS.match(v) for v in values):
                chosen["code"] = column
                break
    if chosen["code"] is None:
        raise GeoInputError(
            "upload.code_field_missing",
            f"No code column found; name it with code_field. Columns: {', '.join(columns)}.",
            extra={"columns": list(columns)},
        )
    return chosen
