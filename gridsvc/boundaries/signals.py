"""Signals other rooms listen to, so boundaries never import them (import direction, DESIGN §2).

``generation_published`` is sent by :func:`gridsvc.boundaries.store.publish` *inside* the publishing
transaction, after the draft became current: a receiver's writes commit or roll back together with
the publish. Receivers get keyword arguments ``generation_id``, ``number``, ``level`` and ``layer``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

generation_published = _signals.signal("generation-published")
