"""多网合一 end to end: the whole demo county merged through the API and a real Celery worker.

Measures what a client sees: the POST's answer time (202 ``queued``), a retried POST with the
same ``Idempotency-Key`` (replayed, no second job), publish while running (409
``merge.not_ready``), and the time until polling shows ``done``.

Run against a served app with the demo county loaded and a worker on the same broker, e.g.
``flask --app gridsvc run -p 18092`` and ``celery -A gridsvc.worker:celery worker``, after
``flask --app gridsvc demo streets streets.geojson``:
``.venv/bin/python bench/merge_job.py [API] [STREETS]``.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
import uuid

API = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18092/api/v1"
STREETS = sys.argv[2] if len(sys.argv) > 2 else "streets.geojson"


def call(method, path, body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    # The API's own http(s) address, given by whoever runs the bench.
    req = urllib.request.Request(API + path, method=method, data=data)  # noqa: S310
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:  # noqa: S310 (as above)
            return r.status, dict(r.headers), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"null")


def main() -> None:
    login = call("POST", "/auth/login", {"username": "gis", "password": "gridsvc-demo"})[2]
    token = login["access_token"]
    areas = call("GET", "/areas?level=township&parent=430302", token=token)[2]
    towns = sorted(f["id"] for f in areas["features"])
    with open(STREETS) as f:
        streets = json.load(f)
    if streets.get("type") == "Feature":
        streets = streets["geometry"]
    body = {"layers": ["zongzhi", "chengguan"], "townships": towns, "streets": streets}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    t0 = time.perf_counter()
    status, headers, merge = call("POST", "/grid-merges", body, token, key)
    print(f"POST {status} {merge.get('status')} in {time.perf_counter() - t0:.2f} s")
    status, headers, again = call("POST", "/grid-merges", body, token, key)
    same = again.get("id") == merge["id"]
    print(f"retry {status} same merge {same} replayed {headers.get('Idempotent-Replayed')}")
    status, _, problem = call("POST", f"/grid-merges/{merge['id']}/publish", {}, token)
    print(f"publish while not done: {status} {problem.get('code')}")
    seen = []
    while True:
        page = call("GET", f"/grid-merges/{merge['id']}", token=token)[2]
        if not seen or seen[-1] != page["status"]:
            seen.append(page["status"])
        if page["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    grids = len(page["report"].get("grids", []))
    print(f"statuses {seen}; {page['status']} after {time.perf_counter() - t0:.1f} s")
    print(f"{grids} grids, attempts {page['attempts']}, error {page.get('error')}")


if __name__ == "__main__":
    main()
