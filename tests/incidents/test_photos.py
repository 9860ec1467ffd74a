"""Photos: content-checked, EXIF position kept but never served, deduplicated, scoped, stored on
disk or in an S3-compatible store (a real local S3 HTTP server, moto's)."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime

import boto3
import pytest
from moto.server import ThreadedMotoServer
from openapi_schema_validator import OAS30Validator
from PIL import ExifTags, Image
from sqlalchemy import text

from gridsvc.http import etag
from gridsvc.incidents.storage import LocalStorage, S3Storage
from tests.conftest import bearer
from tests.test_app import assert_problem


def jpeg_with_gps(size=(800, 600), colour=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    exif[0x0110] = "TestPhone 9"
    exif[ExifTags.IFD.GPSInfo] = {
        1: "N",
        2: (27.0, 52.0, 12.0),
        3: "E",
        4: (112.0, 48.0, 36.0),
    }
    exif[ExifTags.IFD.Exif] = {36867: "2026:12:01 09:30:00", 36881: "+08:00"}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def encoded(fmt: str, size=(64, 48), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 30) if mode == "RGB" else (10, 120, 30, 128)).save(out, fmt)
    return out.getvalue()


def upload(client, headers, incident_id, content: bytes, filename="photo.jpg", **form):
    data = {"file": (io.BytesIO(content), filename), **form}
    return client.post(
        f"/api/v1/incidents/{incident_id}/photos",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def incident(report):
    return report().get_json()


def test_photo_is_cleaned_thumbnailed_and_deduplicated(client, incident, as_worker):
    content = jpeg_with_gps()
    response = upload(client, as_worker, incident["id"], content)
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert photo["content_type"] == "image/jpeg"
    assert (photo["width"], photo["height"]) == (600, 800)  # orientation applied
    assert photo["bytes"] == len(content)
    assert photo["has_exif_location"] is True
    taken = datetime.fromisoformat(photo["taken_at"])
    assert taken == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 09:30 Beijing time
    assert photo["kind"] == "report"

    served = client.get(photo["url"], headers=as_worker)
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.get_data()))
    assert image.size == (600, 800)
    exif = image.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert 0x0110 not in exif
    assert 0x0112 not in exif
    assert b"TestPhone" not in served.get_data()
    assert image.getpixel((300, 400))[0] > 150  # still the red photo

    thumb = client.get(photo["thumbnail_url"], headers=as_worker)
    assert thumb.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.get_data())).size) == 320
    cached = client.get(photo["url"], headers=as_worker | {"If-None-Match": served.headers["ETag"]})
    assert cached.status_code == 304

    again = upload(client, as_worker, incident["id"], content, filename="again.jpg")
    assert again.status_code == 200
    assert again.get_json()["id"] == photo["id"]
    listed = client.get(f"/api/v1/incidents/{incident['id']}/photos", headers=as_worker)
    assert [p["id"] for p in listed.get_json()] == [photo["id"]]
    after = client.get(f"/api/v1/incidents/{incident['id']}", headers=as_worker).get_json()
    assert after["photo_count"] == 1
    assert after["version"] == incident["version"] + 1
    events = client.get(f"/api/v1/incidents/{incident['id']}/events", headers=as_worker)
    added = events.get_json()["items"][-1]
    assert added["action"] == "photo_added"
    assert added["evidence"]["photo_id"] == photo["id"]


def test_the_upload_answers_the_incident_it_changed(client, incident, as_worker):
    """The photo's answer carries the incident's new status and ETag (its version moved on)."""
    first = upload(client, as_worker, incident["id"], encoded("PNG"), "a.png").get_json()
    read = client.get(f"/api/v1/incidents/{incident['id']}", headers=as_worker)
    assert first["incident"] == {
        "id": incident["id"],
        "status": "reported",
        "etag": read.headers["ETag"],
        "url": f"/api/v1/incidents/{incident['id']}",
        "on_site": None,  # an ordinary report
    }
    assert first["incident"]["etag"] != etag("incident", incident["id"], incident["version"])
    # The same bytes again change nothing: the same ETag as a fresh read.
    again = upload(client, as_worker, incident["id"], encoded("PNG"), "a.png")
    assert again.status_code == 200
    assert again.get_json()["incident"]["etag"] == read.headers["ETag"]
    # The answer is the documented one (the contract tests' generated uploads never get a 201).
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/incidents/{incident_id}/photos"]["post"]
    for status, answer in (("201", first), ("200", again.get_json())):
        schema = post["responses"][status]["content"]["application/json"]["schema"]
        validator = OAS30Validator({**schema, "components": spec["components"]})
        assert [e.message for e in validator.iter_errors(answer)] == []
    upload_out = spec["components"]["schemas"]["PhotoUploadOut"]["properties"]
    assert {"incident", "url"} <= set(upload_out)
    # The listing stays the plain photos.
    listed = client.get(f"/api/v1/incidents/{incident['id']}/photos", headers=as_worker).get_json()
    assert "incident" not in listed[0]


def test_exif_position_is_kept_for_the_record(client, incident, as_worker, db_session):
    from gridsvc.incidents.models import IncidentPhoto

    photo_id = upload(client, as_worker, incident["id"], jpeg_with_gps()).get_json()["id"]
    row = db_session.get(IncidentPhoto, photo_id)
    lon, lat = db_session.execute(
        text("SELECT ST_X(exif_geom), ST_Y(exif_geom) FROM incident_photos WHERE id = :id"),
        {"id": row.id},
    ).one()
    assert lon == pytest.approx(112.81, abs=1e-4)
    assert lat == pytest.approx(27.87, abs=1e-4)


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_accepted(client, incident, as_worker, fmt, mime):
    response = upload(client, as_worker, incident["id"], encoded(fmt, mode="RGBA"), "x.bin")
    assert response.status_code == 201
    assert response.get_json()["content_type"] == mime
    served = client.get(response.get_json()["url"], headers=as_worker)
    assert served.mimetype == mime


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + os.urandom(2048), "photo.jpg"),
        (b"%PDF-1.7\n" + os.urandom(512), "scan.png"),
        (b"GIF89a" + os.urandom(64), "anim.gif"),
        (b"just text, not a picture", "photo.webp"),
    ],
)
def test_non_images_are_refused_by_content(client, incident, as_worker, content, filename):
    assert_problem(
        upload(client, as_worker, incident["id"], content, filename),
        415,
        "photo.unsupported_type",
    )


def test_tiff_and_gif_are_refused_even_though_pillow_reads_them(client, incident, as_worker):
    for fmt in ("TIFF", "GIF", "BMP"):
        assert_problem(
            upload(client, as_worker, incident["id"], encoded(fmt)), 415, "photo.unsupported_type"
        )


def test_too_large_and_too_many_pixels(client, incident, as_worker, app, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 2000)
    assert_problem(
        upload(client, as_worker, incident["id"], jpeg_with_gps() + os.urandom(5000)),
        413,
        "photo.too_large",
    )
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 10 * 1024 * 1024)
    monkeypatch.setitem(app.config, "PHOTO_MAX_PIXELS", 100 * 100)
    assert_problem(
        upload(client, as_worker, incident["id"], encoded("PNG", size=(200, 200))),
        413,
        "photo.too_many_pixels",
    )


def test_decompression_bomb_is_refused_before_decoding(client, incident, as_worker):
    # A 20,000 x 20,000 PNG of one colour compresses to a few hundred KB; decoding it would take
    # 1.2 GB. The header check refuses it first.
    bomb = _png_bomb()
    assert len(bomb) < 2_000_000
    assert_problem(upload(client, as_worker, incident["id"], bomb), 413, "photo.too_many_pixels")


def _png_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")
    return out.getvalue()


def test_truncated_image_is_422(client, incident, as_worker):
    content = jpeg_with_gps()
    assert_problem(
        upload(client, as_worker, incident["id"], content[: len(content) // 2]),
        422,
        "photo.corrupt",
    )


def test_photos_are_scoped_like_the_incident(client, incident, as_worker, make_user):
    photo = upload(client, as_worker, incident["id"], jpeg_with_gps()).get_json()
    stranger = bearer(make_user(role="grid_worker", township_code="430302002"))
    base = f"/api/v1/incidents/{incident['id']}"
    for url in (base, f"{base}/photos", photo["url"], photo["thumbnail_url"]):
        assert_problem(client.get(url, headers=stranger), 404, "incident.not_found")
    assert_problem(
        upload(client, stranger, incident["id"], encoded("PNG")), 404, "incident.not_found"
    )
    assert_problem(client.get(f"{base}/photos/999999", headers=as_worker), 404, "photo.not_found")


def test_photo_kinds_follow_roles(client, incident, as_worker, make_user):
    assert_problem(
        upload(client, as_worker, incident["id"], encoded("PNG"), kind="evidence"),
        403,
        "photo.kind_forbidden",
    )
    officer = bearer(make_user(role="officer", township_code="430302001"))
    response = upload(client, officer, incident["id"], encoded("PNG"), kind="evidence")
    assert response.status_code == 201
    assert response.get_json()["kind"] == "evidence"


def test_photo_limit_per_incident(client, incident, as_worker, app, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_PER_INCIDENT", 1)
    assert upload(client, as_worker, incident["id"], encoded("PNG")).status_code == 201
    assert_problem(
        upload(client, as_worker, incident["id"], encoded("JPEG")), 409, "photo.too_many"
    )


def test_local_storage_refuses_keys_that_escape(tmp_path):
    storage = LocalStorage(str(tmp_path))
    storage.put("photos/ab/x.jpg", b"1", "image/jpeg")
    assert storage.get("photos/ab/x.jpg") == b"1"
    assert storage.exists("photos/ab/x.jpg")
    with pytest.raises(ValueError, match="escapes"):
        storage.put("../outside.jpg", b"1", "image/jpeg")


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    config = {
        "S3_ENDPOINT_URL": f"http://{host}:{port}",
        "S3_BUCKET": "gridsvc-media",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "test-key",
        "S3_SECRET_ACCESS_KEY": "test-secret",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=config["S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    s3.create_bucket(Bucket=config["S3_BUCKET"])
    yield config, s3
    server.stop()


def test_s3_backend_against_a_real_s3_http_server(s3_server):
    config, s3 = s3_server
    storage = S3Storage(config)
    assert storage.exists("photos/00/none.jpg") is False
    storage.put("photos/00/a.jpg", b"\xff\xd8data", "image/jpeg")
    assert storage.exists("photos/00/a.jpg") is True
    assert storage.get("photos/00/a.jpg") == b"\xff\xd8data"
    head = s3.head_object(Bucket=config["S3_BUCKET"], Key="photos/00/a.jpg")
    assert head["ContentType"] == "image/jpeg"


def test_photos_through_the_api_land_in_s3(
    client, incident, as_worker, app, s3_server, monkeypatch
):
    config, s3 = s3_server
    monkeypatch.setitem(app.extensions, "media_storage", S3Storage(config))
    photo = upload(client, as_worker, incident["id"], jpeg_with_gps(colour=(1, 2, 250))).get_json()
    keys = {
        o["Key"]
        for o in s3.list_objects_v2(Bucket=config["S3_BUCKET"], Prefix="photos/")["Contents"]
    }
    assert {f"photos/{photo['sha256'][:2]}/{photo['sha256']}/{name}" for name in
            ("original.jpg", "served.jpg", "thumbnail.jpg")} <= keys  # fmt: skip
    served = client.get(photo["url"], headers=as_worker)
    assert Image.open(io.BytesIO(served.get_data())).size == (600, 800)
