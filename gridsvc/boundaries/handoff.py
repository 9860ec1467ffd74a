"""The hand-off from a publish to whoever follows boundary changes: a port the app factory wires.

Boundaries sits below workers (DESIGN.md §2) and never imports them. ``publish`` calls every
installed :class:`PublishListener` *inside* the publishing transaction, after the draft became
current, so a listener's writes (workers' assignments following the new grids) commit or roll back
with the publish.
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app

EXTENSION_KEY = "gridsvc.boundaries.publish_listeners"


class PublishListener(Protocol):
    def generation_published(
        self, *, generation_id: int, number: int, level: str, layer: str
    ) -> None:
        """React to a newly published generation, in the publishing transaction."""
        ...


def install_publish_listener(app: Flask, listener: PublishListener) -> None:
    app.extensions.setdefault(EXTENSION_KEY, []).append(listener)


def publish_listeners() -> list[PublishListener]:
    return list(current_app.extensions.get(EXTENSION_KEY, ()))
