"""Tile arithmetic and decoding shared by the maps tests."""

from __future__ import annotations

import math

import mapbox_vector_tile
import shapely
from shapely.geometry import shape

EXTENT, BUFFER = 4096, 64


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a WGS 84 point (the slippy-map formula)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n)
    return x, y


def decode(body: bytes) -> dict[str, list[dict]]:
    """Layer name -> features, geometry as shapely in tile units (y down, as MVT stores it)."""
    layers = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    return {
        name: [{**f, "shape": shape(f["geometry"])} for f in layer["features"]]
        for name, layer in layers.items()
    }


def tile_square() -> shapely.Polygon:
    """The tile with its buffer, in tile units."""
    return shapely.box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
