"""Telling people and systems: the in-app inbox, signed webhooks, and who the recipients are.

Notices are rows written in the caller's transaction (``notify``); webhooks are delivered later
by a Celery task (``webhooks.deliver_due``).
"""
