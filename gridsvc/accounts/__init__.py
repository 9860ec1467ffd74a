"""Accounts: users, roles, scopes, login/refresh/revoke.

The face other rooms use: who the caller is and what they may see (``Scope``, ``current_scope``,
``roles_required``), the ``User`` row and its roles, and ``SHELL_SCOPE`` for CLI commands.
"""

from gridsvc.accounts.auth import current_scope, roles_required, utcnow
from gridsvc.accounts.models import ROLES, TOWNSHIP_ROLES, User
from gridsvc.accounts.scope import SHELL_SCOPE, Scope

__all__ = [
    "ROLES",
    "SHELL_SCOPE",
    "TOWNSHIP_ROLES",
    "Scope",
    "User",
    "current_scope",
    "roles_required",
    "utcnow",
]
