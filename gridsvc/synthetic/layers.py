"""Demo and benchmark layers: the demo county's hierarchy, specialist layers, synthetic grids.

The demo county's townships, villages and grids come from one fine mesh
(:func:`~gridsvc.synthetic.meshing.voronoi_mesh`) grouped three times
(:func:`~gridsvc.synthetic.dissolving.regions`), so each level is a union of the same faces and
nests exactly in the one above. The departments' specialist layers are grouped the same way and
then bent by :func:`~gridsvc.synthetic.perturbing.perturb_boundaries`, so they are deliberately
misaligned. Province-scale synthetic grid layers for the benchmarks are plain
:func:`~gridsvc.synthetic.meshing.partition_polygon` cells with fake codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import Polygon

from gridsvc.synthetic.areas import Area, PartitionError, local_xy, polygonal
from gridsvc.synthetic.dissolving import adjacency, dissolve, regions
from gridsvc.synthetic.meshing import (
    Mesh,
    dedupe_seeds,
    partition_polygon,
    sample_points,
    voronoi_mesh,
)
from gridsvc.synthetic.perturbing import perturb_boundaries

# --------------------------------------------------------------------------- demo county

#: City-centre points of known demo counties (lon, lat, same datum as the outline data). The demo
#: mesh is denser around them, so streets and communities there come out small.
URBAN_CORES: dict[str, tuple[float, float]] = {"430302": (112.91, 27.86)}  # 湘潭市雨湖区


@dataclass(frozen=True)
class DemoArea:
    """One generated township, village/community or grid."""

    code: str
    name: str
    parent_code: str
    polygon: Area
    households: int
    population: int


@dataclass(frozen=True)
class DemoHierarchy:
    """Townships, villages and grids; each level a coverage exactly nested in the one above."""

    townships: list[DemoArea]
    villages: list[DemoArea]
    grids: list[DemoArea]


@dataclass(frozen=True)
class SpecialistCell:
    """A cell of a department's own grid layer (综治, 城管)."""

    code: str
    name: str
    polygon: Area
    households: int | None = None


def _households_by_area(cells: Sequence[Area], sources: Sequence[DemoArea]) -> np.ndarray:
    """Households of each cell: every source area's households spread over it by area."""
    geoms = np.asarray(cells, dtype=object)
    src = np.asarray([s.polygon for s in sources], dtype=object)
    i, j = shapely.STRtree(src).query(geoms, predicate="intersects")
    share = shapely.area(shapely.intersection(geoms[i], src[j])) / shapely.area(src[j])
    counts = np.asarray([s.households for s in sources], dtype=float)
    return np.rint(np.bincount(i, weights=counts[j] * share, minlength=len(geoms))).astype(int)


def _allocate(weights: Sequence[float] | np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` into integers >= 1 proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    if total < len(w):
        raise ValueError(f"{total} cells cannot give each of {len(w)} areas one")
    share = (total - len(w)) * w / w.sum()
    out = 1 + np.floor(share).astype(np.int64)
    out[np.argsort(-(share - np.floor(share)), kind="stable")[: total - out.sum()]] += 1
    return out


def _fit_counts(counts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Move grids away from villages with fewer mesh faces than grids (keeps the total exact).

    Balanced villages get ~16 faces per grid, so this never fires on the demo data; it keeps an
    odd outline (a village squeezed into a sliver) from failing the whole generation.
    """
    counts = counts.copy()
    if counts.sum() > faces.sum():
        raise PartitionError("the mesh has fewer faces than grids")
    while (over := np.flatnonzero(counts > faces)).size:
        v = int(over[0])
        spare = np.where(counts < faces, faces / counts, -np.inf)
        counts[int(np.argmax(spare))] += counts[v] - faces[v]
        counts[v] = faces[v]
    return counts


def short_name(name: str) -> str:
    """'雨湖路社区居委会' -> '雨湖路社区', '长安村委会' -> '长安村' (committee -> place)."""
    for suffix in ("居民委员会", "村民委员会", "居委会", "村委会"):
        if name.endswith(suffix):
            base = name.removesuffix(suffix)
            return base if base.endswith(("村", "社区")) or "居" in suffix else base + "村"
    return name


class _MeshGroups:
    """A mesh plus what grouping its faces needs: adjacency, local metres, mass."""

    def __init__(self, mesh: Mesh, lat0: float, density: Callable[[np.ndarray], np.ndarray]):
        self.faces = mesh.faces
        self.parent = mesh.parent
        self.pairs = adjacency(mesh.faces)
        centre = shapely.get_coordinates(shapely.centroid(mesh.faces))
        self.xy = local_xy(centre, lat0)
        self.mass = shapely.area(mesh.faces) * density(centre)

    def split(
        self,
        members: np.ndarray,
        targets: np.ndarray,
        rng: np.random.Generator,
        near: np.ndarray | None = None,
    ) -> np.ndarray:
        """Labels per member for ``len(targets)`` regions (region 0 nearest ``near``)."""
        return regions(self.pairs, members, self.xy, self.mass, targets, rng, near)


def demo_hierarchy(
    county_outline: Area,
    townships: Sequence[tuple[str, str]],
    villages: dict[str, Sequence[tuple[str, str]]],
    *,
    grids_total: int = 473,
    seed: int = 430302,
    urban_core: tuple[float, float] | None = None,
) -> DemoHierarchy:
    """Generate townships, villages and grids inside a real county outline, deterministically.

    One fine Voronoi mesh (about 16 faces per grid, denser around the urban core) is grouped three
    times: townships, then villages inside each township, then grids inside each village. Because
    every level is a union of the same faces, levels are valid coverages nested exactly.
    Streets (街道) and communities (社区) take the seeds nearest the core, where the mesh is dense,
    so they come out small; communities also get about twice as many grids as rural villages.

    Args:
        county_outline: the county polygon (repaired if invalid).
        townships: ``(code, name)`` per township; the first 6 code digits are the county code.
        villages: township code -> ``(code, name)`` per village; codes extend the township code.
        grids_total: exact number of grids, at least one per village.
        seed: the same seed gives byte-identical polygons and figures.
        urban_core: (lon, lat) of the city centre; defaults to ``URBAN_CORES`` for the county code,
            else a point on the outline's surface.

    Raises:
        ValueError: codes that do not extend their parent, a township without villages, or fewer
            grids than villages.
    """
    region = polygonal(county_outline)
    tcodes = [c for c, _ in townships]
    if not tcodes or len(set(tcodes)) != len(tcodes) or set(villages) - set(tcodes):
        raise ValueError("townships must be unique and every village key a township code")
    flat = [(t, c, n) for t in tcodes for c, n in villages.get(t, ())]
    if any(not villages.get(t) for t in tcodes) or any(not c.startswith(t) for t, c, _ in flat):
        raise ValueError("every township needs villages whose codes extend the township code")
    county = tcodes[0][:6]
    rng = np.random.default_rng(seed)
    lat0 = region.centroid.y
    core_lonlat = urban_core or URBAN_CORES.get(county) or region.point_on_surface().coords[0]
    core = local_xy(np.array([core_lonlat], dtype=float), lat0)[0]

    def density(lonlat: np.ndarray) -> np.ndarray:
        d2 = ((local_xy(lonlat, lat0) - core) ** 2).sum(axis=1)
        return 1.0 + 48.0 * np.exp(-d2 / (2 * 3_500.0**2))

    urban = np.array(["社区" in n for _, _, n in flat])
    counts = _allocate(np.where(urban, 6.0, 3.0) * rng.uniform(0.75, 1.25, len(flat)), grids_total)
    pts = sample_points(region, 16 * grids_total, rng, accept=lambda xy: density(xy) / 49.0)
    mesh = _MeshGroups(
        voronoi_mesh(np.array([region]), dedupe_seeds(region, pts, rng)), lat0, density
    )
    everything = np.arange(len(mesh.faces))

    # Townships: streets take the regions nearest the core.
    street = np.array([n.endswith("街道") for _, n in townships])
    per_town = np.array([counts[[t == tc for t, _, _ in flat]].sum() for tc in tcodes])
    rank = np.argsort(~street, kind="stable")  # streets first
    t_label = np.empty(len(mesh.faces), dtype=np.int64)
    t_label[everything] = rank[mesh.split(everything, per_town[rank].astype(float), rng, core)]

    v_label = np.empty(len(mesh.faces), dtype=np.int64)
    g_label = np.empty(len(mesh.faces), dtype=np.int64)
    v_index = {c: i for i, (_, c, _) in enumerate(flat)}
    grid_meta: list[tuple[int, int]] = []  # (village index, seq) per grid
    for ti, tc in enumerate(tcodes):
        members = np.flatnonzero(t_label == ti)
        mine = [v_index[c] for c, _ in villages[tc]]
        order = np.array(mine)[np.argsort(~urban[mine], kind="stable")]  # communities first
        v_label[members] = order[mesh.split(members, counts[order].astype(float), rng, core)]
    counts = _fit_counts(counts, np.bincount(v_label, minlength=len(flat)))
    for vi in range(len(flat)):
        members = np.flatnonzero(v_label == vi)
        k = int(counts[vi])
        labels = mesh.split(members, np.ones(k), rng)
        # Number grids north-west to south-east, the way a map reader would.
        centre = np.array([mesh.xy[members[labels == r]].mean(axis=0) for r in range(k)])
        seq = np.empty(k, dtype=np.int64)
        seq[np.lexsort((centre[:, 0], -np.round(centre[:, 1], -3)))] = np.arange(k)
        g_label[members] = len(grid_meta) + seq[labels]
        grid_meta.extend((vi, s + 1) for s in range(k))

    g_polys = dissolve(mesh.faces, g_label, len(grid_meta))
    grids: list[DemoArea] = []
    v_house = np.zeros(len(flat), dtype=np.int64)
    v_pop = np.zeros(len(flat), dtype=np.int64)
    for (vi, s), poly in zip(grid_meta, g_polys, strict=True):
        _, vcode, vname = flat[vi]
        house = int(rng.integers(300, 501) if urban[vi] else rng.integers(120, 281))
        pop = round(house * rng.uniform(2.55, 2.85))
        v_house[vi] += house
        v_pop[vi] += pop
        grids.append(
            DemoArea(f"{vcode}{s:03d}", f"{short_name(vname)}第{s}网格", vcode, poly, house, pop)
        )
    v_polys = dissolve(mesh.faces, v_label, len(flat))
    vlist = [
        DemoArea(c, n, t, p, int(v_house[i]), int(v_pop[i]))
        for i, ((t, c, n), p) in enumerate(zip(flat, v_polys, strict=True))
    ]
    t_polys = dissolve(mesh.faces, t_label, len(tcodes))
    tlist = []
    for (tc, tn), p in zip(townships, t_polys, strict=True):
        mine = [v for v in vlist if v.parent_code == tc]
        tlist.append(
            DemoArea(
                tc, tn, county, p, sum(v.households for v in mine), sum(v.population for v in mine)
            )
        )
    return DemoHierarchy(tlist, vlist, grids)


_SPECIALIST = (("zongzhi", "ZZ", "综治", 0.85), ("chengguan", "CG", "城管", 0.55))


def demo_specialist_layers(
    areas: Sequence[Area],
    *,
    seed: int,
    area_names: Sequence[str] | None = None,
    area_weights: Sequence[float] | None = None,
    unified_count: int = 473,
    households_from: Sequence[DemoArea] | None = None,
) -> dict[str, list[SpecialistCell]]:
    """Two department layers, 综治 ("zongzhi", ~0.85x) and 城管 ("chengguan", ~0.55x the grids).

    Each layer is its own partition of every area (cells per area proportional to
    ``area_weights``, default area), then bent with :func:`perturb_boundaries` by 10-60 m, so the
    layers cover the same outline but their edges match neither each other nor the areas: the
    input the 多网合一 merge has to reconcile. Pass the village polygons (and households as
    weights) to get department cells that roughly follow village lines. With
    ``households_from`` (the demo's grids) the 综治 cells carry households, as 综治 grids record
    them, spread from those areas by area.

    Raises:
        ValueError: ``areas`` is not a valid coverage, or names/weights have the wrong length.
    """
    parents = np.empty(len(areas), dtype=object)
    parents[:] = [polygonal(a) for a in areas]
    if not len(parents) or not shapely.coverage_is_valid(parents):
        raise ValueError("areas must be a non-empty valid coverage")
    if (area_names is not None and len(area_names) != len(parents)) or (
        area_weights is not None and len(area_weights) != len(parents)
    ):
        raise ValueError("area_names/area_weights must match areas")
    weights = shapely.area(parents) if area_weights is None else np.asarray(area_weights, float)
    outline = shapely.coverage_union_all(parents)
    lat0 = outline.centroid.y
    out: dict[str, list[SpecialistCell]] = {}
    for li, (key, prefix, label, ratio) in enumerate(_SPECIALIST):
        rng = np.random.default_rng([seed, li])
        k = _allocate(weights, max(len(parents), round(ratio * unified_count)))
        pts = np.concatenate(
            [sample_points(p, 6 * int(c) + 4, rng) for p, c in zip(parents, k, strict=True)]
        )
        mesh = _MeshGroups(
            voronoi_mesh(parents, dedupe_seeds(outline, pts, rng)),
            lat0,
            lambda xy: np.ones(len(xy)),
        )
        labels = np.empty(len(mesh.faces), dtype=np.int64)
        owner: list[tuple[int, int]] = []  # (area, number within area) per cell
        for a in range(len(parents)):
            members = np.flatnonzero(mesh.parent == a)
            labels[members] = len(owner) + mesh.split(members, np.ones(k[a]), rng)
            owner.extend((a, j + 1) for j in range(k[a]))
        cells = perturb_boundaries(
            dissolve(mesh.faces, labels, len(owner)), seed=int(rng.integers(2**31))
        )
        counts = (
            _households_by_area(cells, households_from)
            if households_from is not None and li == 0
            else [None] * len(cells)
        )
        out[key] = [
            SpecialistCell(
                f"{prefix}-{i + 1:04d}",
                f"{area_names[a]}{label}{j}号网格" if area_names else f"{label}网格{i + 1:04d}",
                poly,
                None if h is None else int(h),
            )
            for i, ((a, j), poly, h) in enumerate(zip(owner, cells, counts, strict=True))
        ]
    return out


# --------------------------------------------------------------------------- synthetic layers

_SYNTHETIC_MAX = 99 * 4_800  # the fake code scheme below has room for this many cells


def _spread_bits(v: np.ndarray) -> np.ndarray:
    v = v.astype(np.uint64)
    for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def synthetic_grid_layer(
    n: int, *, bbox: tuple[float, float, float, float] = (110.0, 25.0, 114.0, 29.0), seed: int = 1
) -> list[tuple[str, Polygon]]:
    """``n`` grid cells tiling a province-sized box, with fake but well-formed 15-digit codes.

    Cells are numbered along a Z-order curve so that a code prefix (city, county, township,
    village) is a spatially compact block, as real codes are; 5 grids per village, 10 villages per
    township, 12 townships per county, 8 counties per city, under province 43.

    Raises:
        ValueError: ``n`` outside 1..475,200 (the code scheme's room).
    """
    if not 1 <= n <= _SYNTHETIC_MAX:
        raise ValueError(f"n must be between 1 and {_SYNTHETIC_MAX}")
    cells = partition_polygon(shapely.box(*bbox), n, seed=seed)
    xy = shapely.get_coordinates(shapely.centroid(cells))
    x0, y0, x1, y1 = bbox
    q = np.clip((xy - (x0, y0)) / (x1 - x0, y1 - y0) * 65535, 0, 65535)
    key = _spread_bits(q[:, 0]) | (_spread_bits(q[:, 1]) << np.uint64(1))
    order = np.argsort(key, kind="stable")
    out = []
    for i, j in enumerate(order):
        city, county, town = i // 4800 + 1, i // 600 % 8 + 1, i // 50 % 12 + 1
        code = f"43{city:02d}{county:02d}{town:03d}{i // 5 % 10 + 1:03d}{i % 5 + 1:03d}"
        out.append((code, cells[j]))
    return out
