"""Reading boundary files GIS staff upload — safely.

Formats are recognised by content, not by name: GeoJSON, a zip holding one Shapefile (or one
GeoPackage / GeoJSON / KML), GeoPackage, KML. Zips are checked member by member before anything is
extracted (traversal, links, counts, sizes, compression ratio); KML with DTDs or entities is refused
before GDAL parses it; caps on bytes, features and vertices apply before the heavy work.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pyogrio
import shapely
from pyogrio.raw import read as raw_read

from gridsvc.geo.crs import normalize_crs, resolve_gk_crs, transform_geometries
from gridsvc.geo.errors import GeoInputError
from gridsvc.geo.fields import detect_fields

DRIVERS = {"geojson": "GeoJSON", "gpkg": "GPKG", "kml": "KML", "shp": "ESRI Shapefile"}
SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml", ".qmd"}


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_features: int = 50_000
    max_vertices_per_feature: int = 100_000
    max_zip_members: int = 50
    max_zip_total_bytes: int = 500 * 1024 * 1024
    max_zip_ratio: int = 100


@dataclass
class FeatureIn:
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


def _sniff(path: Path) -> str:
    head = path.read_bytes()[:4096] if path.stat().st_size < 4096 else path.open("rb").read(4096)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if stripped.startswith(b"{"):
        return "geojson"
    if stripped.startswith(b"<"):
        lowered = stripped[:2048].lower()
        if b"<kml" in lowered:
            return "kml"
        if b"ogrvrtdatasource" in lowered:
            raise GeoInputError("upload.unsupported_format", "VRT files are not accepted.", 415)
    raise GeoInputError(
        "upload.unsupported_format",
        "Not a GeoJSON, zipped Shapefile, GeoPackage or KML file.",
        415,
    )


def _check_kml(path: Path) -> None:
    text = path.read_bytes()
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise GeoInputError(
            "upload.kml_entities",
            "KML with a DOCTYPE or entities is refused (XML entity attacks).",
            400,
        )


def _check_zip(archive: zipfile.ZipFile, limits: ReadLimits) -> list[zipfile.ZipInfo]:
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > limits.max_zip_members:
        raise GeoInputError(
            "upload.zip_too_many_members",
            f"The zip holds {len(members)} files; at most {limits.max_zip_members}.",
            413,
        )
    total = 0
    for member in members:
        name = member.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", name):
            raise GeoInputError(
                "upload.zip_traversal", f"Unsafe path in zip: {member.filename}", 400
            )
        if stat.S_ISLNK(member.external_attr >> 16):
            raise GeoInputError("upload.zip_link", f"Links are not allowed in zips: {name}", 400)
        if member.flag_bits & 0x1:
            raise GeoInputError("upload.zip_encrypted", "Encrypted zips are not accepted.", 400)
        if name.lower().endswith(".zip"):
            raise GeoInputError("upload.zip_nested", "Zips inside zips are not accepted.", 400)
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1_000_000 and ratio > limits.max_zip_ratio:
            raise GeoInputError(
                "upload.zip_bomb", f"{name} expands {ratio:.0f}x; that looks like a zip bomb.", 413
            )
    if total > limits.max_zip_total_bytes:
        raise GeoInputError("upload.zip_too_large", "The zip expands beyond the size limit.", 413)
    return members


def _unpack(path: Path, limits: ReadLimits, workdir: Path) -> tuple[Path, str]:
    with zipfile.ZipFile(path) as archive:
        members = _check_zip(archive, limits)
        for member in members:
            target = workdir / PurePosixPath(member.filename.replace("\\", "/")).name
            with archive.open(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    files = list(workdir.iterdir())
    shps = [f for f in files if f.suffix.lower() == ".shp"]
    others = [f for f in files if f.suffix.lower() in (".gpkg", ".geojson", ".json", ".kml")]
    if len(shps) == 1:
        return shps[0], "shp"
    if len(shps) > 1:
        raise GeoInputError(
            "upload.zip_many_layers", "The zip holds several Shapefiles; send one.", 422
        )
    if len(others) == 1:
        kind = _sniff(others[0])
        if kind == "kml":
            _check_kml(others[0])
        return others[0], kind
    raise GeoInputError("upload.unsupported_format", "The zip holds no Shapefile.", 415)


def _dbf_needs_encoding(shp: Path) -> bool:
    """True when the .dbf has non-UTF-8 bytes and no .cpg says what they are."""
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return False
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    if dbf is None:
        return False
    data = dbf.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@dataclass
class _Opened:
    path: Path
    kind: str
    workdir: Path


def _open(path: Path, limits: ReadLimits) -> _Opened:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise GeoInputError("upload.too_large", f"The file exceeds {limits.max_bytes} bytes.", 413)
    kind = _sniff(path)
    workdir = Path(tempfile.mkdtemp(prefix="gridsvc-read-"))
    try:
        if kind == "zip":
            inner, kind = _unpack(path, limits, workdir)
            return _Opened(inner, kind, workdir)
        if kind == "kml":
            _check_kml(path)
        # Give GDAL a name with the right extension: some drivers go by it.
        target = workdir / f"layer.{ {'geojson': 'geojson', 'gpkg': 'gpkg', 'kml': 'kml'}[kind] }"
        shutil.copyfile(path, target)
        return _Opened(target, kind, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _info(opened: _Opened, crs: str | None, encoding: str | None, limits: ReadLimits, layer=None):
    if opened.kind == "shp":
        has_prj = any(opened.path.with_suffix(s).exists() for s in (".prj", ".PRJ"))
        if not has_prj and not crs:
            raise GeoInputError(
                "upload.crs_required",
                "The Shapefile has no .prj: say which CRS it uses with crs (e.g. EPSG:4490).",
            )
        if not encoding and _dbf_needs_encoding(opened.path):
            raise GeoInputError(
                "upload.encoding_required",
                "The attributes are not UTF-8 and there is no .cpg: say encoding (often GBK).",
            )
    info = _gdal(pyogrio.read_info, opened.path, layer=layer, encoding=encoding)
    if info["features"] > limits.max_features:
        raise GeoInputError(
            "upload.too_many_features",
            f"{info['features']} features; at most {limits.max_features}.",
            413,
        )
    if info["features"] == 0:
        raise GeoInputError("upload.empty", "The layer has no features.", 422)
    return info


def _gdal(call, path: Path, **kwargs):
    """Call pyogrio; GDAL's own errors on a broken file are the client's problem (422)."""
    try:
        return call(path, **kwargs)
    except Exception as exc:
        raise GeoInputError("upload.unreadable", f"The file could not be read: {exc}", 422) from exc


def inspect_file(
    path,
    *,
    filename: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    limits: ReadLimits = ReadLimits(),
    layer: str | None = None,
) -> dict:
    """The cheap checks an upload gets before it is accepted (format, zip, caps, CRS, encoding)."""
    normalize_crs(crs)
    opened = _open(Path(path), limits)
    try:
        info = _info(opened, crs, encoding, limits, layer)
        _meta, _fids, wkb, _values = _gdal(raw_read, opened.path, layer=layer, columns=[])
        _check_vertices(shapely.from_wkb(wkb), limits)
        return {"format": opened.kind, "features": info["features"], "crs": info.get("crs")}
    finally:
        shutil.rmtree(opened.workdir, ignore_errors=True)


def read_boundary_file(
    path,
    *,
    filename: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    limits: ReadLimits = ReadLimits(),
    layer: str | None = None,
) -> BoundaryFile:
    """Every polygon of the file in EPSG:4326, with code / name / parent read from its attributes."""
    declared = normalize_crs(crs)
    opened = _open(Path(path), limits)
    try:
        _info(opened, declared, encoding, limits, layer)
        meta, _fids, wkb, values = _gdal(raw_read, opened.path, layer=layer, encoding=encoding)
    finally:
        shutil.rmtree(opened.workdir, ignore_errors=True)
    geoms = shapely.from_wkb(wkb)
    columns = list(meta["fields"])
    rows = [{c: values[j][i] for j, c in enumerate(columns)} for i in range(len(geoms))]
    notes: list[dict] = []
    keep = np.array([g is not None and g.geom_type in ("Polygon", "MultiPolygon") for g in geoms])
    if not keep.any():
        raise GeoInputError("upload.geometry_type", "The layer holds no polygons.", 422)
    for i in np.flatnonzero(~keep):
        notes.append(
            {
                "code": "upload.feature_skipped",
                "detail": f"feature #{i} is not a polygon and was skipped",
            }
        )
    _check_vertices(geoms, limits)
    source = declared or normalize_crs(meta.get("crs")) if (declared or meta.get("crs")) else None
    if source is None:
        source = "EPSG:4326"
    if source.startswith("EPSG:") and not declared:
        bounds = shapely.total_bounds(geoms[keep])
        source, note = resolve_gk_crs(tuple(bounds), source)
        if note:
            notes.append(note)
    geoms = transform_geometries(geoms, source)
    chosen = detect_fields(
        columns, rows[:50], {"code": code_field, "name": name_field, "parent_code": parent_field}
    )
    features = []
    for i in np.flatnonzero(keep):
        row = rows[i]
        features.append(
            FeatureIn(
                index=int(i),
                code=_text(row.get(chosen["code"])),
                name=_text(row.get(chosen["name"])) if chosen["name"] else None,
                parent_code=_text(row.get(chosen["parent_code"]))
                if chosen["parent_code"]
                else None,
                households=_int(row.get(chosen["households"])) if chosen["households"] else None,
                population=_int(row.get(chosen["population"])) if chosen["population"] else None,
                properties={k: _plain(v) for k, v in row.items()},
                geometry=geoms[i],
            )
        )
    return BoundaryFile(features, source, DRIVERS[opened.kind], chosen, notes)


def _check_vertices(geoms, limits: ReadLimits) -> None:
    counts = shapely.get_num_coordinates(geoms)
    over = np.flatnonzero(counts > limits.max_vertices_per_feature)
    if len(over):
        raise GeoInputError(
            "upload.too_many_vertices",
            f"Feature #{int(over[0])} has {int(counts[over[0]])} vertices; "
            f"at most {limits.max_vertices_per_feature}.",
            413,
        )


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _int(value) -> int | None:
    try:
        return int(value) if value is not None and str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
