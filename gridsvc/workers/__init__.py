"""Grid workers (网格员): profiles, grid assignments with history, patrol tracks.

The face other rooms use: whose grids are whose (``assigned_grid_codes``, ``GridAssignment``), the
patrol track ingest that offline sync shares (``ingest_track_points``), and ``FollowBoundaries``,
the boundaries room's publish listener that the app factory installs; a township's patrol figures
of one day (``township_summary``), which assessment adds up over a period.
"""

from gridsvc.workers.models import GridAssignment
from gridsvc.workers.patrols import township_summary
from gridsvc.workers.service import assigned_grid_codes
from gridsvc.workers.tracks import ingest_track_points
from gridsvc.workers.vacancies import FollowBoundaries

__all__ = [
    "FollowBoundaries",
    "GridAssignment",
    "assigned_grid_codes",
    "ingest_track_points",
    "township_summary",
]
