"""多网合一 benchmark: deriving a county's unified grid from ~10,000 overlay pieces.

Requirement (issue 18): a county with 10,000 overlay pieces derives in under 30 s, median of 3.
The county is the demo's 雨湖区 outline (its GCJ-02 web-map outline, read as it is), generated
with ``BENCH_GRIDS`` (default 950) street-bounded grids, its 综治 and 城管 layers (with 综治
households) and its street network, as the demo builds them: about 10 overlay pieces per grid.
Timed: the derivation (overlay, households, aggregation, refinement, crosswalk) and the
validation the merge runs on its result — everything the merge does but the database writes.

Run: ``.venv/bin/python bench/merge.py`` (the machine's load shows in the figures: say so).
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridsvc.geo.coverage import polygonal_parts
from gridsvc.geo.derive import derive_grids
from gridsvc.geo.validate import Cell, validate_layer
from gridsvc.synthetic import demo_hierarchy, demo_specialist_layers, demo_streets

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "430302"
GRIDS = int(os.environ.get("BENCH_GRIDS", "950"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def _rows(name: str) -> list[dict]:
    with open(ROOT / "geodata" / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build():
    counties = json.loads((ROOT / "geodata" / "xiangtan_counties.geojson").read_text("utf-8"))
    feature = next(f for f in counties["features"] if COUNTY in json.dumps(f["properties"]))
    outline = polygonal_parts(shapely.make_valid(shapely.geometry.shape(feature["geometry"])))
    towns = [
        (r["code"], r["name"]) for r in _rows("xiangtan_townships.csv") if r["areaCode"] == COUNTY
    ]
    villages: dict[str, list[tuple[str, str]]] = {}
    for r in _rows("xiangtan_villages.csv"):
        if r["streetCode"].startswith(COUNTY):
            villages.setdefault(r["streetCode"], []).append((r["code"], r["name"]))
    h = demo_hierarchy(outline, towns, villages, grids_total=GRIDS, seed=int(COUNTY))
    layers = demo_specialist_layers(
        [t.polygon for t in h.townships],
        seed=int(COUNTY),
        area_weights=[t.households for t in h.townships],
        unified_count=GRIDS,
        households_from=h.grids,
    )
    streets = [
        s.line for s in demo_streets([t.polygon for t in h.townships], [g.polygon for g in h.grids])
    ]
    v_cells = [
        Cell(i, v.code, v.name, v.parent_code, v.polygon, v.households)
        for i, v in enumerate(h.villages)
    ]
    specialist = {
        k: [Cell(i, c.code, c.name, None, c.polygon, c.households) for i, c in enumerate(cells)]
        for k, cells in layers.items()
    }
    return dict(towns), v_cells, specialist, streets


def main() -> None:
    started = time.perf_counter()
    names, villages, specialist, streets = build()
    print(
        f"built the county in {time.perf_counter() - started:.1f} s: {len(villages)} villages, "
        f"{sum(len(c) for c in specialist.values())} specialist cells, {len(streets)} streets"
    )
    parents = {v.code: v.geometry for v in villages}
    timings, validation = [], []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        out = derive_grids(specialist, villages, names, streets=streets)
        t1 = time.perf_counter()
        report = validate_layer(out.cells, level="grid", parents=parents)
        if report.summary.get("errors"):
            print([f.code for f in report.findings if f.severity == "error"][:5])
        t2 = time.perf_counter()
        timings.append(t2 - t0)
        validation.append(t2 - t1)
    s = out.summary
    print(
        f"pieces {s['pieces']}, grids {s['unified_cells']} (target {s['target_grids']}), "
        f"urban in 300–500: {s['urban_in_range_share']:.1%}, internal edge on streets: "
        f"{s['internal_edge_on_streets_share']:.1%}, errors {report.summary.get('errors')}"
    )
    print(
        f"derive + validate, median of {ROUNDS}: {statistics.median(timings):.1f} s "
        f"(validation {statistics.median(validation):.1f} s; all: "
        f"{', '.join(f'{t:.1f}' for t in timings)}) — target < 30 s"
    )


if __name__ == "__main__":
    main()
