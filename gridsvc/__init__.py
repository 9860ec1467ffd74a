"""gridsvc: the grid-management backend (多网合一 boundaries, grid workers, incidents, routing).

``gridsvc.geo`` is imported first on purpose: it pins GDAL's configuration (no VRT, no network drivers)
before anything else can load pyogrio and register GDAL's drivers with their defaults.
"""

from gridsvc import geo as _geo  # noqa: F401  (side effect: GDAL hardening, must run first)
from gridsvc.app import create_app

__all__ = ["create_app"]
