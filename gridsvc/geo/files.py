"""Reading the boundary files GIS staff upload — safely.

Formats are recognised by their bytes, never by their name: GeoJSON, a zip holding one Shapefile
(or one GeoPackage / GeoJSON / KML; a KMZ is such a zip), GeoPackage, KML. :mod:`.staging`
pre-checks everything GDAL would trust and hands over a private copy; GDAL's driver must then be
the one the bytes promised. Caps on bytes, features and vertices apply before the expensive work.

Geometries come back in EPSG:4326 but otherwise as the file had them: repairing is validation's
call (:mod:`gridsvc.geo.validate`), which also judges the layer's extent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyogrio.raw import read as raw_read

from gridsvc.geo.crs import (
    BD09,
    CGCS2000,
    GCJ02,
    WGS84,
    check_china_extent,
    crs_label,
    datum_note,
    file_crs,
    normalize_crs,
    resolve_gk_crs,
    transform_geometries,
)
from gridsvc.geo.errors import GeoInputError
from gridsvc.geo.fields import (
    as_int,
    as_text,
    check_encoding_name,
    detect_fields,
    shapefile_encoding,
)
from gridsvc.geo.staging import DEFAULT_LIMITS, ReadLimits, Staged, fail, staged

__all__ = ["BoundaryFile", "FeatureIn", "ReadLimits", "inspect_file", "read_boundary_file"]

DRIVERS = {
    "geojson": ("GeoJSON",),
    "gpkg": ("GPKG",),
    "kml": ("LIBKML", "KML"),
    "shp": ("ESRI Shapefile",),
}
_KML_NOISE = {"timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility"}
_KML_NOISE |= {"drawOrder", "icon"}
_FIELD_SAMPLE = 2000
_LOOKALIKES = {"ESRIJSON": "Esri JSON", "TopoJSON": "TopoJSON", "JSONFG": "JSON-FG"}


@dataclass
class FeatureIn:
    """One polygon feature: its attributes by role, all attributes, geometry in EPSG:4326."""

    index: int
    code: str | None
    name: str | None
    parent_code: str | None
    households: int | None
    population: int | None
    properties: dict
    geometry: object


@dataclass
class BoundaryFile:
    features: list[FeatureIn]
    source_crs: str
    driver: str
    fields: dict
    notes: list[dict] = field(default_factory=list)


# --- public API --------------------------------------------------------------------------------


def inspect_file(
    path,
    *,
    filename: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    layer: str | None = None,
) -> dict:
    """The checks an upload gets before it is accepted: format, zip safety, caps, CRS, encoding.

    Reads geometries but no attributes and transforms nothing, so hostile or hopeless files are
    refused on the request (with their 4xx) rather than failing later in a worker.

    Returns:
        ``{"format", "driver", "layers", "features", "crs", "notes"}``.
    """
    declared = normalize_crs(crs)
    with staged(Path(path), limits, layer) as src:
        data = _load(src, declared, check_encoding_name(encoding), limits, layer, False)
    _check_vertices(data.geoms, data.index, limits)
    source = _source_crs(data, declared)
    return {
        "format": src.kind,
        "driver": data.driver,
        "layers": data.layers,
        "features": len(data.geoms),
        "crs": source,
        "notes": data.notes,
    }


def read_boundary_file(
    path,
    *,
    filename: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    layer: str | None = None,
) -> BoundaryFile:
    """Every polygon of an uploaded file in EPSG:4326, with code / name / parent from its attributes.

    Args:
        path: the stored upload (any name; the content decides the format).
        filename: the client's file name; never used as a path, never trusted for the format.
        crs: the caller's CRS; wins over the file's (the only way to say GCJ02 / BD09).
        encoding: Shapefile attribute encoding when there is no (or a wrong) ``.cpg``.
        code_field, name_field, parent_field: column names when detection would guess wrong.
        limits: caps.
        layer: which layer (GeoPackage / KML) or which Shapefile of a zip holding several.

    Raises:
        GeoInputError: with the codes listed in the module's tests; status 400/413/415/422.
    """
    declared = normalize_crs(crs)
    with staged(Path(path), limits, layer) as src:
        data = _load(src, declared, check_encoding_name(encoding), limits, layer, True)
    given = {"code": code_field, "name": name_field, "parent_code": parent_field}
    chosen = detect_fields(data.columns, data.rows[:_FIELD_SAMPLE], given)
    codes = [as_text(r.get(chosen["code"])) for r in data.rows]
    _check_vertices(data.geoms, data.index, limits, codes)
    source = _source_crs(data, declared)
    geoms = transform_geometries(data.geoms, source)
    if note := datum_note(source):
        data.notes.append(note)

    def role(row: dict, name: str, convert=as_text):
        return convert(row.get(chosen[name])) if chosen[name] else None

    features = [
        FeatureIn(
            index=int(i),
            code=code,
            name=role(row, "name"),
            parent_code=role(row, "parent_code"),
            households=role(row, "households", as_int),
            population=role(row, "population", as_int),
            properties=row,
            geometry=geom,
        )
        for i, code, row, geom in zip(data.index, codes, data.rows, geoms, strict=True)
    ]
    return BoundaryFile(features, source, data.driver, chosen, data.notes)


# --- reading through GDAL ---------------------------------------------------------------------


@dataclass
class _Loaded:
    geoms: np.ndarray  # polygons only, in the source CRS
    index: np.ndarray  # their positions in the file
    columns: list[str]
    rows: list[dict]
    driver: str
    layers: list[str]
    explicit_crs: str | None  # what the file itself says, if anything
    kind: str
    notes: list[dict]


def _gdal(call, src: Staged, **kwargs):
    """GDAL errors on a broken file are the client's problem (422), minus our temp path."""
    try:
        return call(str(src.path), **kwargs)
    except (RuntimeError, ValueError) as exc:
        message = str(exc).replace(f"{src.workdir}/", "")
        raise fail("upload.unreadable", f"The file could not be read: {message}") from exc


def _layer_names(src: Staged, layer: str | None) -> list[str | None]:
    """The layers to read; ``[None]`` (the only one) for Shapefile and GeoJSON."""
    if src.kind in ("shp", "geojson"):
        return [None]
    listed = _gdal(pyogrio.list_layers, src)
    names = [str(n) for n, _ in listed]
    if not names:
        raise fail("upload.empty", "The file has no layers.")
    if layer:
        if layer not in names:
            raise fail(
                "upload.layer_missing",
                f"No layer {layer!r}; layers: {', '.join(names)}.",
                names=names,
            )
        return [layer]
    if src.kind == "kml":
        return names  # folders of one map: read them all
    polygonal = [str(n) for n, t in listed if t and ("Polygon" in t or "Surface" in t)]
    if len(polygonal) == 1 or len(names) == 1:
        return polygonal or names
    if not polygonal:
        raise fail("upload.geometry_type", "The file has no polygon layer.", names=names)
    raise fail(
        "upload.layer_required",
        f"The file has several polygon layers ({', '.join(polygonal)}): name one with layer.",
        names=polygonal,
    )


def _load(
    src: Staged,
    declared: str | None,
    encoding: str | None,
    limits: ReadLimits,
    layer: str | None,
    attributes: bool,
) -> _Loaded:
    """Open the staged file with the expected driver, apply the caps, read polygons and rows."""
    notes: list[dict] = []
    explicit = None
    if src.kind == "shp":
        if not any(src.path.with_suffix(s).exists() for s in (".prj", ".PRJ")) and not declared:
            raise fail(
                "upload.crs_required",
                "The Shapefile has no .prj: give crs (e.g. EPSG:4490, or EPSG:4547 for "
                "CGCS2000 Gauss-Krüger CM 114°E).",
            )
        encoding, note = shapefile_encoding(src.path, encoding)
        notes += [note] if note else []
    else:
        encoding = None  # GeoJSON, GeoPackage and KML are UTF-8 by definition
    names = _layer_names(src, layer)
    total, driver, layers = 0, "", []
    for name in names:
        info = _gdal(
            pyogrio.read_info, src, layer=name, encoding=encoding, force_feature_count=True
        )
        driver = info["driver"]
        if driver not in DRIVERS[src.kind]:  # e.g. Esri JSON or TopoJSON, which look like GeoJSON
            what = _LOOKALIKES.get(driver, driver)
            raise fail(
                "upload.unsupported_format",
                f"This is {what}, not {DRIVERS[src.kind][0]}: export as GeoJSON, a zipped "
                "Shapefile, GeoPackage or KML.",
                415,
            )
        layers.append(info["layer_name"])
        total += max(int(info["features"]), 0)
        explicit = explicit or info.get("crs")
    if total > limits.max_features:
        raise fail(
            "upload.too_many_features", f"{total} features; at most {limits.max_features}.", 413
        )
    if total == 0:
        raise fail("upload.empty", "The file has no features.")
    wkbs, columns, rows = [], [], []
    for name in names:
        meta, _, wkb, values = _gdal(
            raw_read,
            src,
            layer=name,
            encoding=encoding,
            columns=None if attributes else [],
            force_2d=True,
            datetime_as_string=True,
        )
        fields = [str(f) for f in meta["fields"]]
        keep = [j for j, f in enumerate(fields) if src.kind != "kml" or f not in _KML_NOISE]
        kept = [fields[j] for j in keep]
        columns += [f for f in kept if f not in columns]
        lists = [_plain_list(values[j]) for j in keep]
        rows += (
            [dict(zip(kept, vals, strict=True)) for vals in zip(*lists, strict=True)]
            if keep
            else [{} for _ in range(len(wkb))]
        )
        wkbs.append(wkb)
    geoms, index, skipped = _polygons(shapely.from_wkb(np.concatenate(wkbs), on_invalid="ignore"))
    notes += skipped
    if src.kind == "geojson":
        explicit = src.geojson_crs
        if src.crs_problem and not declared:
            raise src.crs_problem
    elif src.kind == "kml":
        explicit = None  # KML is WGS84 by definition; GDAL's EPSG:4326 says nothing more
    elif explicit is not None:
        try:
            explicit = file_crs(explicit)
        except GeoInputError:
            if not declared:
                raise
            explicit = None  # unreadable, but the caller's crs makes it moot
    return _Loaded(
        geoms, index, columns, [rows[i] for i in index], driver, layers, explicit, src.kind, notes
    )


def _plain_list(values: np.ndarray) -> list:
    """A column as JSON-ready Python values: NaN and binary blobs become None, lists lists."""
    items = values.tolist()
    if values.dtype.kind == "f":
        return [None if v != v else v for v in items]
    if values.dtype.kind == "O":
        return [_plain(v) for v in items]
    return items


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes | bytearray) or (isinstance(value, float) and value != value):
        return None
    return value


def _polygons(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Polygons and multipolygons, with their file positions; a note for everything skipped.

    A GeometryCollection of polygons (KML MultiGeometry) is a MultiPolygon in all but name.
    """
    types = shapely.get_type_id(geoms)
    for i in np.flatnonzero(types == 7):
        parts = shapely.get_parts(shapely.get_parts(geoms[i]))
        if len(parts) and (shapely.get_type_id(parts) == 3).all():
            geoms[i], types[i] = shapely.multipolygons(parts), 6
    keep = np.isin(types, (3, 6)) & ~shapely.is_empty(geoms)
    index = np.flatnonzero(keep)
    if not len(index):
        raise fail("upload.geometry_type", "The file holds no polygons.")
    notes = []
    skipped = np.flatnonzero(~keep)
    if len(skipped):
        what = [
            "no readable geometry" if g is None else "empty" if g.is_empty else g.geom_type
            for g in geoms[skipped[:10]]
        ]
        listed = ", ".join(f"#{i} ({w})" for i, w in zip(skipped[:10], what, strict=True))
        notes.append(
            {
                "code": "upload.features_skipped",
                "detail": f"{len(skipped)} features are not polygons and were skipped: {listed}"
                + (", …" if len(skipped) > 10 else "."),
                "indices": skipped.tolist(),
            }
        )
    return geoms[index], index, notes


def _check_vertices(geoms, index, limits: ReadLimits, codes=None) -> None:
    counts = shapely.get_num_coordinates(geoms)
    over = np.flatnonzero(counts > limits.max_vertices_per_feature)
    if len(over):
        i = int(over[0])
        label = f"Feature #{int(index[i])}" + (f" ({codes[i]})" if codes and codes[i] else "")
        raise fail(
            "upload.too_many_vertices",
            f"{label} has {int(counts[i])} vertices; at most {limits.max_vertices_per_feature}.",
            413,
            feature=int(index[i]),
        )


def _source_crs(data: _Loaded, declared: str | None) -> str:
    """The CRS to read with: the caller's, else the file's; GK zone mix-ups fixed, with notes."""
    explicit = data.explicit_crs
    if declared:
        source = declared
        lonlat = (WGS84, CGCS2000)
        if (
            explicit
            and explicit != declared
            and not (declared in (GCJ02, BD09) and explicit in lonlat)
        ):
            data.notes.append(
                {
                    "code": "crs.declared_overrides_file",
                    "detail": f"The file says {crs_label(explicit)}; read as "
                    f"{crs_label(declared)} because crs was given.",
                }
            )
    elif explicit:
        source = explicit
    elif data.kind == "gpkg":
        raise fail("upload.crs_required", "The GeoPackage layer has no CRS: give crs.")
    else:
        source = WGS84  # GeoJSON (RFC 7946) and KML
    if source.startswith("EPSG:"):
        source, note = resolve_gk_crs(tuple(shapely.total_bounds(data.geoms)), source)
        data.notes += [note] if note else []
    elif source in (GCJ02, BD09) and check_china_extent(data.geoms):
        # Both datums are lon/lat within a kilometre of WGS84; anything else was mislabelled.
        raise fail(
            "crs.mismatch",
            f"{source} coordinates are longitude/latitude in China; these are not.",
        )
    return source
