"""Spatial checks of a boundary layer: extent, overlaps, cells outside their parent, gaps.

Split from :mod:`gridsvc.geo.validate` (which owns the public API) because this is the part that
must be fast: a 10,000-cell layer is checked in a fraction of a second on two cores.

How the cost is kept down:

* ``shapely.coverage_invalid_edges`` (GEOS CoverageValidator) flags, in one pass over the layer,
  every cell whose edges do not match its neighbours'. Only those cells can overlap anything, so
  only they are queried in an STRtree and only their candidate pairs get an ``intersection``.
  A clean layer costs one validator pass and nothing else.
* Gaps are ``parent.difference(union of its children)`` per parent. The union of the unflagged
  cells is a valid coverage, so ``coverage_union_all`` (which only dissolves shared edges) is
  used for them and the full overlay ``union_all`` only for the few flagged cells.
* Containment in the parent is a vectorised ``covers`` against the prepared parent; only cells
  that are not covered pay for a ``difference``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from gridsvc.geo.area import area_m2

if TYPE_CHECKING:
    from gridsvc.geo.validate import Rules

#: Generous lon/lat box around China (incl. the South China Sea islands): a sanity check that
#: catches projected coordinates, wrong CRS declarations and swapped axes, not a border test.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
#: GeoJSON locations are rounded to 1e-7° (~1 cm): enough to draw, and reports stay small.
LOCATION_DIGITS = 7
_MAX_RELATED = 12
_M_PER_DEG = 111_320.0  # metres per degree of latitude (of longitude at the equator)


def geojson(geom: BaseGeometry | None, digits: int = LOCATION_DIGITS) -> dict | None:
    """GeoJSON geometry dict of ``geom`` with rounded coordinates (None for None/empty)."""
    if geom is None or geom.is_empty:
        return None
    rounded = shapely.transform(geom, lambda xy: np.round(xy, digits))
    return json.loads(shapely.to_geojson(rounded))


def fmt_area(m2: float) -> str:
    """Human-readable area for finding details: "1,234 m²", "0.42 m²", "1,090,980 m² (1.09 km²)"."""
    if m2 >= 1e6:
        return f"{m2:,.0f} m² ({m2 / 1e6:.2f} km²)"
    return f"{m2:,.0f} m²" if m2 >= 100 else f"{m2:.2f} m²"


def polygonal_parts(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Only the polygons of ``geom`` (an overlay result may mix in lines and points), as a
    Polygon or MultiPolygon; None when there are none."""
    if geom is None or geom.is_empty:
        return None
    parts = shapely.get_parts(shapely.get_parts(geom))  # twice: collections may nest multis
    polys = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]
    if not len(polys):
        return None
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


@dataclass
class Finding:
    """One problem found in a layer.

    Attributes:
        code: stable dotted identifier, e.g. ``coverage.overlap``.
        severity: "error" (blocks publishing) or "warning".
        feature: the feature's code (``#<index>`` when it has none). For gaps, the parent the gap
            lies in (without parents: the first neighbouring feature); None for the whole layer.
        detail: an English sentence with the numbers.
        location: GeoJSON geometry of where the problem is (given as a shapely geometry, stored
            converted).
        area_m2: the area concerned, for overlaps, gaps and parts outside the parent.
        related: other features (or the parent) involved.
    """

    code: str
    severity: str
    feature: str | None
    detail: str
    location: dict | BaseGeometry | None = None
    area_m2: float | None = None
    related: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.location, BaseGeometry):
            self.location = geojson(self.location)
        if self.area_m2 is not None:
            self.area_m2 = round(float(self.area_m2), 2)

    def to_dict(self) -> dict:
        """JSON-serialisable form."""
        return {
            "code": self.code,
            "severity": self.severity,
            "feature": self.feature,
            "detail": self.detail,
            "location": self.location,
            "area_m2": self.area_m2,
            "related": list(self.related),
        }


def _areas(geoms: np.ndarray, noise_m2: float) -> np.ndarray:
    """Areas in m², with zero for pieces that are only overlay residue.

    A straight edge in degrees bows slightly once projected, so a zero-width sliver between
    nearly collinear vertices (what noding leaves along a shared boundary) can measure a few cm²
    in Albers while its true area is ~1e-8 m². Its planar area in degrees, scaled by the local
    metres per degree, tells residue apart from a real (if tiny) gap.
    """
    metric = area_m2(geoms)
    bounds = shapely.bounds(geoms)
    mid_lat = np.radians((bounds[:, 1] + bounds[:, 3]) / 2)
    planar = shapely.area(geoms) * _M_PER_DEG**2 * np.cos(mid_lat)
    return np.where(np.nan_to_num(planar) <= noise_m2, 0.0, metric)


def _union(geoms: np.ndarray, flagged: np.ndarray) -> BaseGeometry:
    """Union of cells: cheap coverage union for unflagged cells, full overlay for the rest."""
    pieces = []
    if (~flagged).any():
        pieces.append(shapely.coverage_union_all(geoms[~flagged]))
    pieces.extend(geoms[flagged])
    if len(pieces) == 1:
        return pieces[0]
    try:
        return shapely.union_all(pieces)
    except GEOSException:  # a robustness failure in the overlay: snap to a 1e-9° (~0.1 mm) grid
        return shapely.union_all(pieces, grid_size=1e-9)


class _Layer:
    """The usable cells of a layer and what the coverage checks share about them."""

    def __init__(self, work: np.ndarray, labels: list[str], rules: Rules) -> None:
        self.rows = np.flatnonzero(~shapely.is_missing(work))  # positions in the input
        self.geoms = work[self.rows]
        self.labels = [labels[i] for i in self.rows]
        self.rules = rules
        self.tree = STRtree(self.geoms)
        self.flagged = np.zeros(len(self.geoms), dtype=bool)

    def neighbours(self, geom: BaseGeometry) -> list[str]:
        hits = self.tree.query(geom, predicate="intersects")
        return sorted({self.labels[k] for k in hits})

    def overlaps(self, out: list) -> None:
        """Report overlapping pairs; remember which cells have unmatched edges."""
        if len(self.geoms) < 2:
            return
        self.flagged = ~shapely.is_empty(shapely.coverage_invalid_edges(self.geoms))
        candidates = np.flatnonzero(self.flagged)
        if not len(candidates):
            return
        left, right = self.tree.query(self.geoms[candidates], predicate="intersects")
        a, b = candidates[left], right
        pairs = np.unique(np.sort(np.column_stack([a[a != b], b[a != b]]), axis=1), axis=0)
        if not len(pairs):
            return
        overlap = shapely.intersection(self.geoms[pairs[:, 0]], self.geoms[pairs[:, 1]])
        areas = _areas(overlap, self.rules.noise_m2)
        for (i, j), geom, area in zip(pairs, overlap, areas, strict=True):
            if area <= self.rules.noise_m2:
                continue  # neighbours that merely touch, or float residue
            li, lj = self.labels[i], self.labels[j]
            sliver = area < self.rules.sliver_max_m2
            out.append(
                Finding(
                    "coverage.sliver_overlap" if sliver else "coverage.overlap",
                    "warning" if sliver else "error",
                    li,
                    f"{li} and {lj} overlap by {fmt_area(area)}"
                    + (
                        f" (a sliver under {fmt_area(self.rules.sliver_max_m2)})."
                        if sliver
                        else "."
                    ),
                    polygonal_parts(geom),
                    area,
                    [lj],
                )
            )

    def gaps(self, gap: BaseGeometry, owner: str | None, what: str, out: list) -> None:
        """Report the polygons of ``gap``: each large one as an error, slivers summed."""
        gap = polygonal_parts(gap)
        if gap is None:
            return
        parts = shapely.get_parts(gap)
        areas = _areas(parts, self.rules.noise_m2)
        rules = self.rules
        for part, area in zip(parts, areas, strict=True):
            if area < rules.sliver_max_m2:
                continue
            near = self.neighbours(part)
            feature = owner or (near[0] if near else None)
            out.append(
                Finding(
                    "coverage.gap",
                    "error",
                    feature,
                    f"A gap of {fmt_area(area)} {what} is covered by no feature"
                    + (f" (next to {', '.join(near[:3])})." if near else "."),
                    part,
                    area,
                    [n for n in near if n != feature][:_MAX_RELATED],
                )
            )
        small = (areas > rules.noise_m2) & (areas < rules.sliver_max_m2)
        if small.any():
            total = float(areas[small].sum())
            near = self.neighbours(shapely.multipolygons(parts[small]))
            out.append(
                Finding(
                    "coverage.sliver_gap",
                    "warning",
                    owner,
                    f"{int(small.sum())} sliver gap(s) {what} totalling {fmt_area(total)} (largest "
                    f"{fmt_area(float(areas[small].max()))}, each under "
                    f"{fmt_area(rules.sliver_max_m2)}).",
                    shapely.multipolygons(parts[small]),
                    total,
                    near[:_MAX_RELATED],
                )
            )

    def holes(self, out: list) -> None:
        """Without parents: gaps are holes of the layer's union that no input cell has itself
        (a county with an enclave of another county keeps that hole legitimately)."""
        if not len(self.geoms):
            return
        union = polygonal_parts(_union(self.geoms, self.flagged))
        if union is None:
            return
        polys = shapely.get_parts(union)
        holes = [shapely.Polygon(r) for p in polys for r in p.interiors]
        if not holes:
            return
        own = shapely.get_parts(self.geoms)
        own = own[shapely.get_num_interior_rings(own) > 0]
        known = [shapely.Polygon(r) for p in own for r in p.interiors]
        gap = shapely.union_all(holes)
        if known:
            gap = gap.difference(shapely.union_all(known))
        self.gaps(gap, None, "between the layer's features", out)

    def parents(self, parent_of: list, parents: Mapping[str, BaseGeometry], out: list) -> None:
        """Cells outside their parent, and gaps inside each parent that has children.

        Parents no cell claims are not checked: a layer may cover only part of a county.
        """
        groups: dict[str, list[int]] = defaultdict(list)
        for k, row in enumerate(self.rows):
            if parent_of[row] in parents:
                groups[parent_of[row]].append(k)
        rules = self.rules
        for code in sorted(groups):
            parent = parents[code]
            if parent is not None and not parent.is_valid:
                parent = polygonal_parts(shapely.make_valid(parent))
            if parent is None or parent.is_empty:
                continue
            members = np.asarray(groups[code])
            shapely.prepare(parent)
            outside = members[~shapely.covers(parent, self.geoms[members])]
            if len(outside):
                excess = shapely.difference(self.geoms[outside], parent)
                excess_m2 = area_m2(excess)
                own_m2 = area_m2(self.geoms[outside])
                for k, geom, area, own in zip(outside, excess, excess_m2, own_m2, strict=True):
                    tolerance = max(
                        rules.outside_parent_tolerance_m2,
                        rules.outside_parent_tolerance_ratio * own,
                    )
                    if area > tolerance:
                        out.append(
                            Finding(
                                "cell.outside_parent",
                                "error",
                                self.labels[k],
                                f"{fmt_area(area)} of {self.labels[k]} ({area / own:.1%}) lies "
                                f"outside its parent {code} (tolerance {fmt_area(tolerance)}).",
                                polygonal_parts(geom),
                                area,
                                [code],
                            )
                        )
            # Every cell over the parent fills it, whatever its code says: a cell without a code
            # or with another parent's is reported for that, not again as a phantom gap here.
            near = self.tree.query(parent, predicate="intersects")
            union = _union(self.geoms[near], self.flagged[near])
            self.gaps(parent.difference(union), code, f"inside {code}", out)


def check_extent(work: np.ndarray, labels: list[str], out: list[Finding]) -> None:
    """Lon/lat sanity: everything must fall in :data:`CHINA_BOUNDS`. Offenders become unusable."""
    present = np.flatnonzero(~shapely.is_missing(work))
    if not len(present):
        return
    x0, y0, x1, y1 = shapely.bounds(work[present]).T
    lon0, lat0, lon1, lat1 = CHINA_BOUNDS
    inside = (x0 >= lon0) & (x1 <= lon1) & (y0 >= lat0) & (y1 <= lat1)
    swapped = ~inside & (y0 >= lon0) & (y1 <= lon1) & (x0 >= lat0) & (x1 <= lat1)
    span = (
        f"x spans {x0.min():.4f}…{x1.max():.4f} and y {y0.min():.4f}…{y1.max():.4f}; "
        f"China is lon {lon0:g}…{lon1:g}, lat {lat0:g}…{lat1:g}"
    )
    for mask, code, what, hint in (
        (
            swapped,
            "extent.swapped_axes",
            "has (lat, lon) coordinates",
            "swap the axes (or export lon/lat in GeoJSON order) and upload again",
        ),
        (
            ~inside & ~swapped,
            "extent.outside_china",
            "lies outside China",
            "check the CRS (projected metres or a wrong EPSG code?)",
        ),
    ):
        if mask.all():  # one layer-level finding instead of thousands of identical ones
            out.append(Finding(code, "error", None, f"The layer {what}: {span}; {hint}."))
        else:
            for i in present[mask]:
                b = ", ".join(f"{v:.4f}" for v in shapely.bounds(work[i]))
                out.append(
                    Finding(code, "error", labels[i], f"{labels[i]} {what} (bounds {b}); {hint}.")
                )
        work[present[mask]] = None


def check_coverage(
    work: np.ndarray,
    labels: list[str],
    parent_of: list[str | None],
    parents: Mapping[str, BaseGeometry] | None,
    rules: Rules,
    out: list[Finding],
) -> None:
    """Run the coverage checks on the usable cells (``work`` entries that are not None).

    With ``parents`` (normalised code → geometry) gaps are measured against each parent; without,
    against the layer's own union.
    """
    layer = _Layer(work, labels, rules)
    layer.overlaps(out)
    if parents is None:
        layer.holes(out)
    else:
        layer.parents(parent_of, parents, out)
