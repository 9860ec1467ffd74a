"""Request fields other rooms reuse: a lon/lat box and a grid layer's name."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

LAYER_NAME = validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$", error="lower-case letters, digits, _")


def is_layer_name(value: str) -> bool:
    """Whether ``value`` passes ``LAYER_NAME`` (the lean paths judge a query without webargs)."""
    try:
        LAYER_NAME(value)
    except ValidationError:
        return False
    return True


class BBox(fields.Field):
    """``minlon,minlat,maxlon,maxlat`` in EPSG:4326."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parts = [float(v) for v in str(value).split(",")]
        except ValueError as exc:
            raise ValidationError("four numbers: minlon,minlat,maxlon,maxlat") from exc
        if len(parts) != 4:
            raise ValidationError("four numbers: minlon,minlat,maxlon,maxlat")
        x0, y0, x1, y1 = parts
        if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
            raise ValidationError("not a valid lon/lat box (min < max, within range)")
        return parts
