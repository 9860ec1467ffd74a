"""Browser test harness: the demo county served by Granian (gridsvc.serving), driven by Debian's Chromium.

- A database of its own, ``<test database>_browser``, copied at the start of the session from a
  template holding the migrated schema and ``flask demo load`` (as ``make run`` loads it). The
  template is rebuilt only when the migrations, the rooms' code (not the console's) or the
  geodata change (its fingerprint is the template's comment), so a second run starts in seconds.
  Browser tests really commit; the copy is thrown away next session, the test database proper
  is never touched.
- `python -m gridsvc.serving` (Granian, as ``make run`` serves) on a free port.
- Playwright for Python launching ``/usr/bin/chromium`` (``CHROMIUM_PATH``) headless via
  ``executable_path`` (never ``playwright install``), 1366×768, locale zh-CN, in the UTC zone on
  purpose: pages must show Beijing time whatever the computer's zone is.
- ``console.login(username)`` opens a logged-in page; ``console.screenshot(page, name)`` writes
  ``var/test-results/console/<name>.png``. A script error on any page fails the test, and so
  does anything the pages' Content-Security-Policy refused.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from gridsvc.config import TestConfig
from tests.test_serving import ROOT, serving

DEMO_PASSWORD = "gridsvc-demo"
RESULTS = ROOT / "var" / "test-results" / "console"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
VIEWPORT = {"width": 1366, "height": 768}
# MapLibre needs WebGL: headless Chromium without a GPU renders it with SwiftShader.
CHROMIUM_ARGS = ["--enable-unsafe-swiftshader", "--use-angle=swiftshader", "--ignore-gpu-blocklist"]


def _fingerprint() -> str:
    """What the template's contents depend on: schema, the services the demo goes through, data."""
    digest = hashlib.sha256()
    files = [*ROOT.glob("migrations/**/*.py"), *ROOT.glob("geodata/*")]
    files += [p for p in ROOT.glob("gridsvc/**/*.py") if "console" not in p.parts]
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _admin_engine(url):
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _flask(url, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    env.update({"GRIDSVC_ENV": "development", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)})
    env.pop("REDIS_URL", None)
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(  # noqa: S603  (our own CLI, fixed arguments)
        [str(flask), "--app", "gridsvc", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (
        f"flask {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    )


def _ensure_template(base) -> str:
    """The template database for this fingerprint, built (migrate + demo load) when missing."""
    template = f"{base.database}_browser_tpl"
    wanted = _fingerprint()
    admin = _admin_engine(base)
    with admin.connect() as conn:
        have = conn.scalar(
            sa.text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"
            ),
            {"n": template},
        )
        if have == wanted:
            return template
        building = f"{template}_new"
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{building}"'))
    url = base.set(database=building)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    _flask(url, "db", "upgrade")
    _flask(url, "demo", "load")
    _flask(url, "routing", "calendar-fill")
    with admin.connect() as conn:
        conn.execute(sa.text(f"COMMENT ON DATABASE \"{building}\" IS '{wanted}'"))
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        conn.execute(sa.text(f'ALTER DATABASE "{building}" RENAME TO "{template}"'))
    admin.dispose()
    return template


@pytest.fixture(scope="session")
def console_database() -> str:
    """A fresh copy of the demo county for this session's browser tests (its URL)."""
    base = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
    template = _ensure_template(base)
    name = f"{base.database}_browser"
    admin = _admin_engine(base)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def console_server(console_database, tmp_path_factory):
    """The served app (Granian) on the demo copy: its base URL, until the session ends."""
    work = tmp_path_factory.mktemp("console-server")
    settings = {
        "JWT_COOKIE_SECURE": "0",
        # No Celery worker here: uploads and publishes run in the request, as in the API tests.
        "CELERY_TASK_ALWAYS_EAGER": "1",
        # Every browser test logs in from 127.0.0.1: production's 10 per minute per address
        # refuses the session's later log-ins (429) when the tests run fast, as TestConfig's
        # limit keeps the API tests clear of it.
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }
    with serving(console_database, work, up_within=60, **settings) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/console.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Console:
    """Opens logged-in pages on the served console and keeps their script errors."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.errors: list[str] = []

    def new_page(self):
        context = self.browser.new_context(
            base_url=self.base_url, viewport=VIEWPORT, locale="zh-CN", timezone_id="UTC"
        )
        context.set_default_timeout(15000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        # What the Content-Security-Policy refused (an inline style, a foreign script) fails too.
        page.on("console", lambda message: self._refused(page, message))
        return page

    def _refused(self, page, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"{page.url}: {message.text}")

    def login(self, username: str, password: str = DEMO_PASSWORD):
        """A page logged in through the log-in form, on the page the role lands on."""
        page = self.new_page()
        page.goto("/console/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("#login-submit")
        page.wait_for_url(lambda url: "/console/login" not in url)
        return page

    def screenshot(self, page, name: str) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def console(chromium, console_server):
    session = Console(chromium, console_server)
    yield session
    session.close()
    assert not session.errors, "script errors on the page:\n" + "\n".join(session.errors)
