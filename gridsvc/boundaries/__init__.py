"""Boundaries: admin areas, grid layers, generations, uploads + validation, 多网合一 merge, locate.

The face other rooms use: locating points (``queries.locate_many``, ``generation_filter``), the
layer names, the shared request fields (``BBox``, ``LAYER_NAME``), publishing (``store``, ``import_local_file`` for loaders), one upload in the caller's scope
(``get_upload``, through the policy: its findings for the maps room), a merge's draft
(``merge_draft``, read as the merge: the maps room serves it as a file) and the
port through which a publish tells the rooms above it (``PublishListener``).
"""

from gridsvc.boundaries import queries, store
from gridsvc.boundaries.fields import LAYER_NAME, BBox, is_layer_name
from gridsvc.boundaries.handoff import PublishListener, install_publish_listener
from gridsvc.boundaries.merge_edits import merge_draft
from gridsvc.boundaries.models import ADMIN_LAYER, UNIFIED_LAYER, Generation
from gridsvc.boundaries.uploads import get_upload, import_local_file

__all__ = [
    "ADMIN_LAYER",
    "LAYER_NAME",
    "UNIFIED_LAYER",
    "BBox",
    "Generation",
    "PublishListener",
    "get_upload",
    "import_local_file",
    "install_publish_listener",
    "is_layer_name",
    "merge_draft",
    "queries",
    "store",
]
