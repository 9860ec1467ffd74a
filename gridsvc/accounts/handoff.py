"""The hand-off from an account's ``team_id`` to whoever owns the teams: a port the app factory wires.

A user row carries the id of its team, but teams belong to routing's directory, a room above
accounts (DESIGN.md §2). So accounts declares what it needs — :class:`TeamRoster`, "may this
account be a member of that team, as this caller?" — and routing implements it with the same rule
``POST /teams/{id}/members`` follows. Without the port a ``team_id`` would be taken on trust, and
an admin of one county could put its users into another county's team (and read its queue).
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app

from gridsvc.accounts.scope import Scope

EXTENSION_KEY = "gridsvc.accounts.team_roster"


class TeamRoster(Protocol):
    def admit(
        self,
        scope: Scope,
        team_id: int,
        *,
        role: str,
        county_code: str | None,
        township_code: str | None,
    ) -> None:
        """Raise unless the caller may make such an account a member of ``team_id``.

        A team the caller cannot see answers as one that does not exist (422 on ``team_id``).
        """
        ...


def install_team_roster(app: Flask, roster: TeamRoster) -> None:
    app.extensions[EXTENSION_KEY] = roster


def team_roster() -> TeamRoster:
    """The installed roster; an app built without one is a wiring mistake, not a silent skip."""
    try:
        return current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "no accounts TeamRoster installed (create_app wires routing's)"
        ) from None
