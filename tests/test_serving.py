"""Serving: the server as `make run` starts it survives idle clients; proxies are trusted by count.

The served-stack test starts ``python -m gridsvc.serving`` (Granian with the settings scripts/run.sh
and the container use) on a free local port against the test database, holds connections that
sent half a request line, and expects /healthz within a second. With the sync workers `make run`
once used, two such clients stopped both workers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import request

from gridsvc import create_app
from gridsvc.config import TestConfig
from tests.test_app import assert_problem

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/api/v1/auth/login"
NOBODY = {"username": "nobody", "password": "wrong-password"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthz(port: int, timeout: float) -> float:
    """Seconds /healthz took to answer 200 (raises if it did not within ``timeout``)."""
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as answer:
        assert answer.status == 200
    return time.monotonic() - started


@contextmanager
def serving(database_url: str, work: Path, up_within: float = 40, **settings: str) -> Iterator[int]:
    """The server as `make run` configures it, on a free port of its own, against
    ``database_url``: yields the port; stops its process group after. ``settings`` add to the
    environment (the console's browser tests turn off Secure cookies, run Celery eagerly)."""
    port = free_port()
    env = {
        **os.environ,
        "BIND": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "GRIDSVC_ENV": "development",
        "LOG_LEVEL": "WARNING",
        "MEDIA_DIR": str(work / "media"),
        "UPLOAD_DIR": str(work / "uploads"),
        "PYTHONPATH": str(ROOT),
        **settings,
    }
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "gridsvc.serving"]
    log = (work / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603  (our own server, fixed arguments)
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        # Importing the app takes ~3 s on an idle machine; 2 workers on 2 busy cores, 15 or more.
        deadline = time.monotonic() + up_within
        while True:
            assert process.poll() is None, (work / "server.log").read_text()[-2000:]
            try:
                healthz(port, 1)
                break
            except OSError:
                assert time.monotonic() < deadline, f"the server did not come up in {up_within} s"
                time.sleep(0.2)
        yield port
    finally:
        # SIGINT: Granian's shutdown of its main process and workers (the process group started
        # above, nothing else).
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()


@pytest.fixture
def served(tmp_path):
    """The served app on the test database, for one test."""
    with serving(TestConfig.SQLALCHEMY_DATABASE_URI, tmp_path) as port:
        yield port


def test_healthz_answers_while_clients_hold_half_a_request(served):
    held = []
    try:
        # More half-sent requests than the workers have threads (2 x WEB_THREADS 4): they wait
        # in the server's reader, not in the app's threads.
        for _ in range(12):
            client = socket.create_connection(("127.0.0.1", served), timeout=2)
            client.sendall(b"GET /heal")  # half a request line, then nothing
            held.append(client)
        time.sleep(0.5)  # let the workers pick them up
        for _ in range(3):
            assert healthz(served, timeout=1) < 1
    finally:
        for client in held:
            client.close()


# --- X-Forwarded-For: believed from PROXY_HOPS proxies, never by default ---------------------


class _Behind(TestConfig):
    LOGIN_RATE_LIMIT = "2 per minute"


def app_behind(hops: int):
    class Config(_Behind):
        PROXY_HOPS = hops

    app = create_app(Config)

    @app.get("/whoami")
    def whoami():
        return {"addr": request.remote_addr, "scheme": request.scheme}

    return app


def login(client, forwarded_for: str, proxy: str = "10.0.0.2"):
    return client.post(
        LOGIN,
        json=NOBODY,
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": proxy},
    )


def test_without_proxies_the_header_is_ignored(app):
    client = app_behind(0).test_client()
    seen = client.get(
        "/whoami",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "198.51.100.1"},
    ).get_json()
    assert seen == {"addr": "198.51.100.1", "scheme": "http"}
    # A client naming a new address each time still has one bucket: its own.
    statuses = [login(client, f"192.0.2.{n}", proxy="198.51.100.1").status_code for n in (1, 2)]
    assert statuses == [401, 401]
    assert_problem(login(client, "192.0.2.3", proxy="198.51.100.1"), 429, "request.rate_limited")


def test_behind_one_proxy_each_client_has_its_own_limit(app):
    client = app_behind(1).test_client()
    seen = client.get(
        "/whoami",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    ).get_json()
    assert seen == {"addr": "203.0.113.7", "scheme": "https"}

    assert [login(client, "203.0.113.7").status_code for _ in range(2)] == [401, 401]
    # Another client behind the same proxy is not throttled by the first one's attempts ...
    assert login(client, "198.51.100.9").status_code == 401
    # ... and the first cannot escape its own by prepending an address: nginx appends the real
    # one, and only the last hop is believed.
    assert_problem(login(client, "192.0.2.50, 203.0.113.7"), 429, "request.rate_limited")


# --- request heads too large: problem+json from the app, below the server's own limits --------


def raw_request(port: int, head: bytes) -> tuple[int, dict, bytes]:
    """Send a request head as bytes (urllib would refuse some of them); status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head + b"\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head_part, _, body = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_oversized_heads_are_problem_json_from_the_served_app(served):
    close = b"Host: x\r\nConnection: close"
    long_url = b"/api/v1/areas?q=" + b"a" * 6000
    status, headers, body = raw_request(served, b"GET " + long_url + b" HTTP/1.1\r\n" + close)
    assert (status, headers["content-type"]) == (414, "application/problem+json")
    assert b'"code":"request.uri_too_long"' in body

    big = b"X-Big: " + b"b" * 10_000
    status, headers, body = raw_request(
        served, b"GET /healthz HTTP/1.1\r\n" + close + b"\r\n" + big
    )
    assert (status, headers["content-type"]) == (431, "application/problem+json")
    assert b'"code":"request.headers_too_large"' in body

    many = b"\r\n".join(b"X-N%d: 1" % n for n in range(95))
    status, headers, body = raw_request(
        served, b"GET /healthz HTTP/1.1\r\n" + close + b"\r\n" + many
    )
    assert (status, headers["content-type"]) == (431, "application/problem+json")

    # Past the 100 fields Granian's parser takes, the server refuses by itself: still 431, but
    # without a body (only a client built to probe sends that many).
    too_many = b"\r\n".join(b"X-N%d: 1" % n for n in range(150))
    status, _headers, _body = raw_request(
        served, b"GET /healthz HTTP/1.1\r\n" + close + b"\r\n" + too_many
    )
    assert status == 431


def test_head_limits_sit_below_the_server_s(app):
    from gridsvc.serving import settings

    buffer = settings()["http1_settings"].max_buffer_size
    assert app.config["MAX_URL_BYTES"] + app.config["MAX_HEADER_BYTES"] < buffer
    assert app.config["MAX_HEADER_COUNT"] < 100  # the header fields Granian's parser takes
