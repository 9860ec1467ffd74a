"""Application factory: config -> extensions -> blueprints -> error handlers -> CLI.

The factory imports the rooms inside its steps, not at the top: importing ``gridsvc.app`` (which
``gridsvc/__init__`` does) then loads no room, so a room's modules never import a half-built
package, and each step says what it registers.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, jsonify, send_from_directory
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from gridsvc import dblimits, errors, inputs, jobs, logs
from gridsvc.config import Config, check_production_secrets
from gridsvc.extensions import api, db, jwt, limiter, migrate
from gridsvc.i18n import install_language_headers
from gridsvc.jsonio import OrjsonProvider

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: type[Config] | Config | dict | None = None, *, web: bool = False) -> Flask:
    """Build the app; ``config`` is a Config class/instance or a dict of overrides.

    ``web``: the app serves HTTP (gridsvc/wsgi.py), so its database connections carry the web
    statement timeout; without it (Celery, the CLI, migrations) they carry the jobs' limit
    (gridsvc/dblimits.py).
    """
    app = Flask(__name__)
    app.json_provider_class = OrjsonProvider
    app.json = OrjsonProvider(app)
    _load_config(app, config)
    check_production_secrets(app.config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dblimits.engine_options(app.config, web=web)
    logs.configure_logging(app.config["LOG_LEVEL"])

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, compare_type=True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    api.init_app(app)
    jobs.init_celery(app)
    _register_models()
    _wire_handoffs(app)
    _register_blueprints(app)
    errors.register_error_handlers(app)
    install_language_headers(app)
    logs.install_request_logging(app)
    inputs.install_input_checks(app)
    _register_cli(app)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_HOPS proxies, the client is who the last of them says it is.

    Per-address limits (login) and logs then see the real client, not the proxy; with no proxy
    configured the headers are ignored, so a client cannot pick its own address.
    """
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _load_config(app: Flask, config: type[Config] | Config | dict | None) -> None:
    base = config if config is not None and not isinstance(config, dict) else Config
    app.config.from_object(base)
    if isinstance(config, dict):
        app.config.update(config)
    for key in ("MEDIA_DIR", "UPLOAD_DIR"):
        os.makedirs(app.config[key], exist_ok=True)


def _register_models() -> None:
    # Importing the models registers their tables on db.metadata (Alembic autogenerate reads it).
    from gridsvc import caching as _caching  # noqa: F401
    from gridsvc import idempotency as _idempotency  # noqa: F401
    from gridsvc.accounts import models as _accounts  # noqa: F401
    from gridsvc.assessment import models as _assessment  # noqa: F401
    from gridsvc.boundaries import models as _boundaries  # noqa: F401
    from gridsvc.incidents import models as _incidents  # noqa: F401
    from gridsvc.routing.cases import models as _cases  # noqa: F401
    from gridsvc.routing.deadlines import models as _deadlines  # noqa: F401
    from gridsvc.routing.directory import models as _routing  # noqa: F401
    from gridsvc.routing.notices import models as _notices  # noqa: F401
    from gridsvc.workers import models as _workers  # noqa: F401


def _wire_handoffs(app: Flask) -> None:
    """Where a lower room hands work upward, the upper room's implementation of its port."""
    from gridsvc.accounts import install_team_roster
    from gridsvc.boundaries import install_publish_listener
    from gridsvc.incidents import install_router
    from gridsvc.routing import CaseIntake, DirectoryRoster
    from gridsvc.workers import FollowBoundaries

    install_publish_listener(app, FollowBoundaries())  # assignments follow boundary changes
    install_router(app, CaseIntake())  # every filed report is routed in its transaction
    install_team_roster(app, DirectoryRoster())  # a user's team_id is checked by the teams' owner


def _register_blueprints(app: Flask) -> None:
    from gridsvc.accounts.api import blp as accounts_blp
    from gridsvc.accounts.auth import install_jwt_callbacks
    from gridsvc.assessment.api import blp as assessment_blp
    from gridsvc.boundaries.api import blp as boundaries_blp
    from gridsvc.boundaries.fast_locate import install_fast_locate
    from gridsvc.console import install_console
    from gridsvc.incidents.api import blp as incidents_blp
    from gridsvc.incidents.category_api import blp as categories_blp
    from gridsvc.incidents.photo_api import blp as photos_blp
    from gridsvc.maps.api import blp as maps_blp
    from gridsvc.maps.fast_tiles import install_fast_tiles
    from gridsvc.maps.ogc_api import blp as ogc_blp
    from gridsvc.routing.cases.api import blp as cases_blp
    from gridsvc.routing.directory.api import blp as directory_blp
    from gridsvc.routing.directory.catalogue_api import blp as catalogue_blp
    from gridsvc.routing.directory.proposal_api import blp as proposals_blp
    from gridsvc.routing.notices.api import blp as notices_blp
    from gridsvc.workers.api import blp as workers_blp
    from gridsvc.workers.tracks_api import blp as patrols_blp

    install_jwt_callbacks(jwt, app)
    api.register_blueprint(accounts_blp, url_prefix="/api/v1")
    api.register_blueprint(boundaries_blp, url_prefix="/api/v1")
    api.register_blueprint(categories_blp, url_prefix="/api/v1")
    api.register_blueprint(incidents_blp, url_prefix="/api/v1")
    api.register_blueprint(photos_blp, url_prefix="/api/v1")
    api.register_blueprint(directory_blp, url_prefix="/api/v1")
    api.register_blueprint(catalogue_blp, url_prefix="/api/v1")
    api.register_blueprint(proposals_blp, url_prefix="/api/v1")
    api.register_blueprint(notices_blp, url_prefix="/api/v1")
    api.register_blueprint(cases_blp, url_prefix="/api/v1")
    api.register_blueprint(workers_blp, url_prefix="/api/v1")
    api.register_blueprint(patrols_blp, url_prefix="/api/v1")
    api.register_blueprint(assessment_blp, url_prefix="/api/v1")
    api.register_blueprint(maps_blp, url_prefix="/api/v1")
    api.register_blueprint(ogc_blp, url_prefix="/api/v1")
    install_console(app)  # HTML pages, outside the OpenAPI spec: /console/
    install_fast_tiles(app)  # known tokens' boundary tiles (304s, 200s), in front of Flask
    install_fast_locate(app)  # known tokens' single locates, the same lean path (gridsvc/lean.py)

    @app.get("/healthz")
    def healthz():
        """Process is alive (no dependencies checked)."""
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        """Database and PostGIS answer; a load balancer sends traffic only when this is 200."""
        try:
            postgis = db.session.execute(text("SELECT postgis_lib_version()")).scalar()
        except Exception as exc:  # noqa: BLE001  (any failure means not ready)
            db.session.rollback()
            return errors.problem(
                503,
                "server.not_ready",
                f"database not ready: {type(exc).__name__}",
                headers={"Retry-After": str(app.config["DATABASE_RETRY_AFTER"])},
            )
        from gridsvc.routing import calendar_coverage, today

        # A missing office calendar is a warning, not unreadiness: natural-hour cases still work.
        details = {"calendar": calendar_coverage(today())}
        return jsonify(status="ready", postgis=postgis, details=details)

    @app.get("/api/v1/docs-assets/<path:filename>")
    def docs_assets(filename: str):
        """Swagger UI assets from the installed bundle: no CDN needed on a government intranet."""
        from swagger_ui_bundle import swagger_ui_path

        return send_from_directory(swagger_ui_path, filename, max_age=86400)


def _register_cli(app: Flask) -> None:
    from gridsvc.accounts.cli import users_cli
    from gridsvc.boundaries.cli import boundaries_cli
    from gridsvc.demo import demo_cli
    from gridsvc.routing.cli import routing_cli
    from gridsvc.workers.cli import tracks_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(boundaries_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(routing_cli)
    app.cli.add_command(tracks_cli)
