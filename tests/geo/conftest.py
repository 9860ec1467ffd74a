"""Fixtures that write real boundary files (GeoJSON, Shapefile, GeoPackage, KML, zips) to tmp_path.

Files are written with pyogrio and zipfile exactly as GIS exports would be, so the readers are
tested against bytes GDAL produced, not against mocks.
"""

from __future__ import annotations

import http.server
import threading
import zipfile
from pathlib import Path

# gridsvc.geo must configure GDAL before pyogrio registers its drivers.
import gridsvc.geo  # noqa: F401  isort: skip
import numpy as np
import orjson
import pytest
import shapely
from pyogrio.raw import write
from shapely.geometry import box

# A township-sized square near 湘潭 (112.9°E, 27.85°N).
SQUARE = box(112.90, 27.85, 112.91, 27.86)
FIELDS = {"编码": ["430302001"], "名称": ["雨湖路街道"], "户数": [1200], "人口": [3400]}


@pytest.fixture
def square():
    return SQUARE


@pytest.fixture
def write_layer(tmp_path):
    """write_layer(name, driver, geoms=, fields=, crs=, **options) -> Path, via pyogrio."""

    def _write(name: str, driver: str, *, geoms=(SQUARE,), fields=None, crs="EPSG:4326", **kw):
        fields = FIELDS if fields is None else fields
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        geometry_type = kw.pop("geometry_type", "Polygon")
        write(
            path,
            np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
            field_data=[np.array(v, dtype=object) for v in fields.values()],
            fields=list(fields),
            geometry_type=geometry_type,
            crs=crs,
            driver=driver,
            **kw,
        )
        return path

    return _write


@pytest.fixture
def zip_folder(tmp_path):
    """zip_folder(folder, name, skip=(".cpg",)) -> a zip of the folder's files, flat."""

    def _zip(folder: Path, name: str = "upload.zip", skip: tuple[str, ...] = ()) -> Path:
        target = tmp_path / name
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for f in sorted(folder.iterdir()):
                if f.suffix.lower() not in skip:
                    archive.write(f, f.name)
        return target

    return _zip


@pytest.fixture
def shapefile_zip(write_layer, zip_folder, tmp_path):
    """shapefile_zip(name, *, cpg=..., skip=(), **write_layer kw) -> zipped Shapefile.

    ``cpg``: text for the .cpg file, or None to leave none (pyogrio writes one by default).
    """
    counter = iter(range(1000))

    def _make(name: str = "t.zip", *, cpg: str | None = "UTF-8", skip=(), **kw) -> Path:
        folder = tmp_path / f"shp{next(counter)}"
        shp = write_layer(f"{folder.name}/boundary.shp", "ESRI Shapefile", **kw)
        for stray in folder.glob("*.cpg"):
            stray.unlink()
        if cpg is not None:
            shp.with_suffix(".cpg").write_text(cpg)
        return zip_folder(folder, name, skip)

    return _make


@pytest.fixture
def zip_members(tmp_path):
    """zip_members(members, name=, symlink=, encrypted=) -> zip path; members: name -> bytes."""

    def _zip(members: dict[str, bytes], name: str = "m.zip", *, symlink=None, encrypted=False):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, content in members.items():
                archive.writestr(member, content)
            if symlink:
                info = zipfile.ZipInfo(symlink[0])
                info.create_system = 3  # Unix: the mode bits below are meaningful
                info.external_attr = (0o120777 << 16) | 0  # S_IFLNK | rwxrwxrwx
                archive.writestr(info, symlink[1])
        if encrypted:
            # Set the "encrypted" bit in every central directory entry, as zip tools do.
            data = bytearray(path.read_bytes())
            at = data.find(b"PK\x01\x02")
            while at >= 0:
                data[at + 8] |= 0x1
                at = data.find(b"PK\x01\x02", at + 4)
            path.write_bytes(bytes(data))
        return path

    return _zip


def feature_collection(geoms, properties=None, **top) -> dict:
    props = properties or [{"code": f"43030200100{i}"} for i in range(len(geoms))]
    return {
        "type": "FeatureCollection",
        **top,
        "features": [
            {"type": "Feature", "properties": p, "geometry": orjson.loads(shapely.to_geojson(g))}
            for g, p in zip(geoms, props, strict=True)
        ],
    }


@pytest.fixture
def geojson_file(tmp_path):
    """geojson_file(name, geoms=, properties=, **top-level members) -> Path."""

    def _write(name: str = "a.geojson", geoms=(SQUARE,), properties=None, **top) -> Path:
        path = tmp_path / name
        path.write_bytes(orjson.dumps(feature_collection(list(geoms), properties, **top)))
        return path

    return _write


@pytest.fixture
def http_hits():
    """A local HTTP server; yields (base_url, list of requested paths)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.2]]]')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
