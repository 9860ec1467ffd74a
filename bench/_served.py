"""The app as production serves it, for benchmarks: Granian with gridsvc/serving.py's settings (2
workers unless WEB_CONCURRENCY says otherwise) on a loopback port, against a bench database.

Benchmarks that time the app over HTTP use this rather than werkzeug's development server, whose
per-request cost (one thread per connection, its own HTTP parser) is not what clients meet.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def served(
    database_uri: str,
    port: int,
    jwt_secret: str,
    app_module: str = "gridsvc.wsgi:app",
    root: Path = ROOT,
    **env: str,
) -> Iterator[int]:
    """Serve ``app_module`` (the app) on ``port`` until the block ends; yields the port.

    ``root``: the source tree to serve (another checkout: a before/after comparison in one run).

    ``env`` adds settings (``TILE_CACHE_ENTRIES="0"``); the access log goes to a file under
    /tmp as it would go to a file or journald in production (a terminal would time its own
    scrolling).
    """
    log = Path(f"/tmp/gridsvc-bench-served-{port}.log")  # noqa: S108  (a bench's own log)
    settings = {
        **os.environ,
        "DATABASE_URL": database_uri,
        "JWT_SECRET_KEY": jwt_secret,
        "PORT": str(port),
        "BIND": "127.0.0.1",
        **env,
    }
    # gridsvc.serving's settings with another target: the bench's empty ceiling app is served
    # exactly as the real one is.
    command = [
        sys.executable,
        "-c",
        "import sys; from granian import Granian; from gridsvc.serving import settings;"
        " Granian(**{**settings(), 'target': sys.argv[1]}).serve()",
        app_module,
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=root, env=settings, stdout=out, stderr=out)  # noqa: S603
    try:
        _wait_until_up(port, server)
        yield port
    finally:
        server.send_signal(signal.SIGINT)  # Granian's shutdown
        server.wait(timeout=30)


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server on :{port} exited ({server.returncode}); see its log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on :{port} did not answer /healthz within 60 s")
