"""Incidents: categories, reporting (idempotent, offline batch), photos, duplicates, audit trail.

The face other rooms use: the rows (``Incident``, ``IncidentPhoto``, ``Category``, ``STATUSES``),
the audit trail (``record_event``), reading one incident in scope (``get_incident``,
``incident_etag``), who reads incidents at all (``INCIDENT_READERS``) and
the SQL condition of what a caller may read (``visible_incidents``, for the
maps room's tiles and features), duplicate decisions (``duplicates``), and the port through which
a filed report is handed to routing (``Router``, ``Filing``, ``install_router``).
"""

from gridsvc.incidents import duplicates
from gridsvc.incidents.events import record_event
from gridsvc.incidents.handoff import Filing, Router, install_router
from gridsvc.incidents.models import STATUSES, Category, Incident, IncidentPhoto
from gridsvc.incidents.queries import INCIDENT_READERS, get_incident, incident_etag
from gridsvc.incidents.queries import visible as visible_incidents

__all__ = [
    "INCIDENT_READERS",
    "STATUSES",
    "Category",
    "Filing",
    "Incident",
    "IncidentPhoto",
    "Router",
    "duplicates",
    "get_incident",
    "incident_etag",
    "install_router",
    "record_event",
    "visible_incidents",
]
