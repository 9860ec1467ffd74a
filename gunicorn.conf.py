"""gunicorn's settings, one file for every way gridsvc is served.

Read by ``make run`` (scripts/run.sh), the container's ``web`` role (scripts/docker-entrypoint.sh)
and tests/test_serving.py, which holds half-sent requests open against it and expects /healthz
to answer. Everything comes from the environment, with the defaults below.

Slow and idle clients: a sync worker serves one connection at a time, so two clients that send half
a request line stop two workers, and with them the service. A gthread worker serves from a pool
of ``threads``: a connection that sends nothing waits in the worker's poller without a thread,
and one that sends part of a request holds one thread, not the worker. That bounds what a few
slow clients can do; many are nginx's job (deploy/nginx.conf, in front in production), which
reads whole requests, with timeouts, before gunicorn sees them.
"""

from __future__ import annotations

import os


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


# 127.0.0.1 unless opened on purpose (BIND=0.0.0.0): `make run` serves the demo county, with
# its well-known passwords, on a developer's machine. The container sets 0.0.0.0 for itself:
# there only nginx's port is published.
bind = [f"{_env('BIND', '127.0.0.1')}:{_env('PORT', '8000')}"]
workers = int(_env("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(_env("GUNICORN_THREADS", "8"))
# A request running longer than this is killed (the worker restarts): 60 s covers the largest
# synchronous work (a 10,000-point locate, an export).
timeout = int(_env("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
# How long an idle keep-alive connection, or one whose request has not fully arrived, is kept.
keepalive = int(_env("GUNICORN_KEEPALIVE", "5"))
# X-Forwarded-Proto from these addresses sets the scheme (the app's ProxyFix, PROXY_HOPS, does
# the same for X-Forwarded-For).
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1")
loglevel = _env("LOG_LEVEL", "info").lower()
# Request heads: gunicorn refuses what exceeds these in HTML, so they sit above the app's own
# limits (MAX_URL_BYTES 4096, MAX_HEADER_BYTES 8000, MAX_HEADER_COUNT 100), which answer 414 /
# 431 as problem+json; 8190 is the longest request line gunicorn allows. Behind nginx
# (deploy/nginx.conf) its 8k header buffers refuse first, in problem+json too.
limit_request_line = 8190
limit_request_field_size = 16380
limit_request_fields = 200
