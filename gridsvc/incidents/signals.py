"""Signals other rooms subscribe to (blinker, through Flask's namespace).

``incidents_reported`` is sent once per request that created incidents — a single report or an
offline batch — inside the request's transaction, after the rows and their ``reported`` events are
written and before the response is serialised. Receivers get the new :class:`Incident` objects
(attached to the session, so setting ``incident.routing`` or recording events lands in the same
commit and in the response). Replays of earlier reports are not sent again.

    @incidents_reported.connect
    def route(sender, incidents, actor_id, source): ...
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

incidents_reported = _signals.signal("incidents-reported")
