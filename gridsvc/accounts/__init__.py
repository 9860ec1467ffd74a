"""Accounts: users, roles, scopes, the authorization policy, login/refresh/revoke.

The face other rooms use: who the caller is and what they may see (``Scope``, ``current_scope``,
``roles_required``), the one authorization policy every room asks (``policy``, docs/ROLES.md), the
``User`` row and its roles, ``SHELL_SCOPE`` for CLI commands, and the port through which a user's
``team_id`` is checked by the teams' owner (``TeamRoster``, ``install_team_roster``).
"""

from gridsvc.accounts import policy
from gridsvc.accounts.auth import current_scope, roles_required, utcnow
from gridsvc.accounts.handoff import TeamRoster, install_team_roster
from gridsvc.accounts.models import ROLES, TOWNSHIP_ROLES, User
from gridsvc.accounts.scope import SHELL_SCOPE, Scope

__all__ = [
    "ROLES",
    "SHELL_SCOPE",
    "TOWNSHIP_ROLES",
    "Scope",
    "TeamRoster",
    "User",
    "current_scope",
    "install_team_roster",
    "policy",
    "roles_required",
    "utcnow",
]
