"""A client generated from the served spec works against the served app, errors included.

The phone and county teams generate their clients from /api/v1/openapi.json. This test does
what they do: the app is served (as `make run` does, tests/test_serving.py), the off-the-
shelf generator openapi-python-client builds a Python client from the spec it downloads, and the
client, imported from a temporary folder, logs in as a committed grid worker, reports an
incident, reads it back, and gets a 422 back as a typed ``Problem`` with its string ``code``.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from pathlib import Path

from tests.factories import PASSWORD
from tests.incidents.conftest import payload
from tests.incidents.test_committing import POINT, committed  # noqa: F401  (fixture)
from tests.test_serving import served  # noqa: F401  (fixture)

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# No post hooks: the generator would run ruff over the output, which need not be on PATH.
CONFIG = "post_hooks: []\npackage_name_override: gridsvc_client\n"


def generate(port: int, folder: Path):
    config = folder / "generator.yaml"
    config.write_text(CONFIG)
    result = subprocess.run(  # noqa: S603  (the generator installed with the dev extras)
        [
            str(GENERATOR),
            "generate",
            "--url",
            f"http://127.0.0.1:{port}/api/v1/openapi.json",
            "--meta",
            "none",
            "--output-path",
            str(folder / "gridsvc_client"),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unable to parse" not in result.stdout, result.stdout  # no operation left out
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("gridsvc_client")
    finally:
        sys.path.remove(str(folder))


def test_generated_client_logs_in_reports_reads_back_and_gets_a_typed_problem(
    committed,  # noqa: F811  (set up first, so removed after the server has stopped)
    served,  # noqa: F811
    tmp_path,
):
    gridsvc_client = generate(served, tmp_path)
    api = importlib.import_module("gridsvc_client.api.incidents")
    login = importlib.import_module("gridsvc_client.api.accounts.accounts_login_post")
    report = importlib.import_module("gridsvc_client.api.incidents.incidents_incidents_post")
    read = importlib.import_module("gridsvc_client.api.incidents.incidents_incident_item_get")
    models = importlib.import_module("gridsvc_client.models")
    assert api is not None
    base_url = f"http://127.0.0.1:{served}"

    anonymous = gridsvc_client.Client(base_url=base_url, timeout=60.0)
    username = committed["worker"].username
    tokens = login.sync(client=anonymous, body=models.LoginIn(username=username, password=PASSWORD))
    assert isinstance(tokens, models.TokensOut), tokens
    caller = gridsvc_client.AuthenticatedClient(
        base_url=base_url, token=tokens.access_token, timeout=60.0
    )

    body = models.IncidentIn.from_dict(payload(*POINT))
    created = report.sync(client=caller, body=body, idempotency_key=str(uuid.uuid4()))
    assert isinstance(created, models.IncidentOut), created
    again = read.sync_detailed(client=caller, incident_id=created.id)
    assert again.status_code == 200
    assert isinstance(again.parsed, models.IncidentOut)
    assert again.parsed.id == created.id
    assert again.parsed.description == created.description
    assert again.headers["ETag"]

    unknown = models.IncidentIn.from_dict(payload(*POINT, category="9999"))
    refused = report.sync_detailed(client=caller, body=unknown)
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert isinstance(refused.parsed, models.Problem), refused.parsed
    assert refused.parsed.status == 422
    assert isinstance(refused.parsed.code, str)
    assert refused.parsed.code.startswith("incident.") or refused.parsed.code.startswith("request.")

    missing = read.sync_detailed(client=caller, incident_id=2_000_000_000)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.code == "incident.not_found"
