"""Incidents room: categories, reporting (idempotent, offline batch), photos, duplicates, audit trail."""
