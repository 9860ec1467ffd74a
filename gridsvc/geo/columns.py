"""What a boundary file holds before it is uploaded: its columns, a few values of each, and the
columns the upload would pick for code / name / parent.

The console's field pickers need a file's own column names; a GeoJSON file can be read in the
browser, but a zipped Shapefile, a GeoPackage or a KML cannot, so the server reads them with the
same safe reader (and the same caps) as an upload, and stores nothing.
"""

from __future__ import annotations

from pathlib import Path

from gridsvc.geo.crs import normalize_crs
from gridsvc.geo.errors import GeoInputError
from gridsvc.geo.fields import check_encoding_name, detect_fields
from gridsvc.geo.files import _FIELD_SAMPLE, _check_vertices, _load, _source_crs
from gridsvc.geo.staging import DEFAULT_LIMITS, ReadLimits, staged

SAMPLES = 3  # values shown beside each column in a picker
SAMPLE_CHARS = 80


def describe_file(
    path,
    *,
    crs: str | None = None,
    encoding: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    layer: str | None = None,
) -> dict:
    """The file's format, layers, feature count, CRS, columns (with sample values) and the
    columns an upload would detect for each role (``None`` where it would find none).

    Raises:
        GeoInputError: as :func:`gridsvc.geo.files.inspect_file` (hostile, empty, too large,
            several polygon layers without ``layer`` …).
    """
    declared = normalize_crs(crs)
    with staged(Path(path), limits, layer) as src:
        data = _load(src, declared, check_encoding_name(encoding), limits, layer, True)
    _check_vertices(data.geoms, data.index, limits)
    source = _source_crs(data, declared)
    try:
        detected = detect_fields(data.columns, data.rows[:_FIELD_SAMPLE])
    except GeoInputError:
        detected = dict.fromkeys(("code", "name", "parent_code", "households", "population"))
    return {
        "format": data.kind,
        "driver": data.driver,
        "layers": data.layers,
        "features": len(data.geoms),
        "crs": source,
        "columns": [{"name": name, "samples": _samples(data.rows, name)} for name in data.columns],
        "detected": detected,
        "notes": data.notes,
    }


def _samples(rows: list[dict], column: str) -> list[str]:
    values = []
    for row in rows:
        value = row.get(column)
        if value is None or value == "":
            continue
        values.append(str(value)[:SAMPLE_CHARS])
        if len(values) == SAMPLES:
            break
    return values
