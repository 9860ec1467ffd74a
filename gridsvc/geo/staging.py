"""Staging an upload for GDAL: recognise it by its bytes, unpack it safely, pre-check it.

Everything GDAL would trust is checked here first: zips member by member before anything is
extracted (paths, links, encryption, nesting, counts, sizes, compression ratio), then extracted by
us under our own names; KML with a DTD is refused (entity expansion, XXE); GeoJSON ``crs`` links
are refused (GDAL fetches them while opening); GeoPackage views are refused (SQL run on open).
GDAL only ever sees a private copy in a fresh temporary directory, removed afterwards.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import stat
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import orjson
import pyogrio

from gridsvc.geo import REMOTE_AND_INDIRECT_DRIVERS
from gridsvc.geo.crs import BD09, GCJ02, normalize_crs
from gridsvc.geo.errors import GeoInputError

SUFFIX = {"geojson": ".geojson", "gpkg": ".gpkg", "kml": ".kml", "shp": ".shp"}
_INNER = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".kml": "kml"}
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ReadLimits:
    """Caps for one upload; the app configures the first three from its settings."""

    max_bytes: int = 50 * 1024 * 1024
    max_features: int = 50_000
    max_vertices_per_feature: int = 100_000
    max_zip_members: int = 50
    max_zip_total_bytes: int = 500 * 1024 * 1024
    max_zip_ratio: int = 100


DEFAULT_LIMITS = ReadLimits()


def fail(code: str, detail: str, status: int = 422, **extra) -> GeoInputError:
    """A :class:`GeoInputError` with extra problem members given as keywords."""
    return GeoInputError(code, detail, status, extra or None)


@dataclass
class Staged:
    """The private copy GDAL may open, with what the pre-checks learned on the way."""

    path: Path
    kind: str
    workdir: Path
    geojson_crs: str | None = None  # from the file's "crs" member
    crs_problem: GeoInputError | None = None  # an unusable "crs" member, moot if crs is given


@lru_cache(maxsize=1)
def _gdal_is_hardened() -> bool:
    return not set(pyogrio.list_drivers()) & set(REMOTE_AND_INDIRECT_DRIVERS.split())


@contextmanager
def staged(path: Path, limits: ReadLimits, layer: str | None) -> Iterator[Staged]:
    """A private copy of the upload (or its one useful zip member set), checked, for GDAL."""
    if not _gdal_is_hardened():  # pyogrio was imported before gridsvc.geo could configure GDAL
        raise RuntimeError("GDAL registered VRT/network drivers: import gridsvc.geo before pyogrio")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise fail("upload.too_large", f"The file exceeds {limits.max_bytes} bytes.", 413)
    kind = sniff(path)
    workdir = Path(tempfile.mkdtemp(prefix="gridsvc-read-"))
    try:
        if kind == "zip":
            target, kind = _unpack(path, size, limits, workdir, layer)
        else:
            target = workdir / f"layer{SUFFIX[kind]}"
            shutil.copyfile(path, target)
        item = Staged(target, kind, workdir)
        if kind == "kml":
            _check_kml(target)
        elif kind == "geojson":
            _check_geojson(item)
        elif kind == "gpkg":
            _check_gpkg(target)
        yield item
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def sniff(path: Path) -> str:
    """The format by content: zip, gpkg, geojson or kml; helpful 415s for the usual mistakes."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"\x00\x00\x27\x0a"):
        raise fail(
            "upload.unsupported_format",
            "A Shapefile is several files: zip the .shp, .shx, .dbf, .prj and .cpg together "
            "and upload the zip.",
            415,
        )
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c")):
        raise fail("upload.unsupported_format", "RAR and 7z are not accepted: use zip.", 415)
    text = head.removeprefix(_BOM).lstrip()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in text[:1024]:
        raise fail("upload.unsupported_format", "Text files must be UTF-8 encoded.", 415)
    if text.startswith(b"{"):
        return "geojson"
    if text.startswith(b"<"):
        lowered = text.lower()
        if b"ogrvrtdatasource" in lowered:
            raise fail("upload.unsupported_format", "GDAL VRT files are not accepted.", 415)
        if re.search(rb"<(\w+:)?kml[\s>]", lowered) or b"<!doctype kml" in lowered:
            return "kml"
    raise fail(
        "upload.unsupported_format",
        "Not a GeoJSON, zipped Shapefile, GeoPackage or KML file.",
        415,
    )


def _check_kml(path: Path) -> None:
    """No DTDs at all: entity expansion (billion laughs) and external entities (XXE) need one."""
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", path.read_bytes(), re.IGNORECASE):
        raise fail(
            "upload.kml_entities",
            "KML with a DOCTYPE or entity declarations is refused (XML entity attacks).",
            400,
        )


def _check_geojson(item: Staged) -> None:
    """Refuse remote ``crs`` members (GDAL fetches them while opening); keep a named one.

    Most files have no ``crs`` at all, so the document is only parsed when one could be there
    (a key may also be spelled with ``\\u`` escapes, which GDAL decodes). Whether the JSON is
    GeoJSON at all is settled by the driver GDAL picks.
    """
    data = item.path.read_bytes().removeprefix(_BOM)
    if b'"crs"' not in data and b"\\u" not in data:
        return
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise fail("upload.unreadable", f"The file is not valid JSON: {exc}.") from exc
    if not isinstance(doc, dict):
        return  # GDAL will not open it as GeoJSON either
    features = doc.get("features") if isinstance(doc.get("features"), list) else [doc]
    members = [doc.get("crs")]
    for feature in features:
        if isinstance(feature, dict):
            geometry = feature.get("geometry")
            members += [
                feature.get("crs"),
                geometry.get("crs") if isinstance(geometry, dict) else None,
            ]
    for position, member in enumerate(members):
        if member is None:
            continue
        try:
            crs = _geojson_crs(member)
        except GeoInputError as exc:
            if exc.code != "crs.unknown":
                raise
            item.crs_problem = item.crs_problem or exc
            continue
        if position == 0:
            item.geojson_crs = crs


def _geojson_crs(member) -> str:
    """A GeoJSON 2008 ``crs`` member: named EPSG / CRS84 / CGCS2000 systems only, never links."""
    props = member.get("properties") if isinstance(member, dict) else None
    kind = str(member.get("type", "")).lower() if isinstance(member, dict) else ""
    if not isinstance(props, dict) or kind not in ("name", "epsg") or "href" in props:
        raise fail(
            "upload.crs_remote",
            'Only a named GeoJSON "crs" (e.g. urn:ogc:def:crs:EPSG::4490) is accepted; links '
            "are refused. Remove it and give crs instead.",
            400,
        )
    value = props.get("code") if kind == "epsg" else props.get("name")
    if isinstance(value, str) and "://" in value and "OPENGIS.NET/DEF/CRS/" not in value.upper():
        raise fail("upload.crs_remote", f'The GeoJSON "crs" points to {value!r}: refused.', 400)
    crs = normalize_crs(value if isinstance(value, str | int) else None)
    if crs in (None, GCJ02, BD09):
        raise fail("crs.unknown", f'The GeoJSON "crs" {value!r} is not usable: give crs.')
    return crs


def _check_gpkg(path: Path) -> None:
    """A real GeoPackage whose layers are tables: views and virtual tables run SQL on open."""
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            rows = con.execute(
                "SELECT c.table_name, m.type, m.sql FROM gpkg_contents c "
                "LEFT JOIN sqlite_master m ON m.name = c.table_name"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            raise fail(
                "upload.unsupported_format", "An SQLite file, but not a GeoPackage.", 415
            ) from exc
        raise fail("upload.unreadable", "The GeoPackage is damaged.") from exc
    for name, kind, sql in rows:
        if kind == "view" or (sql or "").lstrip().upper().startswith("CREATE VIRTUAL"):
            raise fail(
                "upload.gpkg_view",
                f"Layer {name!r} is an SQL view or virtual table; export it as a plain table.",
            )


# --- zips ---------------------------------------------------------------------------------------


def _zip_entry_count(path: Path) -> int | None:
    """Entries the zip's end record announces, read before zipfile parses the whole directory."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65557))
        tail = handle.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(tail):
        return None
    count = struct.unpack_from("<H", tail, end + 10)[0]
    locator = tail.rfind(b"PK\x06\x06", 0, end)  # zip64: the count moved to its own record
    if count == 0xFFFF and locator >= 0 and locator + 40 <= len(tail):
        count = struct.unpack_from("<Q", tail, locator + 32)[0]
    return count


def _check_zip(archive: zipfile.ZipFile, size: int, limits: ReadLimits) -> list[zipfile.ZipInfo]:
    """Every entry judged from the directory before a byte is extracted; the files among them."""
    infos = archive.infolist()
    if len(infos) > limits.max_zip_members:
        raise _too_many(len(infos), limits)
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if "\0" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise fail("upload.zip_traversal", f"Unsafe path in the zip: {info.filename!r}.", 400)
        if ".." in name.split("/"):
            raise fail("upload.zip_traversal", f"Unsafe path in the zip: {info.filename!r}.", 400)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise fail("upload.zip_link", f"Links are not allowed in zips: {name!r}.", 400)
        if info.flag_bits & 0x1:
            raise fail("upload.zip_encrypted", "Encrypted zips are not accepted.", 400)
        if name.lower().endswith((".zip", ".kmz", ".rar", ".7z")):
            raise fail("upload.zip_nested", "Archives inside zips are not accepted.", 400)
        total += info.file_size
    # Measured against the whole archive: a Shapefile's geometry barely compresses, so a real
    # upload stays far below the limit even when its .dbf is mostly padding.
    if total > 1 << 20 and total / max(size, 1) > limits.max_zip_ratio:
        raise fail(
            "upload.zip_bomb",
            f"The zip expands {total / max(size, 1):.0f} times; that looks like a zip bomb.",
            413,
        )
    if total > limits.max_zip_total_bytes:
        raise fail(
            "upload.zip_too_large",
            f"The zip expands to {total} bytes; at most {limits.max_zip_total_bytes}.",
            413,
        )
    return [i for i in infos if not i.is_dir()]


def _too_many(count: int, limits: ReadLimits) -> GeoInputError:
    return fail(
        "upload.zip_too_many_members",
        f"The zip holds {count} entries; at most {limits.max_zip_members}.",
        413,
    )


def _junk(name: str) -> bool:
    """macOS resource forks and Windows thumbnails that zip tools add beside the real files."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (
        name.startswith("__MACOSX/") or base.startswith("._") or base in (".DS_Store", "Thumbs.db")
    )


def _choose(
    infos: list[zipfile.ZipInfo], layer: str | None
) -> tuple[dict[str, zipfile.ZipInfo], str]:
    """The members to extract (suffix -> member) and their kind: one Shapefile, else one file."""
    usable = [i for i in infos if not _junk(i.filename)]
    shps = [i for i in usable if i.filename.lower().endswith(".shp")]
    if layer and len(shps) > 1:
        shps = [i for i in shps if Path(i.filename).stem == layer] or shps
    if len(shps) > 1:
        names = ", ".join(i.filename for i in shps)
        raise fail(
            "upload.zip_many_layers",
            f"The zip holds several Shapefiles ({names}); send one, or name it with layer.",
            names=[i.filename for i in shps],
        )
    if shps:
        stem = shps[0].filename[:-4].lower()
        parts = {
            i.filename[len(stem) :].lower(): i
            for i in usable
            if i.filename.lower().startswith(stem + ".")
            and i.filename[len(stem) :].lower() in SHAPEFILE_PARTS
        }
        missing = [s for s in (".shx", ".dbf") if s not in parts]
        if missing:
            raise fail(
                "upload.shapefile_incomplete",
                f"The Shapefile in the zip lacks its {' and '.join(missing)} file.",
            )
        return parts, "shp"
    others = [i for i in usable if Path(i.filename).suffix.lower() in _INNER]
    if len(others) == 1:
        kind = _INNER[Path(others[0].filename).suffix.lower()]
        return {SUFFIX[kind]: others[0]}, kind
    raise fail(
        "upload.zip_many_layers" if others else "upload.unsupported_format",
        "The zip must hold exactly one Shapefile, GeoPackage, GeoJSON or KML file.",
        422 if others else 415,
    )


def _unpack(
    path: Path, size: int, limits: ReadLimits, workdir: Path, layer: str | None
) -> tuple[Path, str]:
    """Check the zip, extract the one useful file (set) into ``workdir``; (its path, kind)."""
    announced = _zip_entry_count(path)
    if announced is not None and announced > limits.max_zip_members:
        raise _too_many(announced, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            members, kind = _choose(_check_zip(archive, size, limits), layer)
            # Our names, never the member's. zipfile stops at the size the directory states
            # (already capped above) and checks the CRC, so a lying directory cannot make a
            # member expand further: it just fails as unreadable.
            for suffix, info in members.items():
                with archive.open(info) as src, (workdir / f"layer{suffix}").open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, NotImplementedError, EOFError) as exc:
        raise fail("upload.unreadable", f"The zip cannot be read: {exc}.") from exc
    target = workdir / f"layer{SUFFIX[kind]}"
    with target.open("rb") as handle:
        head = handle.read(4)
    inner = ("shp" if head == b"\x00\x00\x27\x0a" else "?") if kind == "shp" else sniff(target)
    if inner == "zip":
        raise fail("upload.zip_nested", "Archives inside zips are not accepted.", 400)
    if inner != kind:
        raise fail("upload.unreadable", f"The {SUFFIX[kind]} file in the zip is not one.")
    return target, kind
