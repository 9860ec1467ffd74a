"""Accounts: users, roles, scopes, login/refresh/revoke."""
