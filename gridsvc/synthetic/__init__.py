"""Synthetic boundary data for the demo county, the benchmarks and the tests.

Township, village and grid polygons are not public, so the demo and the benchmarks generate them:
deterministic partitions of real outlines that are valid coverages (:mod:`.meshing`), faces
grouped into nested, balanced units (:mod:`.dissolving`), misaligned copies as another department
would digitise them (:mod:`.perturbing`), and the demo and benchmark layers built from those
(:mod:`.layers`). :mod:`.areas` holds what they share.

This room is never imported by production rooms: only by ``gridsvc.demo``, ``bench/`` and the
tests (``tests/synthetic/test_imports.py`` checks it). Besides its own modules it may import only
``gridsvc.geo`` and third-party libraries, so production geometry never depends on demo data, nor
demo data on the app.
Import from this face; the modules' other public names are for the room itself and its tests.
"""

from gridsvc.synthetic.areas import Area, PartitionError, polygonal
from gridsvc.synthetic.layers import (
    URBAN_CORES,
    DemoArea,
    DemoHierarchy,
    SpecialistCell,
    demo_hierarchy,
    demo_specialist_layers,
    short_name,
    synthetic_grid_layer,
)
from gridsvc.synthetic.meshing import GRID_SIZE, partition_polygon
from gridsvc.synthetic.perturbing import perturb_boundaries
from gridsvc.synthetic.streets import Street, demo_streets

__all__ = [
    "GRID_SIZE",
    "URBAN_CORES",
    "Area",
    "DemoArea",
    "DemoHierarchy",
    "PartitionError",
    "SpecialistCell",
    "Street",
    "demo_hierarchy",
    "demo_specialist_layers",
    "demo_streets",
    "partition_polygon",
    "perturb_boundaries",
    "polygonal",
    "short_name",
    "synthetic_grid_layer",
]
