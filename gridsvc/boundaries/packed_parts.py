"""A compact point-in-polygon index over subdivided parts: flat numpy arrays, no GEOS objects.

A shapely STRtree keeps every part as a GEOS geometry plus a Python object: ~200 MB per worker at
100,000 grids (~2 KB a part). Here a part is its envelope (four float64), a slice of one shared
vertex buffer and the index of its area; the vertices are float32 offsets from the part's own
lower-left corner (a part spans well under a degree, so float32 keeps them to about a centimetre),
rings separated by a NaN vertex. A uniform grid of cells (CSR arrays of part numbers) finds the
candidates; the exact test is an even-odd ray cast over the candidates' edges, vectorised over
every (point, candidate) pair of a batch. An edge that touches a NaN vertex never crosses, so the
separators keep rings (and holes) apart without a per-ring table.

No Flask, no database: :mod:`gridsvc.boundaries.lookup_index` feeds it rows and caches it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

# Parts per grid cell on average: fewer cells save memory, more make fewer candidates per point.
PARTS_PER_CELL = 4
# Pairs of (point, candidate) tested at once: bounds the temporary arrays of a bulk lookup.
PAIRS_PER_BATCH = 40_000
LEVEL_NAMES = ("county", "township", "village", "grid")
LEVEL_NUMBER = {name: i for i, name in enumerate(LEVEL_NAMES)}


def pack_rows(
    chunks: Iterable[Sequence], after_chunk: Callable[[], None] | None = None
) -> PackedParts:
    """Pack chunks of rows (``wkb``, area ``id``, ``level``, ``code``, ``name``; one per part)."""
    builder = PackedBuilder()
    area_of: dict[int, int] = {}  # area id -> its index in the columns below
    levels: list[int] = []
    codes: list[str] = []
    names: list[str | None] = []
    for rows in chunks:
        index = np.empty(len(rows), dtype=np.int32)
        for k, row in enumerate(rows):
            position = area_of.get(row.id)
            if position is None:
                position = area_of[row.id] = len(codes)
                levels.append(LEVEL_NUMBER[row.level])
                codes.append(row.code)
                names.append(row.name)
            index[k] = position
        builder.add([bytes(r.wkb) for r in rows], index)
        if after_chunk is not None:
            after_chunk()
    return builder.build(np.array(levels, dtype=np.int8), codes, names)


class PackedBuilder:
    """Collects parts chunk by chunk (so a build never holds every GEOS geometry at once)."""

    def __init__(self) -> None:
        self._bounds: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self._xy: list[np.ndarray] = []
        self._area: list[np.ndarray] = []

    def add(self, wkbs: list[bytes], area_index: np.ndarray) -> None:
        """Parts (polygons as WKB) and, for each, the index of its area."""
        geoms = shapely.from_wkb(wkbs)
        bounds = shapely.bounds(geoms)
        rings, ring_part = shapely.get_rings(geoms, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        n_rings = len(rings)
        # One NaN after every ring: coordinate k of ring r lands at k + r.
        xy = np.full((len(coords) + n_rings, 2), np.nan, dtype=np.float32)
        origin = bounds[ring_part[coord_ring], :2]
        xy[np.arange(len(coords)) + coord_ring] = (coords - origin).astype(np.float32)
        per_ring = np.bincount(coord_ring, minlength=n_rings) + 1
        self._lengths.append(np.bincount(ring_part, weights=per_ring, minlength=len(geoms)))
        self._bounds.append(bounds)
        self._xy.append(xy)
        self._area.append(np.asarray(area_index, dtype=np.int32))

    def build(self, level: np.ndarray, codes: list[str], names: list[str | None]) -> PackedParts:
        if not self._bounds:
            return PackedParts.empty(level, codes, names)
        bounds = np.concatenate(self._bounds)
        lengths = np.concatenate(self._lengths).astype(np.int64)
        vstart = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=vstart[1:])
        cells = CellIndex.over(bounds)
        return PackedParts(
            bounds=bounds,
            vstart=vstart,
            xy=np.concatenate(self._xy),
            area=np.concatenate(self._area),
            cells=cells,
            level=np.asarray(level, dtype=np.int8),
            codes=StringColumn.of(codes),
            names=StringColumn.of(names),
        )


@dataclass(frozen=True)
class StringColumn:
    """Many short strings as one UTF-8 buffer and offsets (a Python str costs ~60 bytes more)."""

    blob: bytes | np.ndarray  # a uint8 array when loaded from a file (memory-mapped)
    offsets: np.ndarray
    missing: np.ndarray

    @classmethod
    def of(cls, values: list[str | None]) -> StringColumn:
        encoded = [(v or "").encode() for v in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        missing = np.array([v is None for v in values], dtype=bool)
        return cls(b"".join(encoded), offsets, missing)

    def __getitem__(self, i: int) -> str | None:
        if self.missing[i]:
            return None
        return bytes(self.blob[self.offsets[i] : self.offsets[i + 1]]).decode()

    @property
    def nbytes(self) -> int:
        return len(self.blob) + self.offsets.nbytes + self.missing.nbytes


@dataclass(frozen=True)
class CellIndex:
    """A uniform grid over the parts' extent; each cell lists the parts whose envelope meets it."""

    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    start: np.ndarray  # CSR: cell c holds parts[start[c]:start[c + 1]]
    parts: np.ndarray

    @classmethod
    def over(cls, bounds: np.ndarray) -> CellIndex:
        x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
        width = max(bounds[:, 2].max() - x0, 1e-9)
        height = max(bounds[:, 3].max() - y0, 1e-9)
        size = float(np.sqrt(width * height * PARTS_PER_CELL / len(bounds)))
        nx, ny = int(width / size) + 1, int(height / size) + 1
        ix0, iy0, ix1, iy1 = (
            np.clip(((bounds[:, k] - origin) / size).astype(np.int64), 0, n - 1)
            for k, origin, n in ((0, x0, nx), (1, y0, ny), (2, x0, nx), (3, y0, ny))
        )
        spans_x, spans_y = ix1 - ix0 + 1, iy1 - iy0 + 1
        counts = spans_x * spans_y
        part = np.repeat(np.arange(len(bounds), dtype=np.int32), counts)
        k = _ranks(counts)
        cell = (iy0[part] + k // spans_x[part]) * nx + ix0[part] + k % spans_x[part]
        order = np.argsort(cell, kind="stable")
        start = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(cell, minlength=nx * ny), out=start[1:])
        return cls(float(x0), float(y0), size, nx, ny, start, part[order])

    def candidates(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point, part) pairs whose cell the point falls in."""
        ix = np.floor((xs - self.x0) / self.size).astype(np.int64)
        iy = np.floor((ys - self.y0) / self.size).astype(np.int64)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        point = np.flatnonzero(inside)
        cell = iy[point] * self.nx + ix[point]
        first, counts = self.start[cell], self.start[cell + 1] - self.start[cell]
        pair_point = np.repeat(point, counts)
        return pair_point, self.parts[np.repeat(first, counts) + _ranks(counts)]

    @property
    def nbytes(self) -> int:
        return self.start.nbytes + self.parts.nbytes


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0..n-1 for each count n, concatenated: [2, 3] -> [0, 1, 0, 1, 2]."""
    total = int(counts.sum())
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)


@dataclass(frozen=True)
class PackedParts:
    bounds: np.ndarray  # (parts, 4) float64: minx, miny, maxx, maxy
    vstart: np.ndarray  # part p's vertices: xy[vstart[p]:vstart[p + 1]]
    xy: np.ndarray  # (vertices, 2) float32 offsets from the part's (minx, miny); NaN between rings
    area: np.ndarray  # part -> area index
    cells: CellIndex | None
    level: np.ndarray  # area -> index in LEVEL_NAMES
    codes: StringColumn
    names: StringColumn

    @classmethod
    def empty(cls, level, codes, names) -> PackedParts:
        return cls(
            bounds=np.zeros((0, 4)),
            vstart=np.zeros(1, dtype=np.int64),
            xy=np.zeros((0, 2), dtype=np.float32),
            area=np.zeros(0, dtype=np.int32),
            cells=None,
            level=np.asarray(level, dtype=np.int8),
            codes=StringColumn.of(codes),
            names=StringColumn.of(names),
        )

    @property
    def nbytes(self) -> int:
        arrays = (self.bounds, self.vstart, self.xy, self.area, self.level)
        cells = self.cells.nbytes if self.cells else 0
        return sum(a.nbytes for a in arrays) + cells + self.codes.nbytes + self.names.nbytes

    def containing(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, area index) for every part holding a point (boundaries: one side)."""
        if self.cells is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        pair_point, pair_part = self.cells.candidates(xs, ys)
        box = self.bounds[pair_part]
        px, py = xs[pair_point], ys[pair_point]
        near = (box[:, 0] <= px) & (px <= box[:, 2]) & (box[:, 1] <= py) & (py <= box[:, 3])
        pair_point, pair_part = pair_point[near], pair_part[near]
        hits = [
            self._exact(
                pair_point[i : i + PAIRS_PER_BATCH], pair_part[i : i + PAIRS_PER_BATCH], xs, ys
            )
            for i in range(0, len(pair_point), PAIRS_PER_BATCH)
        ]
        if not hits:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        points = np.concatenate([h[0] for h in hits])
        parts = np.concatenate([h[1] for h in hits])
        return points, self.area[parts]

    def _containing_one(self, x: float, y: float) -> list[int]:
        """:meth:`containing` for one point: the same areas, in the same order, with the same
        float32 arithmetic.

        A batch of one pays for the pair bookkeeping (repeats, ranks, gathers) that only many
        points need: ~50 numpy calls at a microsecond or more each, most of a single locate (a
        py-spy profile of the lean locate path put half its Python time in the lookup). Here the
        cell's few candidates are filtered in Python, their vertex runs are concatenated (each
        run ends with a NaN, so no edge joins two parts) and tested in one pass: ~20 calls.
        """
        cells = self.cells
        if cells is None:
            return []
        ix = math.floor((x - cells.x0) / cells.size)
        iy = math.floor((y - cells.y0) / cells.size)
        if not (0 <= ix < cells.nx and 0 <= iy < cells.ny):
            return []
        cell = iy * cells.nx + ix
        candidates = cells.parts[cells.start[cell] : cells.start[cell + 1]]
        near = [
            (int(part), minx, miny)
            for part, (minx, miny, maxx, maxy) in zip(
                candidates.tolist(), self.bounds[candidates].tolist(), strict=True
            )
            if minx <= x <= maxx and miny <= y <= maxy
        ]
        if not near:
            return []
        vstart = self.vstart
        runs = [self.xy[vstart[part] : vstart[part + 1]] for part, _, _ in near]
        lengths = [len(run) for run in runs]
        v = np.concatenate(runs)
        # The point in each part's own frame (float64 difference, then float32, as _exact does).
        px = np.repeat(np.array([x - minx for _, minx, _ in near], dtype=np.float32), lengths)[:-1]
        py = np.repeat(np.array([y - miny for _, _, miny in near], dtype=np.float32), lengths)[:-1]
        xi, yi, xj, yj = v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            straddles = (yi > py) != (yj > py)
            crosses = straddles & (px < (xj - xi) * (py - yi) / (yj - yi) + xi)
        starts = np.cumsum([0, *lengths[:-1]])
        odd = (np.add.reduceat(crosses, starts, dtype=np.int64) % 2).tolist()
        return [int(self.area[part]) for (part, _, _), hit in zip(near, odd, strict=True) if hit]

    def _exact(self, pair_point, pair_part, xs, ys) -> tuple[np.ndarray, np.ndarray]:
        """Even-odd ray cast (a ray towards +x) of each pair's point across its part's edges."""
        first = self.vstart[pair_part]
        edges = self.vstart[pair_part + 1] - first - 1
        pair = np.repeat(np.arange(len(pair_part)), edges)
        i = np.repeat(first, edges) + _ranks(edges)
        # The point in the part's own frame, in float32 as the vertices were stored (a part
        # spans well under a degree: float32 keeps about a centimetre there).
        px = (xs[pair_point] - self.bounds[pair_part, 0]).astype(np.float32)[pair]
        py = (ys[pair_point] - self.bounds[pair_part, 1]).astype(np.float32)[pair]
        a, b = self.xy[i], self.xy[i + 1]
        xi, yi, xj, yj = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            straddles = (yi > py) != (yj > py)
            crosses = straddles & (px < (xj - xi) * (py - yi) / (yj - yi) + xi)
        inside = np.bincount(pair, weights=crosses, minlength=len(pair_part)) % 2 == 1
        return pair_point[inside], pair_part[inside]

    def save(self, folder: str) -> None:
        """Write the arrays as one ``.npy`` file each into ``folder`` (made if missing), fsynced.

        ``.npy`` rather than ``.npz``: a zip member cannot be memory-mapped, a ``.npy`` can, so
        every worker of a host maps the same file and shares its pages (lookup_index.py).
        """
        os.makedirs(folder, exist_ok=True)
        for name, value in self._arrays().items():
            with open(_array_file(folder, name), "wb") as out:
                np.save(out, value, allow_pickle=False)
                out.flush()
                os.fsync(out.fileno())  # the folder is renamed into place: its files must be whole

    def _arrays(self) -> dict[str, np.ndarray]:
        cells = self.cells
        grid = [cells.x0, cells.y0, cells.size, cells.nx, cells.ny] if cells else []
        return {
            "bounds": self.bounds,
            "vstart": self.vstart,
            "xy": self.xy,
            "area": self.area,
            "grid": np.array(grid, dtype=np.float64),
            "cell_start": cells.start if cells else np.zeros(0, dtype=np.int64),
            "cell_parts": cells.parts if cells else np.zeros(0, dtype=np.int32),
            "level": self.level,
            **{
                f"{name}_{part}": value
                for name, column in (("codes", self.codes), ("names", self.names))
                for part, value in (
                    ("blob", np.frombuffer(column.blob, dtype=np.uint8)),
                    ("offsets", column.offsets),
                    ("missing", column.missing),
                )
            },
        }

    @classmethod
    def load(cls, folder: str, *, mmap: bool = True) -> PackedParts:
        """The arrays ``save`` wrote; memory-mapped read-only unless ``mmap`` is false.

        Mapped, a load costs no copy (nothing holds the GIL for long while a worker swaps its
        index) and the page cache holds one copy for every process of the host.
        """

        def f(name: str) -> np.ndarray:
            path = _array_file(folder, name)
            if mmap:
                try:
                    # A plain ndarray over the mapping: np.memmap's own __getitem__ and
                    # __array_finalize__ took ~3 % of a worker's GIL time under lookups (py-spy).
                    return np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
                except ValueError:  # an empty array: there is nothing to map
                    pass
            return np.load(path, allow_pickle=False)

        grid = f("grid")
        cells = None
        if len(grid):
            x0, y0, size, nx, ny = grid.tolist()
            cells = CellIndex(x0, y0, size, int(nx), int(ny), f("cell_start"), f("cell_parts"))

        def column(name: str) -> StringColumn:
            # The blob stays a (mapped) uint8 array: StringColumn slices it like bytes.
            return StringColumn(f(f"{name}_blob"), f(f"{name}_offsets"), f(f"{name}_missing"))

        return cls(
            bounds=f("bounds"),
            vstart=f("vstart"),
            xy=f("xy"),
            area=f("area"),
            cells=cells,
            level=f("level"),
            codes=column("codes"),
            names=column("names"),
        )

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> list[tuple[int, str, str, str | None]]:
        """(point index, level, code, name) for every area holding a point."""
        lons, lats = np.asarray(lons, float), np.asarray(lats, float)
        if len(lons) == 1:  # a single locate: the same test with a third of the numpy calls
            areas = self._containing_one(float(lons[0]), float(lats[0]))
            return [(0, LEVEL_NAMES[self.level[a]], self.codes[a], self.names[a]) for a in areas]
        points, areas = self.containing(lons, lats)
        return [
            (int(p), LEVEL_NAMES[self.level[a]], self.codes[a], self.names[a])
            for p, a in zip(points.tolist(), areas.tolist(), strict=True)
        ]


def _array_file(folder: str, name: str) -> str:
    # Joined, not an f-string "{name}.npy": tests/i18n/codes.py reads f"{param}.suffix" as an
    # error code built from a parameter.
    return os.path.join(folder, name + ".npy")
