"""Photos of an incident: checked by content, cleaned, stored once, shown only within scope.

Who may add which kind follows the case loop: the grid worker documents (``report``) and checks
the fix (``verification``); the enforcement side documents its work (``evidence``, which the
routing room will require before ``resolve``); dispatchers and admins may add any kind.
"""

from __future__ import annotations

import hashlib
from typing import BinaryIO

import shapely
from flask import current_app
from sqlalchemy import select, text

from gridsvc.accounts import Scope
from gridsvc.errors import Conflict, Forbidden, NotFound, TooLarge
from gridsvc.extensions import db
from gridsvc.geo.convert import to_wkb_hex
from gridsvc.incidents import images
from gridsvc.incidents.events import record_event
from gridsvc.incidents.models import PHOTO_KINDS, Incident, IncidentPhoto
from gridsvc.incidents.storage import media_storage

KINDS_BY_ROLE = {
    "grid_worker": ("report", "verification"),
    "officer": ("report", "evidence"),
    "team_lead": ("report", "evidence", "verification"),
    "department_handler": ("evidence",),
    "county_dispatcher": PHOTO_KINDS,
    "supervisor": ("verification",),
    "admin": PHOTO_KINDS,
}

INSERT_PHOTO_SQL = text(
    "INSERT INTO incident_photos (incident_id, county_code, township_code, kind, sha256,"
    " content_type, width, height, bytes, taken_at, exif_geom, original_key, served_key,"
    " thumbnail_key, uploaded_by)"
    " VALUES (:incident_id, :county, :township, :kind, :sha, :ctype, :w, :h, :size, :taken,"
    " ST_GeomFromEWKB(decode(:exif, 'hex')), :original, :served, :thumb, :user)"
    " ON CONFLICT (incident_id, sha256) DO NOTHING RETURNING id"
)


def _read_capped(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(
            f"The photo is larger than {limit // (1024 * 1024)} MiB; send a smaller one.",
            code="photo.too_large",
            limit_bytes=limit,
        )
    return data


def _by_hash(incident_id: int, sha: str) -> IncidentPhoto | None:
    return db.session.scalar(
        select(IncidentPhoto).where(
            IncidentPhoto.incident_id == incident_id, IncidentPhoto.sha256 == sha
        )
    )


def add_photo(
    scope: Scope, incident: Incident, kind: str, stream: BinaryIO
) -> tuple[IncidentPhoto, bool]:
    """Attach a photo; returns (photo, created). The same bytes again return the first photo."""
    if kind not in KINDS_BY_ROLE.get(scope.role, ()):
        raise Forbidden(
            f"A {scope.role} cannot add {kind} photos.",
            code="photo.kind_forbidden",
        )
    config = current_app.config
    data = _read_capped(stream, config["PHOTO_MAX_BYTES"])
    sha = hashlib.sha256(data).hexdigest()
    existing = _by_hash(incident.id, sha)
    if existing is not None:
        return existing, False
    if incident.photo_count >= config["PHOTO_MAX_PER_INCIDENT"]:
        raise Conflict(
            f"An incident holds at most {config['PHOTO_MAX_PER_INCIDENT']} photos.",
            code="photo.too_many",
        )
    photo = images.process(
        data,
        max_pixels=config["PHOTO_MAX_PIXELS"],
        served_max_px=config["PHOTO_SERVED_MAX_PX"],
        zone=config["DISPLAY_TZ"],
    )
    storage = media_storage()
    base = f"photos/{sha[:2]}/{sha}"
    keys = {
        "original": f"{base}/original.{photo.extension}",
        "served": f"{base}/served.{photo.extension}",
        "thumb": f"{base}/thumbnail.jpg",
    }
    storage.put(keys["original"], photo.original, photo.content_type)
    storage.put(keys["served"], photo.served, photo.content_type)
    storage.put(keys["thumb"], photo.thumbnail, "image/jpeg")
    exif = None
    if photo.exif_lonlat is not None:
        exif = to_wkb_hex(shapely.Point(*photo.exif_lonlat))
    row = db.session.execute(
        INSERT_PHOTO_SQL,
        {
            "incident_id": incident.id,
            "county": incident.county_code,
            "township": incident.township_code,
            "kind": kind,
            "sha": sha,
            "ctype": photo.content_type,
            "w": photo.width,
            "h": photo.height,
            "size": photo.size,
            "taken": photo.taken_at,
            "exif": exif,
            "original": keys["original"],
            "served": keys["served"],
            "thumb": keys["thumb"],
            "user": scope.user_id,
        },
    ).first()
    if row is None:  # the same photo arrived twice at once; the other request won
        return _by_hash(incident.id, sha), False
    record_event(
        incident,
        "photo_added",
        actor_id=scope.user_id,
        evidence={"photo_id": row.id, "kind": kind, "sha256": sha},
    )
    # The incident changed (its photo count), so its version and the feed's change_seq move on.
    db.session.execute(
        text(
            "UPDATE incidents SET photo_count = photo_count + 1, version = version + 1"
            " WHERE id = :id"
        ),
        {"id": incident.id},
    )
    db.session.expire(incident)
    return db.session.get(IncidentPhoto, row.id), True


def list_photos(incident: Incident) -> list[IncidentPhoto]:
    return list(
        db.session.scalars(
            select(IncidentPhoto)
            .where(IncidentPhoto.incident_id == incident.id)
            .order_by(IncidentPhoto.id)
        )
    )


def get_photo(incident: Incident, photo_id: int) -> IncidentPhoto:
    photo = db.session.scalar(
        select(IncidentPhoto).where(
            IncidentPhoto.id == photo_id, IncidentPhoto.incident_id == incident.id
        )
    )
    if photo is None:
        raise NotFound(f"photo {photo_id} not found", code="photo.not_found")
    return photo


def read_variant(photo: IncidentPhoto, variant: str) -> tuple[bytes, str]:
    """(bytes, content type) of the served copy or the thumbnail; the original is never served."""
    if variant == "thumbnail":
        return media_storage().get(photo.thumbnail_key), "image/jpeg"
    return media_storage().get(photo.served_key), photo.content_type
