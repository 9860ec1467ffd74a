"""Hostile and unusable files: each gets a 4xx problem+json at upload time and nothing is stored."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
from shapely.geometry import Polygon, box

from gridsvc.boundaries.models import BoundaryUpload
from tests.boundaries.conftest import feature, geojson_bytes, upload_request
from tests.conftest import bearer

VRT = b"""<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>
</OGRVRTLayer></OGRVRTDataSource>"""

KML_ENTITIES = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol2;</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>112.8,27.8 112.9,27.8 112.9,27.9 112.8,27.8
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"""


def _zip(members: dict[str, bytes], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def _many_features(n: int) -> bytes:
    return geojson_bytes(
        [
            feature(box(112.8 + i * 1e-4, 27.8, 112.8 + (i + 1) * 1e-4, 27.81), code=f"4303{i:05d}")
            for i in range(n)
        ]
    )


def _many_vertices(n: int) -> bytes:
    import math

    ring = [
        (112.85 + 0.01 * math.cos(2 * math.pi * k / n), 27.9 + 0.01 * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ]
    return geojson_bytes([feature(Polygon(ring), code="430302", name="x")])


CASES = [
    ("vrt.geojson", VRT, 415, "upload.unsupported_format"),
    ("program.geojson", b"MZ\x90\x00\x03" + b"\x00" * 200, 415, "upload.unsupported_format"),
    ("traversal.zip", _zip({"../../evil.shp": b"x", "a.shp": b"x"}), 400, "upload.zip_traversal"),
    ("absolute.zip", _zip({"/var/evil.shp": b"x"}), 400, "upload.zip_traversal"),
    ("link.zip", _zip({"a.txt": b"x"}, link="a.shp"), 400, "upload.zip_link"),
    ("bomb.zip", _zip({"a.shp": b"\x00" * 30_000_000}), 413, "upload.zip_bomb"),
    (
        "members.zip",
        _zip({f"f{i}.txt": b"x" for i in range(80)}),
        413,
        "upload.zip_too_many_members",
    ),
    ("entities.kml", KML_ENTITIES, 400, "upload.kml_entities"),
    ("many.geojson", None, 413, "upload.too_many_features"),
    ("vertices.geojson", None, 413, "upload.too_many_vertices"),
]


@pytest.mark.parametrize(
    ("filename", "content", "status", "code"), CASES, ids=[c[3] + ":" + c[0] for c in CASES]
)
def test_hostile_file_is_refused_with_its_code(
    client, app, make_user, monkeypatch, db_session, filename, content, status, code
):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FEATURES", 50)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_VERTICES", 500)
    if content is None:
        content = _many_features(60) if code == "upload.too_many_features" else _many_vertices(2000)
    headers = bearer(make_user(role="admin", township_code=None, county_code=None))
    response = upload_request(client, headers, content, filename, level="county")
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code
    assert db_session.query(BoundaryUpload).count() == 0


def test_file_over_the_upload_cap_is_413(client, app, make_user, monkeypatch, db_session):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1000)
    headers = bearer(make_user(role="admin", township_code=None, county_code=None))
    response = upload_request(
        client, headers, b"{" + b" " * 5000 + b"}", "big.geojson", level="county"
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "upload.too_large"
    assert db_session.query(BoundaryUpload).count() == 0


def test_shapefile_without_prj_asks_for_crs(client, make_user, tmp_path):
    import numpy as np
    import shapely
    from pyogrio.raw import write

    path = tmp_path / "t.shp"
    geometry = np.array([shapely.to_wkb(box(112.8, 27.8, 112.9, 27.9))], dtype=object)
    with pytest.warns(UserWarning, match="crs"):  # exactly the file a careless export makes
        write(
            path,
            geometry,
            field_data=[np.array(["430302"], dtype=object)],
            fields=["code"],
            geometry_type="Polygon",
            crs=None,
            driver="ESRI Shapefile",
        )
    content = _zip({p.name: p.read_bytes() for p in tmp_path.iterdir() if p.suffix != ".prj"})
    headers = bearer(make_user(role="admin", township_code=None, county_code=None))
    response = upload_request(client, headers, content, "t.zip", level="county")
    assert response.status_code == 422
    assert response.get_json()["code"] == "upload.crs_required"
    ok = upload_request(client, headers, content, "t.zip", level="county", crs="EPSG:4490")
    assert ok.status_code == 202
