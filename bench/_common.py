"""Shared set-up for benchmarks: a dedicated database, an app bound to it, timing helpers."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/gridsvc_bench"
)


def bench_app(own_database: str | None = None):
    """An app on the bench database, migrated; created on first use.

    ``own_database`` gives a benchmark a database of its own (BENCH_DATABASE_URL's name +
    ``_<own_database>``): the scripts keep large fixtures between runs (a 100,000-grid province,
    a million incidents) and would otherwise reset each other's.
    """
    from flask_migrate import upgrade

    from gridsvc import create_app
    from gridsvc.config import Config, TestConfig

    url = make_url(BENCH_URL)
    if own_database:
        url = url.set(database=f"{url.database}_{own_database}")
    database_uri = url.render_as_string(hide_password=False)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        ):
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_uri
        LOGIN_RATE_LIMIT = "100000 per minute"
        # Production's setting, not the tests' (which re-check the cache versions on every read).
        CACHE_CHECK_SECONDS = Config.CACHE_CHECK_SECONDS
        LOCATE_INDEX_BACKGROUND = Config.LOCATE_INDEX_BACKGROUND

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
    return app


def rate(fn: Callable[[], int], rounds: int = 5) -> tuple[float, list[float]]:
    """Run ``fn`` (returns the number of items it handled) ``rounds`` times; median items/s."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        items = fn()
        rates.append(items / (time.perf_counter() - start))
    return statistics.median(rates), rates


def show(label: str, median: float, rates: list[float], unit: str) -> None:
    spread = f"min {min(rates):,.0f} max {max(rates):,.0f}"
    print(f"{label:<44} median {median:>12,.0f} {unit}   ({spread}, {len(rates)} rounds)")


def bench_account(username: str, role: str, county: str) -> int:
    """The id of a bench account, created on first use (inside an app context; the caller
    commits). It has no password: bench accounts cannot log in, their tokens are minted."""
    from sqlalchemy import select

    from gridsvc.accounts.models import User
    from gridsvc.extensions import db

    found = db.session.scalar(select(User.id).where(User.username == username))
    if found is not None:
        return found
    account = User(username=username, password_hash="!", role=role, county_code=county)  # noqa: S106
    db.session.add(account)
    db.session.flush()
    return account.id


# --- Through HTTP: a production server on the bench database, and the raw side beside it ---------

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def database_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def libpq_url(app) -> str:
    """The app's database as pgbench and psql take it (no SQLAlchemy driver suffix)."""
    url = make_url(database_url(app)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@contextmanager
def production_server(
    app,
    port: int,
    extra_env: dict | None = None,
    command: list[str] | None = None,
    root: Path = ROOT,
) -> Iterator[str]:
    """The server as production runs it (gridsvc/serving.py: Granian, 2 workers) on the bench
    database, or ``command``; yields its base URL and stops it on the way out. ``root``: the
    source tree it runs (another worktree's, to compare before and after in one run).

    The bench process mints tokens with its app's JWT key, so the server gets the same key.
    ``SERVER_PIDS[port]`` is the server's process while it runs (its workers are its children:
    benches read their memory).
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url(app),
        "JWT_SECRET_KEY": app.config["JWT_SECRET_KEY"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PORT": str(port),
        "PYTHONPATH": str(root),
        **(extra_env or {}),
    }
    command = command or [sys.executable, "-m", "gridsvc.serving"]
    # Production's log level too (a JSON line per request): the log goes to a file, as a
    # journal would take it, not to this terminal.
    log = open(Path(tempfile.gettempdir()) / f"gridsvc-bench-{port}.log", "ab")  # noqa: SIM115
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=log)  # noqa: S603
    SERVER_PIDS[port] = server.pid
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server on port {port} did not come up")
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        SERVER_PIDS.pop(port, None)


SERVER_PIDS: dict[int, int] = {}


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a server's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def memory_of(pid: int) -> dict[str, float]:
    """MB of a process: RSS, its anonymous and file-backed parts, and PSS (shared pages split
    between the processes mapping them: mapped index files count once per host)."""
    figures = {}
    for name, line in (("status", "RssAnon"), ("status", "RssFile"), ("status", "VmRSS")):
        for row in (Path("/proc") / str(pid) / name).read_text().splitlines():
            if row.startswith(line + ":"):
                figures[line] = int(row.split()[1]) / 1024
    for row in (Path("/proc") / str(pid) / "smaps_rollup").read_text().splitlines():
        if row.startswith("Pss:"):
            figures["Pss"] = int(row.split()[1]) / 1024
    return figures


_WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_COUNT = re.compile(r"(\d+) requests in")
_WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_PGBENCH_TPS = re.compile(r"tps = ([\d.]+) \((?:without initial connection time|excluding)")


def wrk(
    url: str,
    lua: str,
    seconds: float,
    connections: int = 8,
    threads: int = 2,
    *,
    counted: bool = False,
):
    """Requests/s that ``wrk`` reaches with ``connections`` keep-alive clients and ``lua``
    building each request; any answer other than 2xx fails the bench (a fast error is no rate).
    ``counted``: (requests/s, requests answered)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{round(seconds)}s",
        "-s",
        script.name,
        url,
    ]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        os.unlink(script.name)
    failed = _WRK_NON_2XX.search(out)
    if failed:
        raise RuntimeError(f"{failed.group(1)} requests failed:\n{out}")
    rate = float(_WRK_RATE.search(out).group(1))
    return (rate, int(_WRK_COUNT.search(out).group(1))) if counted else rate


def wrk_get(
    port: int, path: str, headers: dict[str, str], seconds: float, connections: int = 8
) -> float:
    """Requests/s of ``wrk -t2`` GETting one ``path`` with ``headers`` on our loopback port;
    refuses a run with socket errors or answers other than 2xx/3xx (a fast error is no rate)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{round(seconds)}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603  (wrk, from the PATH, on our own loopback port)
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    assert "Non-2xx" not in out, out
    assert "Socket errors" not in out, out
    return float(_WRK_RATE.search(out).group(1))


def pgbench(
    url: str,
    script_text: str,
    seconds: float,
    clients: int = 4,
    *,
    variables: dict[str, object] | None = None,
    options: str = "",
) -> float:
    """Transactions/s of ``script_text`` under ``pgbench -M prepared`` with ``clients``.

    ``variables``: ``:name`` values for the script (``-D``; prepared mode sends them as
    parameters); ``options``: server settings for its connections (``PGOPTIONS``, e.g. the
    plan cache mode the API's connections use)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(script_text)
    command = ["pgbench", "-n", "-M", "prepared", f"-c{clients}", f"-j{min(clients, 2)}"]
    command += [f"-D{name}={value}" for name, value in (variables or {}).items()]
    command += [f"-T{max(1, round(seconds))}", "-f", script.name, url]
    env = {**os.environ, "PGOPTIONS": options} if options else None
    try:
        run = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603
    finally:
        os.unlink(script.name)
    found = _PGBENCH_TPS.search(run.stdout)
    if run.returncode != 0 or found is None or "aborted" in run.stdout + run.stderr:
        raise RuntimeError(f"pgbench failed:\n{run.stdout}\n{run.stderr}")
    return float(found.group(1))


@dataclass
class Pair:
    """One row of the table: an API side and the raw side it is compared with."""

    label: str
    api: Callable[[], float]  # one round: items/s
    raw: Callable[[], float] | None
    unit: str
    target: float | None = None  # API / raw, or None for an absolute rate
    api_rates: list[float] = field(default_factory=list)
    raw_rates: list[float] = field(default_factory=list)


def interleaved(pairs: list[Pair], rounds: int) -> None:
    """Run every side once per round, in turn, so machine load hits all of them alike."""
    for number in range(1, rounds + 1):
        for pair in pairs:
            pair.api_rates.append(pair.api())
            if pair.raw is not None:
                pair.raw_rates.append(pair.raw())
        print(f"  round {number}/{rounds} done; {load_average()}", flush=True)


def table(pairs: list[Pair]) -> str:
    """Markdown: medians, ranges, and the median of the per-round ratios."""
    lines = [
        "| path | API (median, min-max) | raw (median, min-max) | API / raw (median of rounds) |",
        "|---|---|---|---|",
    ]
    for pair in pairs:
        api = _spread(pair.api_rates, pair.unit)
        if pair.raw is None:
            lines.append(f"| {pair.label} | {api} | - | - |")
            continue
        ratios = [a / r for a, r in zip(pair.api_rates, pair.raw_rates, strict=True)]
        ratio = f"**{statistics.median(ratios):.1%}** ({min(ratios):.1%}-{max(ratios):.1%})"
        if pair.target is not None:
            ratio += f", target >= {pair.target:.0%}"
        raw = _spread(pair.raw_rates, "tps")
        lines.append(f"| {pair.label} | {api} | {raw} | {ratio} |")
    return "\n".join(lines)


def _spread(rates: list[float], unit: str) -> str:
    median = statistics.median(rates)
    return f"{median:,.0f} {unit} ({min(rates):,.0f}-{max(rates):,.0f})"
