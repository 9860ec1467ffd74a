"""Looking inside a boundary file before uploading it: the console's field pickers.

The file goes through the upload's own size cap and safe reader, in a private folder that is
removed before the answer: nothing is kept, nothing is queued.
"""

from __future__ import annotations

import shutil

from gridsvc.accounts import Scope, policy
from gridsvc.boundaries.uploads import read_limits, save_stream
from gridsvc.geo.columns import describe_file


def inspect_upload(scope: Scope, stream, filename: str, form: dict) -> dict:
    """Columns, samples, detected roles, layers, CRS and feature count of a file (not stored).

    Scoped as an upload's first step: only boundary editors, in their own county.
    """
    policy.boundary_work(
        scope,
        policy.WRITE,
        county=scope.county_code,
        townships=(scope.township_code,),
        level=None,
    )
    path, _size, _sha256 = save_stream(stream, filename)
    try:
        return describe_file(
            path,
            crs=form.get("crs"),
            encoding=form.get("encoding"),
            limits=read_limits(),
            layer=form.get("layer_name"),
        )
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
