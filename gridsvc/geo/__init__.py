"""Pure geometry: reading boundary files safely, CRS, validation, merging.

Importing this package pins GDAL's configuration before pyogrio loads GDAL (``gridsvc/__init__``
imports it first for that reason), because uploaded files are hostile input and GDAL will happily
follow what they say:

- drivers that read *other* files, programs or servers are never registered (``GDAL_SKIP`` is only
  read when GDAL registers its drivers, hence "before pyogrio"): VRT (a ``.geojson`` that is really
  ``<OGRVRTDataSource>`` could read any file on disk), GDALG / ADBC / GPSBabel, and every
  network driver (WFS, OGC API, Elasticsearch, …);
- ``/vsicurl`` and GDAL's HTTP client go nowhere: the allowed-extension list matches no file and
  every request is sent to a proxy on the discard port, so a GeoJSON ``crs`` link (which GDAL
  fetches while opening the file) cannot reach an internal service. ``NO_PROXY`` in the
  environment would exempt its hosts, so :mod:`gridsvc.geo.files` also refuses such links
  before GDAL sees them;
- no directory listing on open, no SQLite functions that reach outside the file, no PROJ grid
  downloads, and a cap on the size of one GeoJSON object.

:mod:`gridsvc.geo.files` refuses to read anything if these drivers turn out to be registered anyway
(pyogrio imported first).
"""

import os

REMOTE_AND_INDIRECT_DRIVERS = (
    "VRT OGR_VRT GDALG ADBC AIVector GPSBabel HTTP WFS OAPIF OGCAPI CSW Elasticsearch AmigoCloud "
    "Carto EEDA EEDAI NGW PLSCENES PLMosaic WMS WMTS WCS DAAS STACIT STACTA"
)
GDAL_LOCKDOWN = {
    "GDAL_SKIP": REMOTE_AND_INDIRECT_DRIVERS,
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".gridsvc-no-remote-files",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/gridsvc-no-remote-files",
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_NETRC": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "OGR_GEOJSON_MAX_OBJ_SIZE": "64MB",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "LIBKML_RESOLVE_STYLE": "NO",
    "PROJ_NETWORK": "OFF",
}
os.environ.update(GDAL_LOCKDOWN)
