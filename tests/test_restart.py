"""A real PostgreSQL restart under load: 503s with Retry-After, never a 500, no report lost.

The shared server must not be restarted, so the test starts a private cluster of its own (the
same PostgreSQL binaries, ``initdb`` into a temporary directory, a free port), copies the test
database's migrated schema into it with ``pg_dump``, and points an app at it. Four reporters post
incidents the way the phone app does (a fresh ``client_id`` per report, the same one again after
a 503) while the cluster is stopped for a second and started again. Afterwards every report the
service acknowledged is in the database exactly once, and nothing else is.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from gridsvc.accounts.models import User
from gridsvc.config import TestConfig
from gridsvc.extensions import db
from gridsvc.workers.models import GridAssignment
from tests.conftest import bearer
from tests.factories import _PASSWORD_HASH
from tests.incidents.conftest import payload
from tests.incidents.test_committing import COUNTY, POINT, _publish_tiny_county
from tests.test_outage import standalone_app
from tests.test_serving import free_port

REPORTERS = 4
LOAD_BEFORE, DOWN, LOAD_AFTER = 2.0, 1.0, 3.0  # seconds


def _libpq(url: str) -> str:
    """postgresql+psycopg2://… -> postgresql://… (what pg_dump and psql read)."""
    return "postgresql://" + url.split("://", 1)[1]


class PrivateCluster:
    """initdb/pg_ctl of the running server's major version, as the ``postgres`` user when root
    (PostgreSQL refuses to run as root)."""

    def __init__(self, major: int):
        self.bin = Path(f"/usr/lib/postgresql/{major}/bin")
        assert (self.bin / "initdb").exists(), f"no PostgreSQL {major} server binaries"
        self.home = Path(tempfile.mkdtemp(prefix="gridsvc-restart-"))
        self.data = self.home / "data"
        self.port = free_port()
        self.owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.owner:
            os.chown(self.home, self.owner.pw_uid, self.owner.pw_gid)

    def run(self, tool: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.bin / tool), *args]
        if self.owner:
            # runuser lives in /usr/sbin, which a minimal PATH (CI's) leaves out.
            runuser = shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
            assert runuser, "runuser (util-linux) is needed to run PostgreSQL as postgres"
            command = [runuser, "-u", "postgres", "--", *command]
        # From /: the postgres user may not enter the current directory (a private checkout).
        return subprocess.run(  # noqa: S603
            command, check=True, capture_output=True, text=True, cwd="/", **kwargs
        )

    def init(self) -> None:
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1"
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.home / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already down
            self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture
def cluster(app):
    """A private cluster holding a copy of the migrated test database, as ``gridsvc``."""
    with app.app_context():
        version = int(db.session.execute(text("SHOW server_version_num")).scalar())
    private = PrivateCluster(version // 10000)
    try:
        private.init()
        psql = [str(private.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1"]
        target = _libpq(private.url("postgres"))
        subprocess.run([*psql, target, "-c", "CREATE DATABASE gridsvc"], check=True)  # noqa: S603
        dump = subprocess.run(  # noqa: S603  (the test database's schema and seeds)
            [
                str(private.bin / "pg_dump"),
                "--no-owner",
                "--no-privileges",
                _libpq(TestConfig.SQLALCHEMY_DATABASE_URI),
            ],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run([*psql, _libpq(private.url("gridsvc"))], input=dump, check=True)  # noqa: S603
        yield private
    finally:
        private.remove()


def _seed_worker() -> User:
    """The tiny county of tests/incidents/test_committing.py and a grid worker who holds it."""
    session = db.session
    _publish_tiny_county(session)
    worker = User(
        username=f"restart-{uuid.uuid4().hex[:8]}",
        password_hash=_PASSWORD_HASH,
        role="grid_worker",
        county_code=COUNTY,
        township_code=COUNTY + "001",
    )
    session.add(worker)
    session.flush()
    grid = COUNTY + "001001001"
    session.add(
        GridAssignment(
            county_code=COUNTY, township_code=grid[:9], grid_code=grid, user_id=worker.id
        )
    )
    session.commit()
    return worker


def _reporter(app, headers, stop: threading.Event, answers: list, acknowledged: set) -> None:
    """Report until told to stop; after a 503 send the same report again, as the app does."""
    client = app.test_client()
    body = payload(*POINT)
    while not stop.is_set():
        response = client.post("/api/v1/incidents", json=body, headers=headers)
        answers.append(response)
        if response.status_code == 201:
            acknowledged.add(body["client_id"])
            body = payload(*POINT)
        else:
            time.sleep(0.1)
    # The last report is sent until it is acknowledged: the phone keeps it until then.
    deadline = time.monotonic() + 30
    while body["client_id"] not in acknowledged and time.monotonic() < deadline:
        response = client.post("/api/v1/incidents", json=body, headers=headers)
        answers.append(response)
        if response.status_code == 201:
            acknowledged.add(body["client_id"])
        else:
            time.sleep(0.2)


def test_a_restart_under_load_answers_503_and_loses_no_acknowledged_report(monkeypatch, cluster):
    name = f"gridsvc-restart-{uuid.uuid4().hex[:8]}"
    app = standalone_app(
        monkeypatch, cluster.url("gridsvc"), connect_args={"application_name": name}
    )
    with app.app_context():
        worker = _seed_worker()
        headers = bearer(worker)

    stop = threading.Event()
    answers: list = []
    acknowledged: set[str] = set()
    threads = [
        threading.Thread(target=_reporter, args=(app, headers, stop, answers, acknowledged))
        for _ in range(REPORTERS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_BEFORE)
    before = len(answers)
    cluster.stop("fast")  # ends every session, as a restart does
    time.sleep(DOWN)
    cluster.start()
    time.sleep(LOAD_AFTER)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    statuses = [response.status_code for response in answers]
    assert before > 0, "no load before the restart"
    assert set(statuses) <= {201, 503}, sorted(set(statuses))
    refused = [response for response in answers if response.status_code == 503]
    assert refused, "the restart was not seen by any request"
    for response in refused:
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.get_json()["code"] == "server.database_unavailable"
        assert int(response.headers["Retry-After"]) > 0
    assert statuses.count(201) > before  # the service recovered by itself
    print(f"restart: {statuses.count(201)} acknowledged, {len(refused)} answered 503")

    with app.app_context():
        stored = db.session.execute(
            text("SELECT client_id::text FROM incidents WHERE reporter_id = :u"), {"u": worker.id}
        ).scalars()
        stored = list(stored)
    assert len(stored) == len(set(stored))  # no report twice
    assert set(stored) == acknowledged  # every acknowledged report, and nothing unacknowledged
