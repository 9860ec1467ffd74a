"""Reads an OGC API - Features service with GDAL's OAPIF driver and prints what it found as JSON.

Run as its own process by tests/maps/test_ogc_clients.py: the service's own process (and so the
test's) never registers GDAL's network drivers (gridsvc/geo sets GDAL_SKIP before GDAL loads),
so GDAL the client must live in a process that never imported gridsvc.

    python oapif_client.py URL LAYER PAGE_SIZE   (credentials: GDAL_HTTP_AUTH, GDAL_HTTP_USERPWD)
"""

from __future__ import annotations

import json
import sys

import pyogrio
import pyogrio.raw


def main(url: str, layer: str, page_size: str) -> None:
    layers = [str(name) for name, _kind in pyogrio.list_layers(f"OAPIF:{url}")]
    _meta, _fids, geometry, fields = pyogrio.raw.read(
        f"OAPIF:{url}", layer=layer, columns=["code", "area_m2"], PAGE_SIZE=page_size
    )
    print(
        json.dumps(
            {
                "layers": layers,
                "codes": [str(c) for c in fields[0]],
                "areas": [float(a) for a in fields[1]],
                "geometries": sum(g is not None for g in geometry),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
