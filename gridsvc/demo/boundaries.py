"""Demo boundaries of 雨湖区: real county outlines, generated townships / villages / grids.

Each layer is written to a GeoJSON file and imported through the same pipeline GIS staff use
(``boundaries.import_local_file``), so the demo exercises reading, validation and publishing.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import shapely
from flask import current_app

from gridsvc.boundaries import import_local_file, store
from gridsvc.synthetic import demo_hierarchy, demo_specialist_layers

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
COUNTY = "430302"
SPECIALIST_LAYERS = {"zongzhi": "综治网格", "chengguan": "城管网格"}


def _csv(name: str) -> list[dict]:
    with open(GEODATA / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, features: list[dict]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def _feature(geometry, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": json.loads(shapely.to_geojson(shapely.set_precision(geometry, 1e-7))),
    }


def _import(path: Path, **form) -> None:
    upload, generation = import_local_file(path, {"repair": False, **form}, publish=True)
    if generation is None:
        findings = (upload.report or {}).get("findings", [])[:5]
        raise RuntimeError(
            f"demo import of {path.name} failed: {upload.status} {upload.error} {findings}"
        )


def load_demo_boundaries(echo=print) -> None:
    """Idempotent: each level is imported only when the county has none of it yet."""
    if not store.current_layer("county", "admin", prefix=COUNTY):
        # The outlines come from web-map data, which is GCJ-02; repair fixes their self-intersections.
        _import(GEODATA / "xiangtan_counties.geojson", level="county", crs="GCJ02", repair=True)
        echo("demo: county outlines of 湘潭市 published")
    if store.current_layer("township", "admin", prefix=COUNTY):
        echo("demo: townships, villages and grids already present")
        return
    outline = store.current_geometries("county", [COUNTY])[COUNTY]
    townships = [
        (r["code"], r["name"]) for r in _csv("xiangtan_townships.csv") if r["areaCode"] == COUNTY
    ]
    villages: dict[str, list[tuple[str, str]]] = {}
    for row in _csv("xiangtan_villages.csv"):
        if row["streetCode"].startswith(COUNTY):
            villages.setdefault(row["streetCode"], []).append((row["code"], row["name"]))
    hierarchy = demo_hierarchy(outline, townships, villages, grids_total=473, seed=int(COUNTY))
    # Departments draw their grids where people live: cells per township follow households (so
    # the city's streets get small cells), and the 综治 cells record their households.
    specialist = demo_specialist_layers(
        [t.polygon for t in hierarchy.townships],
        seed=int(COUNTY),
        area_weights=[t.households for t in hierarchy.townships],
        households_from=hierarchy.grids,
    )
    with tempfile.TemporaryDirectory(dir=current_app.config["UPLOAD_DIR"]) as tmp:
        folder = Path(tmp)
        for level, items in (
            ("township", hierarchy.townships),
            ("village", hierarchy.villages),
            ("grid", hierarchy.grids),
        ):
            features = [
                _feature(
                    i.polygon,
                    code=i.code,
                    name=i.name,
                    parent=i.parent_code,
                    households=i.households,
                    population=i.population,
                )
                for i in items
            ]
            _import(_write(folder / f"{level}.geojson", features), level=level)
            echo(f"demo: {len(features)} {level} polygons published")
        for layer, cells in specialist.items():
            features = [
                _feature(c.polygon, code=c.code, name=c.name)
                if c.households is None
                else _feature(c.polygon, code=c.code, name=c.name, households=c.households)
                for c in cells
            ]
            _import(_write(folder / f"{layer}.geojson", features), level="grid", layer=layer)
            echo(
                f"demo: specialist layer {layer} ({SPECIALIST_LAYERS[layer]}) with {len(features)} cells"
            )
