"""An upload's validation findings as a layer GIS staff open in QGIS over their own file: each
overlap, gap, invalid ring or cell outside its parent where it is, with its code and numbers."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import orjson
import pyogrio.raw
import shapely

COLUMNS = ("code", "severity", "feature", "related", "area_m2", "detail")


def findings_collection(report: dict | None) -> dict:
    """The report's findings as a GeoJSON FeatureCollection (EPSG:4326; whole-layer findings
    without a place have a null geometry)."""
    found = (report or {}).get("findings") or []
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": n,
                "geometry": f.get("location"),
                "properties": {
                    "code": f["code"],
                    "severity": f["severity"],
                    "feature": f.get("feature"),
                    "related": ",".join(f.get("related") or []),
                    "area_m2": f.get("area_m2"),
                    "detail": f.get("detail"),
                },
            }
            for n, f in enumerate(found, start=1)
        ],
    }


def findings_gpkg(collection: dict, name: str) -> bytes:
    """The same findings as a GeoPackage layer (mixed geometry types, as findings have)."""
    rows = collection["features"]
    geometry = np.array(
        [
            shapely.to_wkb(shapely.from_geojson(orjson.dumps(f["geometry"])))
            if f["geometry"]
            else None
            for f in rows
        ],
        dtype=object,
    )
    columns = [
        np.array([f["properties"][c] or "" for f in rows], dtype=object)
        if c != "area_m2"
        else np.array([f["properties"][c] or 0.0 for f in rows], dtype=float)
        for c in COLUMNS
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.gpkg"
        pyogrio.raw.write(
            str(path),
            geometry,
            columns,
            list(COLUMNS),
            layer="findings",
            driver="GPKG",
            geometry_type="Unknown",
            crs="EPSG:4326",
        )
        return path.read_bytes()
