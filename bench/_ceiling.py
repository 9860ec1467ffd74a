"""A WSGI callable that answers every request 304 and does nothing else: served by Granian with
our settings it is the server's ceiling, what no app behind it can beat on this machine
(bench/cached_tile.py)."""

from __future__ import annotations


def app(environ, start_response):
    if environ["PATH_INFO"] == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    start_response("304 NOT MODIFIED", [("ETag", '"ceiling"'), ("Vary", "Authorization")])
    return []
