"""How gridsvc is served: Granian (a Rust HTTP server) running the WSGI app, for every way it runs.

``python -m gridsvc.serving`` is what ``make run`` (scripts/run.sh), the container's ``web`` role
(scripts/docker-entrypoint.sh), the benches (bench/_common.py) and tests/test_serving.py start.
Everything comes from the environment, with the defaults below.

Why Granian and not gunicorn: measured on the 2-core machine through HTTP (bench/edge.py,
bench/README.md), the same app answered ``GET /locate`` about 1.6 times as fast under Granian as
under gunicorn's gthread workers, because reading requests, keep-alive and writing responses
happen in Rust instead of in Python threads that share a lock with the app.

Slow and idle clients: connections are read by Granian's async Rust runtime, so a client that
sends half a request holds no Python thread; the app's threads only run complete requests. A
request head must arrive within ``HEADER_READ_TIMEOUT_MS``. Many slow clients are still nginx's
job (deploy/nginx.conf, in front in production).

No request timeout: Granian 2.8 has none to configure (``granian --help`` lists timeouts for
reading a request head, HTTP/2 pings, idle blocking threads and killing stopping workers only;
its maintainers declined one, emmett-framework/granian#177, as a WSGI call cannot be stopped
from outside). Unlike gunicorn, nothing kills a request that runs too long. What bounds one:
the web app's statement timeout on every database statement (``DB_STATEMENT_TIMEOUT_MS``,
15 s by default, gridsvc/dblimits.py; answered 503 ``server.database_timeout``), and nginx's
read timeout for what a client waits. Python work between statements is not bounded.
"""

from __future__ import annotations

import os

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def settings() -> dict:
    """Granian's arguments from the environment."""
    return {
        "target": "gridsvc.wsgi:app",
        "interface": Interfaces.WSGI,
        # 127.0.0.1 unless opened on purpose (BIND=0.0.0.0): `make run` serves the demo county,
        # with its well-known passwords, on a developer's machine. The container sets 0.0.0.0.
        "address": _env("BIND", "127.0.0.1"),
        "port": int(_env("PORT", "8000")),
        "workers": int(_env("WEB_CONCURRENCY", "2")),
        # Python threads per worker running requests: enough to overlap database waits (a
        # report waits on its commit), few enough not to fight over the interpreter lock.
        "blocking_threads": int(_env("WEB_THREADS", "4")),
        "http1_settings": HTTP1Settings(
            header_read_timeout=int(_env("HEADER_READ_TIMEOUT_MS", "10000")),
            keep_alive=True,
            # Above the app's own limits (MAX_URL_BYTES 4096, MAX_HEADER_BYTES 8000), which
            # answer 414 / 431 as problem+json; nginx's 8k header buffers refuse first.
            max_buffer_size=64 * 1024,
        ),
        "log_level": LogLevels(_env("LOG_LEVEL", "info").lower()),
        "log_access": False,  # the app logs every request itself (gridsvc/logs.py), as JSON
        "workers_kill_timeout": int(_env("GRACEFUL_TIMEOUT", "20")),
        "respawn_failed_workers": True,
    }


def main() -> None:
    Granian(**settings()).serve()


if __name__ == "__main__":
    main()
