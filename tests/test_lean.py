"""gridsvc/lean.py's check of a request's heads: the names it learns to skip never hide a header."""

from __future__ import annotations

import os
import random

import pytest

from gridsvc import lean
from gridsvc.lean import heads_within_limits

LIMITS = {"MAX_URL_BYTES": 4096, "MAX_HEADER_COUNT": 100, "MAX_HEADER_BYTES": 8000}


def _reference(environ: dict, config) -> bool:
    """The check as it was before it learned names: every environ name looked at."""
    raw = environ.get("RAW_URI")
    target = (
        len(raw) if raw else len(environ["PATH_INFO"]) + 1 + len(environ.get("QUERY_STRING", ""))
    )
    if target > config["MAX_URL_BYTES"]:
        return False
    count = longest = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            count += 1
            longest = max(longest, len(key) - 3 + len(value))
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            count += 1
    return count <= config["MAX_HEADER_COUNT"] and longest <= config["MAX_HEADER_BYTES"]


def _granian_environ(**headers: str) -> dict:
    """As Granian builds it: the process environment, its constants, then the request."""
    server = {k: v for k, v in os.environ.items() if not k.startswith("HTTP_")}  # see httpoxy below
    return {
        **server,
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SCRIPT_NAME": "",
        "SERVER_SOFTWARE": "Granian",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/v1/locate",
        "QUERY_STRING": "lon=112.8&lat=27.9",
        "SERVER_PROTOCOL": "HTTP/1.1",
        **{f"HTTP_{name}": value for name, value in headers.items()},
    }


@pytest.fixture(autouse=True)
def _nothing_learned(monkeypatch):
    monkeypatch.setattr(lean, "_NOT_HEADERS", set())


def test_the_servers_names_are_learned_and_headers_never_are():
    environ = _granian_environ(HOST="x", AUTHORIZATION="Bearer t")
    assert heads_within_limits(environ, LIMITS)
    assert {k for k in environ if not k.startswith("HTTP_")} == lean._NOT_HEADERS
    assert not any(name.startswith("HTTP_") for name in lean._NOT_HEADERS)


@pytest.mark.parametrize(
    ("change", "within"),
    [
        ({"HTTP_X_LONG": "x" * 7992}, True),  # "X_LONG: " + value: exactly the limit
        ({"HTTP_X_LONG": "x" * 7993}, False),
        ({f"HTTP_X_{i}": "1" for i in range(98)}, True),  # 98 + HOST + AUTHORIZATION = 100
        ({f"HTTP_X_{i}": "1" for i in range(99)}, False),
        ({f"HTTP_X_{i}": "1" for i in range(98)} | {"CONTENT_TYPE": "text/plain"}, False),
        ({"QUERY_STRING": "q=" + "x" * 4100}, False),
        ({"RAW_URI": "/" + "x" * 4096}, False),
    ],
)
def test_after_learning_the_limits_hold_as_before(change, within):
    heads_within_limits(_granian_environ(HOST="x", AUTHORIZATION="Bearer t"), LIMITS)  # learn
    environ = _granian_environ(HOST="x", AUTHORIZATION="Bearer t") | change
    assert heads_within_limits(environ, LIMITS) is within
    assert _reference(environ, LIMITS) is within


def test_a_header_named_like_a_variable_of_the_server_still_counts():
    # A server started with HTTP_PROXY set has it in every environ (httpoxy), as a "header".
    environ = _granian_environ(HOST="x") | {"HTTP_PROXY": "x" * 9000}
    assert heads_within_limits(environ, LIMITS) is False
    assert heads_within_limits(environ, LIMITS) is False  # learned nothing that hides it


def test_learning_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(lean, "MAX_LEARNED_NAMES", 10)
    environ = {f"NAME_{i}": "v" for i in range(50)} | {"PATH_INFO": "/", "HTTP_HOST": "x"}
    assert heads_within_limits(environ, LIMITS)
    assert len(lean._NOT_HEADERS) == 10


def test_random_heads_are_judged_as_the_reference_judges_them():
    rng = random.Random(17)
    for _ in range(3_000):
        headers = {
            f"X_{rng.randrange(150)}": "v" * rng.choice([0, 1, 50, 7990, 7994, 7995, 9000])
            for _ in range(rng.choice([0, 1, 5, 95, 99, 100, 120]))
        }
        environ = _granian_environ(**headers)
        if rng.random() < 0.3:
            environ["CONTENT_LENGTH"] = rng.choice(["", "12"])
        if rng.random() < 0.1:
            environ[f"SERVER_ODDITY_{rng.randrange(5)}"] = "1"
        assert heads_within_limits(environ, LIMITS) is _reference(environ, LIMITS)
