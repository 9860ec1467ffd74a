"""Per-connection limits on what the database may spend on one statement, by kind of process.

A web request must not run unbounded SQL: one slow statement holds a request thread (a worker has
``WEB_THREADS`` of them) and a pooled connection until it ends, and Granian never kills a request
(gridsvc/serving.py). So the app that serves HTTP (``create_app(web=True)``, gridsvc/wsgi.py)
opens its connections with ``statement_timeout`` set once, as a connect option: no round trip per
request, and every statement on the connection is bounded, the lean paths' and the tile pool's
(gridsvc/maps/render.py) included.

Long work must not get the web limit: Celery tasks (publishes, imports, settlement), the CLI
and migrations build the app without ``web`` and run with ``JOB_STATEMENT_TIMEOUT_MS`` (default
0: not set by the app, so the server's or the role's own setting applies). The locate index's
build process (gridsvc/boundaries/index_build.py) connects by URL alone and so never carries it.
A task run eagerly inside a request (CELERY_TASK_ALWAYS_EAGER=1, tests and dry runs) shares the
request's connection and so its limit.

A cancelled statement (SQLSTATE 57014) is answered 503 ``server.database_timeout`` with
Retry-After (gridsvc/errors.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

QUERY_CANCELED = "57014"  # statement_timeout, pg_cancel_backend, a client's cancel


def session_settings(config: dict, *, web: bool) -> dict[str, int]:
    """The server settings (milliseconds) the app's connections start with; 0 leaves one unset."""
    if web:
        settings = {
            "statement_timeout": config["DB_STATEMENT_TIMEOUT_MS"],
            "idle_in_transaction_session_timeout": config["DB_IDLE_IN_TRANSACTION_TIMEOUT_MS"],
        }
    else:
        settings = {"statement_timeout": config["JOB_STATEMENT_TIMEOUT_MS"]}
    for name, value in settings.items():
        if value < 0:
            raise RuntimeError(f"{name} must be 0 (off) or a number of milliseconds, not {value}")
    return {name: value for name, value in settings.items() if value}


def merge_options(*parts: str | None) -> str:
    """libpq ``options`` strings joined; a later ``-c name=value`` wins over an earlier one."""
    return " ".join(part.strip() for part in parts if part and part.strip())


def engine_options(config: dict, *, web: bool) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with the limits added to ``connect_args["options"]``.

    A copy: the Config class's dict is shared by every app of the process (tests build many).
    Options already given, in the database URL's query or in ``connect_args``, are kept (the
    connect_args replace the URL's for libpq, so both are merged here, the limits last).
    """
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    url_options = make_url(config["SQLALCHEMY_DATABASE_URI"]).query.get("options")
    if isinstance(url_options, tuple):  # a key given twice in the query
        url_options = " ".join(url_options)
    limits = " ".join(
        f"-c {name}={value}" for name, value in session_settings(config, web=web).items()
    )
    merged = merge_options(url_options, connect_args.get("options"), limits)
    if merged:
        connect_args["options"] = merged
    options["connect_args"] = connect_args
    return options
