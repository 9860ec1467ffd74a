"""Photo bytes in, checked and cleaned copies out (Pillow; no Flask request, no database).

A photo is accepted only when Pillow recognises it as JPEG, PNG or WebP by its content (the
filename and the declared content type are ignored: a renamed ``.exe`` is refused), when it is not
larger in pixels than ``max_pixels`` (checked from the header, before anything is decoded, so a
small file that would expand to gigabytes — a decompression bomb — never is), and when it decodes.

What is served is re-encoded from the pixels with the orientation applied and no metadata at all,
so the GPS position and the phone's identity in the EXIF never leave the server; the original
bytes are kept untouched for the record, with the EXIF position and time read out into columns.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from gridsvc.errors import DomainError

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
THUMBNAIL_PX = 320
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4
_DATETIME, _DATETIME_ORIGINAL, _OFFSET_ORIGINAL = 306, 36867, 36881


class PhotoRefused(DomainError):
    status = 422
    code = "photo.invalid"


@dataclass
class ProcessedPhoto:
    sha256: str
    content_type: str
    extension: str
    width: int
    height: int
    size: int
    taken_at: datetime | None
    exif_lonlat: tuple[float, float] | None
    original: bytes
    served: bytes
    thumbnail: bytes


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(
            "The image has too many pixels.", code="photo.too_many_pixels", status=413
        ) from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise PhotoRefused(
            "Only JPEG, PNG and WebP photos are accepted (checked by content, not by name).",
            code="photo.unsupported_type",
            status=415,
        ) from exc
    width, height = image.size
    if width * height > max_pixels:
        raise PhotoRefused(
            f"The image has {width}×{height} pixels; at most {max_pixels:,} are accepted.",
            code="photo.too_many_pixels",
            status=413,
        )
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoRefused(
            "The image is damaged or truncated; take or send it again.", code="photo.corrupt"
        ) from exc
    return image


def _degrees(value, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    return -degrees if str(ref).upper() in ("S", "W") else degrees


def _exif_facts(image: Image.Image, zone: str) -> tuple[datetime | None, tuple | None]:
    """(taken at, (lon, lat)) from EXIF, each None when absent or unreadable."""
    exif = image.getexif()
    lonlat = None
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if gps:
        lat = _degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF))
        lon = _degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            lonlat = (lon, lat)
    details = exif.get_ifd(ExifTags.IFD.Exif)
    stamp = details.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    taken = None
    if isinstance(stamp, str):
        try:
            taken = datetime.strptime(stamp.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken = None
    if taken is not None:
        offset = details.get(_OFFSET_ORIGINAL)
        taken = taken.replace(tzinfo=_offset(offset) or ZoneInfo(zone))
    return taken, lonlat


def _offset(value) -> timezone | None:
    if not isinstance(value, str) or len(value) < 6 or value[0] not in "+-":
        return None
    try:
        hours, minutes = int(value[1:3]), int(value[4:6])
    except ValueError:
        return None
    sign = -1 if value[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _encode(image: Image.Image, fmt: str, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, icc_profile=icc)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85, icc_profile=icc)
    else:
        image.save(out, "PNG", icc_profile=icc)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white, for JPEG thumbnails of transparent PNG/WebP."""
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def process(data: bytes, *, max_pixels: int, served_max_px: int, zone: str) -> ProcessedPhoto:
    """Check ``data`` and make the served copy and thumbnail (raises :class:`PhotoRefused`)."""
    image = _open(data, max_pixels)
    fmt = image.format or ""
    content_type, extension = FORMATS[fmt]
    taken_at, lonlat = _exif_facts(image, zone)
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)  # the pixels as the photographer saw them
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())  # no metadata at all
    if upright.mode == "P":
        clean.putpalette(upright.getpalette())
        if "transparency" in upright.info:
            clean.info["transparency"] = upright.info["transparency"]
    width, height = clean.size
    try:
        served = clean.copy()
        served.thumbnail((served_max_px, served_max_px))
        thumb = _flatten(clean)
        thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        served_bytes, thumb_bytes = _encode(served, fmt, icc), _encode(thumb, "JPEG", None)
    except (OSError, ValueError) as exc:  # exotic modes (16-bit, CMYK PNG …) Pillow cannot convert
        raise PhotoRefused(
            "The image cannot be converted for display; send an ordinary camera photo.",
            code="photo.unprocessable",
        ) from exc
    return ProcessedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        size=len(data),
        taken_at=taken_at,
        exif_lonlat=lonlat,
        original=data,
        served=served_bytes,
        thumbnail=thumb_bytes,
    )
