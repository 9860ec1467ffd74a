"""The locate index's memory: RSS a worker gains building it for a 100,000-grid layer.

Each representation is built in a fresh process (a child of this script), so one's freed pages
do not flatter the other: ``packed`` is gridsvc's index (flat numpy arrays, boundaries/
packed_parts.py), ``strtree`` the representation it replaced (a shapely STRtree over every part,
with object arrays of levels, codes and names), built from the same rows; both hand their
freed heap back (malloc_trim) before RSS is read. Each child reports its
RSS before and after the build (after a ``gc.collect()``), the build time, and lookups/s: single
points one call at a time and batches of 10,000, on the same random points. The child
representations run one after the other, alternating, for ``ROUNDS`` rounds.

Target (issue 17): <= 60 MB per worker at 100,000 grids. Run (builds the layer on first use,
shared with bench/locate.py's database): ``.venv/bin/python bench/locate_memory.py``.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROUNDS = 2
SINGLE = 2_000
BULK = 10_000


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _strtree_index(layer: str):
    """The index as it was before issue 17: GEOS geometries in an STRtree (for comparison)."""
    import shapely

    from gridsvc.boundaries import lookup_index
    from gridsvc.boundaries.lookup_index import PARTS_SQL
    from gridsvc.extensions import db

    rows = db.session.execute(PARTS_SQL, {"layer": layer}).all()
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows])
    tree = shapely.STRtree(geoms)
    level = np.array([r.level for r in rows], dtype=object)
    code = np.array([r.code for r in rows], dtype=object)
    name = np.array([r.name for r in rows], dtype=object)
    del rows
    lookup_index._return_freed_memory()  # as the packed build does, so both are measured alike

    def lookup(lons, lats):
        point_idx, part_idx = tree.query(shapely.points(lons, lats), predicate="intersects")
        return list(
            zip(
                point_idx.tolist(),
                level[part_idx].tolist(),
                code[part_idx].tolist(),
                name[part_idx].tolist(),
                strict=True,
            )
        )

    return lookup


def child(kind: str) -> None:
    from bench._common import bench_app
    from gridsvc.boundaries import lookup_index
    from gridsvc.extensions import db

    app = bench_app()
    with app.app_context():
        db.session.execute(lookup_index.NEWEST_SQL).first()  # the connection is open already
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        if kind == "packed":
            lookup = lookup_index.current_index("unified").lookup
        else:
            lookup = _strtree_index("unified")
        build_s = time.perf_counter() - start
        db.session.remove()
        gc.collect()
        after = rss_mb()
    rng = np.random.default_rng(11)
    lons, lats = rng.uniform(110.01, 113.99, BULK), rng.uniform(25.01, 28.99, BULK)
    start = time.perf_counter()
    found = 0
    for i in range(SINGLE):
        found += len(lookup(lons[i : i + 1], lats[i : i + 1]))
    single = SINGLE / (time.perf_counter() - start)
    start = time.perf_counter()
    hits = lookup(lons, lats)
    bulk = BULK / (time.perf_counter() - start)
    print(
        json.dumps(
            {
                "kind": kind,
                "rss_before_mb": before,
                "rss_after_mb": rss_mb(),
                "growth_mb": after - before,
                "build_s": build_s,
                "single_per_s": single,
                "bulk_per_s": bulk,
                "answers_per_point": len(hits) / BULK,
                "single_answers": found,
            }
        )
    )


def main() -> None:
    from bench._common import bench_app
    from bench.locate import build_layer

    build_layer(bench_app())  # once, before the children measure
    results: dict[str, list[dict]] = {"packed": [], "strtree": []}
    for _ in range(ROUNDS):
        for kind in ("packed", "strtree"):
            out = subprocess.run(  # noqa: S603 (this script, run again)
                [sys.executable, __file__, "--child", kind],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results[kind].append(json.loads(out.strip().splitlines()[-1]))
    for kind, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "kind"}
        per_round = ", ".join(f"{r['growth_mb']:.1f}" for r in rows)
        print(
            f"{kind:<8} RSS growth {med['growth_mb']:6.1f} MB  build {med['build_s']:5.1f} s"
            f"  single {med['single_per_s']:8,.0f}/s  bulk {med['bulk_per_s']:9,.0f} points/s"
            f"  ({med['answers_per_point']:.2f} areas per point; rounds:"
            f" {per_round} MB)"
        )
    packed = statistics.median(r["growth_mb"] for r in results["packed"])
    old = statistics.median(r["growth_mb"] for r in results["strtree"])
    print(f"packed / strtree memory: {packed / old:.0%} (target: packed <= 60 MB)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
