"""Configuration from the environment (12-factor).

Every setting has a development default so that ``make run`` works out of the box; production
(``GRIDSVC_ENV=production``) refuses the defaults for secrets (see ``Config.check``).
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

DEFAULT_SECRET = "dev-secret-change-me"  # noqa: S105  (a marker that production must not start with)
ROOT = Path(__file__).resolve().parent.parent

# `make run` records what it decided (database URL, generated secrets) in the checkout's .env; the
# app, its CLI and the Celery processes all read it. Real environment variables take precedence.
load_dotenv(ROOT / ".env", override=False)


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


class Config:
    """Settings read once at app creation; override with environment variables."""

    ENV_NAME = _env("GRIDSVC_ENV", "development")
    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET)
    JWT_SECRET_KEY = _env("JWT_SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = _env(
        "DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/gridsvc"
    )
    # No pre-ping by default: it costs a round trip on every checkout. After a database restart
    # the first request on a dead connection fails; SQLAlchemy then discards every older pooled
    # connection, and that one request is answered 503 with Retry-After (gridsvc/errors.py), so
    # a client retries it. DATABASE_PRE_PING=1 trades the round trip for not even that.
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_recycle": 1800,
        "pool_size": 10,
        "max_overflow": 10,
        "pool_pre_ping": _env("DATABASE_PRE_PING", "0") == "1",
    }
    # Seconds a client is told to wait (Retry-After) when the database does not answer.
    DATABASE_RETRY_AFTER = _int("DATABASE_RETRY_AFTER", 5)
    # Statement limits per connection (gridsvc/dblimits.py), in milliseconds; 0: not set by the
    # app. The web app's statements are cancelled after DB_STATEMENT_TIMEOUT_MS (answered 503
    # server.database_timeout); the idle-in-transaction limit is off by default because a request
    # may legitimately wait inside its transaction (a locate index build, up to 600 s).
    # Jobs (Celery tasks, the CLI, migrations) run with JOB_STATEMENT_TIMEOUT_MS instead.
    DB_STATEMENT_TIMEOUT_MS = _int("DB_STATEMENT_TIMEOUT_MS", 15_000)
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = _int("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 0)
    JOB_STATEMENT_TIMEOUT_MS = _int("JOB_STATEMENT_TIMEOUT_MS", 0)
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    REDIS_URL = _env("REDIS_URL")

    # Tokens: short access, long refresh; revocations live in PostgreSQL.
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=_int("JWT_ACCESS_MINUTES", 30))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=_int("JWT_REFRESH_DAYS", 30))
    # Phones send a bearer header; the web console's browser carries the same tokens in HttpOnly
    # cookies (POST /auth/session), with a double-submit CSRF token on every write. The header is
    # read first, so a phone's request is never asked for a CSRF token.
    JWT_TOKEN_LOCATION = ("headers", "cookies")
    JWT_ERROR_MESSAGE_KEY = "detail"
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_CSRF_IN_COOKIES = True  # the csrf_* cookies are readable by our own JS (api.js)
    JWT_COOKIE_SAMESITE = "Lax"
    # Secure cookies need https: on by default in production, off over plain http in development.
    JWT_COOKIE_SECURE = _env("JWT_COOKIE_SECURE", "1" if ENV_NAME == "production" else "0") == "1"
    # The refresh cookie goes to the refresh and logout endpoints only, not with every request.
    JWT_REFRESH_COOKIE_PATH = "/api/v1/auth/"
    JWT_REFRESH_CSRF_COOKIE_PATH = "/"

    # The web console's optional basemap under the grids: an XYZ tile URL template with {z}/{x}/{y}
    # (天地图, or any intranet tile server) and its key, substituted for {key}. None: the grids are
    # the base (a government intranet often has no tile server at all).
    CONSOLE_BASEMAP_URL = _env("CONSOLE_BASEMAP_URL")
    CONSOLE_BASEMAP_KEY = _env("CONSOLE_BASEMAP_KEY")
    CONSOLE_BASEMAP_ATTRIBUTION = _env("CONSOLE_BASEMAP_ATTRIBUTION", "")
    # Per-process caches (tokens, categories, workers' grids, routing inputs, the locate index)
    # re-read the database's versions of what they hold at most this often (gridsvc/caching.py):
    # another process's edit is seen within this many seconds, this process's own at once.
    CACHE_CHECK_SECONDS = float(_env("CACHE_CHECK_SECONDS", "1"))

    # Limits everywhere: the whole request body (uploads have their own, larger cap).
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    # Request heads: below the server's limits (gridsvc/serving.py: Granian's buffer, and the 100
    # header fields its HTTP parser takes) and nginx's buffers, so the app
    # answers 414 / 431 as problem+json before either server answers in HTML.
    MAX_URL_BYTES = 4096
    MAX_HEADER_BYTES = 8000
    MAX_HEADER_COUNT = 90
    # JSON bodies: a MultiPolygon inside a body is 6 levels deep; deeper than this is refused (400)
    # before any consumer recurses into it (gridsvc/jsonio.py).
    JSON_MAX_DEPTH = _int("JSON_MAX_DEPTH", 32)
    # The language of problem titles, details and validation findings when a request's
    # Accept-Language names neither zh nor en (gridsvc/i18n): "en" or "zh".
    DEFAULT_LANGUAGE = _env("DEFAULT_LANGUAGE", "en")
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute;100 per hour")
    # Per account, whatever the address (gridsvc/accounts/throttle.py): after this many failures
    # in a row each further one blocks the username for a delay that doubles, up to the cap.
    LOGIN_THROTTLE_AFTER = _int("LOGIN_THROTTLE_AFTER", 5)
    LOGIN_THROTTLE_BASE_SECONDS = float(_env("LOGIN_THROTTLE_BASE_SECONDS", "2"))
    LOGIN_THROTTLE_MAX_SECONDS = float(_env("LOGIN_THROTTLE_MAX_SECONDS", "900"))
    LOGIN_THROTTLE_FORGET_HOURS = float(_env("LOGIN_THROTTLE_FORGET_HOURS", "24"))
    # How many proxies in front of the app to believe about the client (X-Forwarded-For, -Proto):
    # 1 behind the compose file's nginx. 0 trusts nothing: a client could otherwise name any
    # address in the header and get a fresh rate-limit bucket with every request.
    PROXY_HOPS = _int("PROXY_HOPS", 0)
    RATELIMIT_HEADERS_ENABLED = True
    LOCATE_INDEX_BACKGROUND = True  # single lookups start an index build when none is warm
    # Background builds run in a child process ("process": no GIL shared with the requests) or
    # in a thread of the worker ("thread": sees the caller's transaction, as tests need).
    LOCATE_INDEX_BUILD = _env("LOCATE_INDEX_BUILD", "process")
    # Process builds: one per host and generation (a file lock in this folder); the workers map
    # the arrays written here, sharing their pages. The build runs at this niceness so that the
    # request workers get the cores first (0: the workers' own priority).
    LOCATE_INDEX_DIR = _env("LOCATE_INDEX_DIR", str(ROOT / "var" / "locate-index"))
    LOCATE_INDEX_NICE = _int("LOCATE_INDEX_NICE", 10)
    # Vector tiles: rendered boundary tiles kept per process; incidents drawn at most per tile.
    TILE_CACHE_ENTRIES = _int("TILE_CACHE_ENTRIES", 4_096)
    # Connections of the per-process tile pool (gridsvc/maps/render.py), plus as many overflow:
    # a worker's WEB_THREADS (4) render at most this many tiles at once.
    TILE_POOL_SIZE = _int("TILE_POOL_SIZE", 4)
    # The lean path for known tokens' boundary tiles (gridsvc/maps/fast_tiles.py); 0 sends
    # every tile through Flask (to compare, or to rule it out).
    TILE_FAST_PATH = _env("TILE_FAST_PATH", "1") == "1"
    # The lean path for known tokens' single locates (gridsvc/boundaries/fast_locate.py); 0
    # sends every GET /api/v1/locate through Flask.
    LOCATE_FAST_PATH = _env("LOCATE_FAST_PATH", "1") == "1"
    TILE_MAX_FEATURES = _int("TILE_MAX_FEATURES", 20_000)
    PAGE_LIMIT_DEFAULT = 50
    PAGE_LIMIT_MAX = 500

    # Webhooks (gridsvc/routing/notices/egress.py): https to public addresses only. Plain http, and
    # private networks an operator vouches for (a receiver on the government extranet, "10.20.0.0/16,
    # 172.30.1.5/32"), only when set; metadata and link-local addresses are refused regardless.
    WEBHOOK_ALLOW_HTTP = _env("WEBHOOK_ALLOW_HTTP", "0") == "1"
    WEBHOOK_ALLOWED_NETWORKS = _env("WEBHOOK_ALLOWED_NETWORKS", "")
    WEBHOOK_CA_BUNDLE = _env("WEBHOOK_CA_BUNDLE")  # a private CA's bundle; default: certifi's

    # Deadlines: office hours for "working hours" deadlines (Asia/Shanghai), how long the county
    # has to accept a 乡呼县应 call, and when an overdue case is escalated to the supervisors.
    WORK_PERIODS = _env("WORK_PERIODS", "08:30-12:00,14:30-17:30")
    CALL_ACCEPT_HOURS = float(_env("CALL_ACCEPT_HOURS", "2"))
    SUPERVISION_ESCALATE_HOURS = float(_env("SUPERVISION_ESCALATE_HOURS", "24"))
    # On-the-spot fixes (自处置): one in ON_SITE_SAMPLE_EVERY per county waits for the team lead's
    # confirmation instead of closing at once (1: every one; 0: none).
    ON_SITE_SAMPLE_EVERY = int(_env("ON_SITE_SAMPLE_EVERY", "10"))
    # A report filed as fixed on the spot asks nobody to accept it: its photos close it. Still
    # open this long after it was received (photos late or lost), the lead is asked after all.
    ON_SITE_PHOTOS_GRACE_MINUTES = float(_env("ON_SITE_PHOTOS_GRACE_MINUTES", "30"))

    # Early warning (研判预警): a cluster is HOTSPOT_MIN_POINTS reports of one category within
    # HOTSPOT_EPS_M metres of each other over the last HOTSPOT_WINDOW_DAYS; a recurring place is
    # one spot (RECURRING_RADIUS_M) reported on RECURRING_MIN_DAYS different days in
    # RECURRING_WINDOW_DAYS (the street market back after every clearance).
    HOTSPOT_WINDOW_DAYS = _int("HOTSPOT_WINDOW_DAYS", 7)
    # 多网合一 grid sizes per county: {"430302": {"urban": {"min_households": 300, …},
    # "town:rural": {"max_area_km2": 5}}} (gridsvc/geo/sizing.py); a request may override them.
    MERGE_SIZE_RULES = json.loads(_env("MERGE_SIZE_RULES", "{}"))
    # Assessment: a day's cases are read, and then stored for good, this many days after the day
    # ends (long enough for a week's deadline, an extension and a rework).
    ASSESSMENT_SETTLE_DAYS = _int("ASSESSMENT_SETTLE_DAYS", 30)
    HOTSPOT_EPS_M = float(_env("HOTSPOT_EPS_M", "50"))
    HOTSPOT_MIN_POINTS = _int("HOTSPOT_MIN_POINTS", 5)
    RECURRING_RADIUS_M = float(_env("RECURRING_RADIUS_M", "30"))
    RECURRING_MIN_DAYS = _int("RECURRING_MIN_DAYS", 3)
    RECURRING_WINDOW_DAYS = _int("RECURRING_WINDOW_DAYS", 14)

    # Boundary files: GIS exports of a whole county stay well under these.
    UPLOAD_MAX_BYTES = _int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
    UPLOAD_MAX_FEATURES = _int("UPLOAD_MAX_FEATURES", 50_000)
    UPLOAD_MAX_VERTICES = _int("UPLOAD_MAX_VERTICES", 100_000)

    # Incidents: reports from phones (often offline, sometimes with a wrong clock).
    INCIDENT_MAX_BYTES = _int("INCIDENT_MAX_BYTES", 64 * 1024)  # one report's JSON body
    INCIDENT_MAX_FUTURE_MINUTES = _int("INCIDENT_MAX_FUTURE_MINUTES", 10)
    INCIDENT_MAX_AGE_DAYS = _int("INCIDENT_MAX_AGE_DAYS", 30)  # how long a phone may stay offline
    SYNC_MAX_INCIDENTS = _int("SYNC_MAX_INCIDENTS", 100)
    SYNC_MAX_TRACK_POINTS = _int("SYNC_MAX_TRACK_POINTS", 5000)
    SYNC_MAX_BYTES = _int("SYNC_MAX_BYTES", 4 * 1024 * 1024)
    IDEMPOTENCY_TTL_HOURS = _int("IDEMPOTENCY_TTL_HOURS", 7 * 24)
    # Photos: size, pixels (decompression bombs), how big the served copy may be, how many.
    PHOTO_MAX_BYTES = _int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
    PHOTO_MAX_PIXELS = _int("PHOTO_MAX_PIXELS", 50_000_000)
    PHOTO_SERVED_MAX_PX = _int("PHOTO_SERVED_MAX_PX", 2560)
    PHOTO_MAX_PER_INCIDENT = _int("PHOTO_MAX_PER_INCIDENT", 20)
    # Photo files: local disk under MEDIA_DIR, or an S3-compatible store (MinIO, Ceph, …).
    MEDIA_STORAGE = _env("MEDIA_STORAGE", "local")
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")
    S3_BUCKET = _env("S3_BUCKET")
    S3_REGION = _env("S3_REGION")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")

    # Patrol tracks (workers room): request limits, plausibility flags, patrol figures.
    TRACK_MAX_POINTS = _int("TRACK_MAX_POINTS", 5_000)  # per request
    TRACK_MAX_AGE_DAYS = _int("TRACK_MAX_AGE_DAYS", 30)  # offline phones upload late, not this late
    TRACK_MAX_FUTURE_SECONDS = _int("TRACK_MAX_FUTURE_SECONDS", 300)  # phone clocks drift
    TRACK_MAX_SPEED_MPS = float(_env("TRACK_MAX_SPEED_MPS", "33"))  # ~120 km/h: a GPS jump
    TRACK_MAX_ACCURACY_M = float(_env("TRACK_MAX_ACCURACY_M", "50"))
    PATROL_MAX_GAP_SECONDS = _int("PATROL_MAX_GAP_SECONDS", 300)  # longer pauses are off patrol
    PATROL_BUFFER_M = float(_env("PATROL_BUFFER_M", "50"))  # what a patrol "sees" either side
    PATROL_ALERT_AFTER_SECONDS = _int("PATROL_ALERT_AFTER_SECONDS", 900)  # out of grid this long
    # Raw track points are kept this many Asia/Shanghai months (the current one included), then
    # their monthly partition is summarised, optionally archived, detached and dropped; the
    # per-day patrol summaries are kept for good. At least 1: the current month is never dropped.
    TRACK_RETENTION_MONTHS = _int("TRACK_RETENTION_MONTHS", 13)
    # A directory for a Parquet copy of each partition before it is dropped (unset: no archive).
    TRACK_ARCHIVE_DIR = _env("TRACK_ARCHIVE_DIR")

    MEDIA_DIR = _env("MEDIA_DIR", str(ROOT / "var" / "media"))
    UPLOAD_DIR = _env("UPLOAD_DIR", str(ROOT / "var" / "uploads"))
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    DISPLAY_TZ = "Asia/Shanghai"

    # Celery: Redis when configured; tests and CLI dry runs execute tasks eagerly.
    CELERY_TASK_ALWAYS_EAGER = _env("CELERY_TASK_ALWAYS_EAGER", "0") == "1"

    # flask-smorest / OpenAPI
    API_TITLE = "gridsvc"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Served from our own static route (swagger-ui-bundle), so docs work on an intranet with no CDN.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs-assets/"
    API_SPEC_OPTIONS = {
        "info": {"description": "Grid management: boundaries, grid workers, incidents, routing."},
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
        "security": [{"bearerAuth": []}],
    }


class TestConfig(Config):
    """Pytest: its own database, eager tasks, generous login limit (one test lowers it)."""

    TESTING = True
    # Files tests write go to a throwaway folder, not the checkout's var/.
    UPLOAD_DIR = str(Path(tempfile.gettempdir()) / "gridsvc-test" / "uploads")
    MEDIA_DIR = str(Path(tempfile.gettempdir()) / "gridsvc-test" / "media")
    LOCATE_INDEX_DIR = str(Path(tempfile.gettempdir()) / "gridsvc-test" / "locate-index")
    SQLALCHEMY_DATABASE_URI = _env(
        "TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/gridsvc_test"
    )
    CELERY_TASK_ALWAYS_EAGER = True
    # Rate-limit counters in memory, so one run's state never leaks into the next through Redis.
    REDIS_URL = _env("TEST_REDIS_URL")
    LOGIN_RATE_LIMIT = "1000 per minute"
    # The suite reads English unless a test asks otherwise, whatever the shell exports.
    DEFAULT_LANGUAGE = "en"
    # Every cache stays on, checking the database's versions on every read: the whole suite runs
    # the cached paths, and a write inside a test is seen at once.
    CACHE_CHECK_SECONDS = 0.0
    MEDIA_STORAGE = "local"
    # Tests share one connection per test: no second thread may use it.
    LOCATE_INDEX_BACKGROUND = False
    LOCATE_INDEX_BUILD = "thread"
    SECRET_KEY = "test-secret-key-for-pytest-only-0123456789"  # noqa: S105
    JWT_SECRET_KEY = "test-jwt-key-for-pytest-only-0123456789abc"  # noqa: S105


def check_production_secrets(config: dict) -> None:
    """Refuse to start in production with a default or short secret: tokens would be forgeable."""
    if config.get("ENV_NAME") != "production":
        return
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = config.get(key) or ""
        if value == DEFAULT_SECRET or len(value) < 32:
            raise RuntimeError(
                f"{key} must be set to a random value of 32+ characters in production"
            )
