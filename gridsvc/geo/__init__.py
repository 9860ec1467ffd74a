"""Pure geometry: reading boundary files safely, CRS, validation, merging, partitions.

Importing this package pins GDAL's configuration before pyogrio can load GDAL: the VRT driver
(which can read any file on disk) and every network driver are skipped, and /vsicurl-style remote
access is disabled, so an uploaded file can only ever be read as what it claims to be.
"""

import os

# Drivers that reach other files, the network or other programs (names as GDAL 3.12 spells them;
# GDAL warns about names it does not know, so the list holds only drivers the wheels ship).
_REMOTE_AND_INDIRECT_DRIVERS = (
    "VRT OGR_VRT GDALG ADBC GPSBabel HTTP WFS OAPIF OGCAPI CSW Elasticsearch AmigoCloud Carto "
    "EEDA NGW PLSCENES WMS WMTS WCS"
)
os.environ["GDAL_SKIP"] = _REMOTE_AND_INDIRECT_DRIVERS
os.environ["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = ".none"
os.environ["GDAL_HTTP_TIMEOUT"] = "1"
os.environ["GDAL_DISABLE_READDIR_ON_OPEN"] = "EMPTY_DIR"
os.environ["OGR_GEOJSON_MAX_OBJ_SIZE"] = "200MB"
