"""On-the-spot fixes (即知即改, 自处置): closed at once and counted, one in N sampled for the lead."""

from __future__ import annotations

from tests.conftest import bearer
from tests.routing.conftest import HOME


def _fixable(client, admin_headers, category="0104"):
    body = {
        "category_code": category,
        "primary_kind": "township",
        "response_hours": 2,
        "resolution_hours": 24,
        "fixable_on_site": True,
        "effective_from": "2026-01-01",
    }
    response = client.post("/api/v1/responsibility-list", json=body, headers=admin_headers)
    assert response.status_code == 201, response.json
    assert response.json["fixable_on_site"] is True


def _fixed(client, people, report, act, upload_photo, lonlat, colour):
    worker = people["worker"]
    incident = report("0104", lonlat=lonlat)
    before = upload_photo(worker, incident["id"], "report", colour=colour)
    after = upload_photo(worker, incident["id"], "verification", colour=(colour[0], 250, 250))
    done = act(worker, incident["id"], "fix_on_site", photo_ids=[before, after])
    assert done.status_code == 200, done.json
    case = client.get(f"/api/v1/incidents/{incident['id']}/case", headers=bearer(worker)).json
    return incident, done.json, case


def test_a_fix_on_the_spot_closes_and_one_in_n_goes_to_the_lead(
    app, monkeypatch, client, people, report, act, upload_photo, admin_headers
):
    monkeypatch.setitem(app.config, "ON_SITE_SAMPLE_EVERY", 2)
    _fixable(client, admin_headers)
    first, body, case = _fixed(client, people, report, act, upload_photo, HOME, (10, 10, 10))
    assert body["status"] == "closed"
    assert (case["on_site"], case["on_site_sampled"], case["closed_at"] is not None) == (
        True,
        False,
        True,
    )
    events = client.get(f"/api/v1/incidents/{first['id']}/events", headers=admin_headers).json
    step = next(e for e in events["items"] if e["action"] == "fix_on_site")
    assert set(step["evidence"]) == {"before_photo_ids", "after_photo_ids"}

    second, body, case = _fixed(
        client, people, report, act, upload_photo, (112.82, 27.89), (20, 20, 20)
    )
    assert (body["status"], case["on_site_sampled"]) == ("verified", True)
    assert case["team"]["code"] == "YHL"
    # The worker cannot close the sampled one; the team lead confirms it.
    assert act(people["worker"], second["id"], "close").status_code == 403
    confirmed = act(people["lead"], second["id"], "close")
    assert (confirmed.status_code, confirmed.json["status"]) == (200, "closed")


def test_on_site_fix_refusals(client, people, report, act, upload_photo, admin_headers):
    worker = people["worker"]
    not_fixable = report("0102")
    before = upload_photo(worker, not_fixable["id"], "report", colour=(1, 1, 1))
    after = upload_photo(worker, not_fixable["id"], "verification", colour=(2, 2, 2))
    refused = act(worker, not_fixable["id"], "fix_on_site", photo_ids=[before, after])
    assert (refused.status_code, refused.json["code"]) == (409, "workflow.not_fixable_on_site")

    _fixable(client, admin_headers)
    incident = report("0104", lonlat=(112.83, 27.88))
    before = upload_photo(worker, incident["id"], "report", colour=(3, 3, 3))
    only_before = act(worker, incident["id"], "fix_on_site", photo_ids=[before])
    assert (only_before.status_code, only_before.json["code"]) == (
        422,
        "workflow.on_site_photos_required",
    )
    after = upload_photo(worker, incident["id"], "verification", colour=(4, 4, 4))
    not_the_worker = act(people["lead"], incident["id"], "fix_on_site", photo_ids=[before, after])
    assert (not_the_worker.status_code, not_the_worker.json["code"]) == (
        403,
        "workflow.not_your_case",
    )
    other_incident = report("0104", lonlat=(112.84, 27.86))
    foreign = upload_photo(worker, other_incident["id"], "verification", colour=(5, 5, 5))
    mixed = act(worker, incident["id"], "fix_on_site", photo_ids=[before, foreign])
    assert mixed.json["code"] == "workflow.on_site_photos_required"


# --- resolved_on_site on the report itself: the last of its two photos closes it -----------


def _on_site_body(category="0104", lonlat=(112.85, 27.87)):
    import uuid
    from datetime import UTC, datetime

    return {
        "client_id": str(uuid.uuid4()),
        "category": category,
        "location": {"type": "Point", "coordinates": list(lonlat)},
        "reported_at": datetime.now(UTC).isoformat(),
        "description": "路边暴露垃圾，已当场清理",
        "resolved_on_site": True,
    }


def _case_count(incident_id):
    from sqlalchemy import func, select

    from gridsvc.extensions import db
    from gridsvc.routing.cases.models import Case

    return db.session.scalar(select(func.count()).where(Case.incident_id == incident_id))


def test_a_report_resolved_on_site_closes_with_its_second_photo(
    client, people, upload_photo, admin_headers
):
    _fixable(client, admin_headers)
    worker = bearer(people["worker"])
    body = _on_site_body()
    filed = client.post("/api/v1/incidents", json=body, headers=worker)
    assert filed.status_code == 201, filed.json
    incident_id = filed.json["id"]
    assert filed.json["status"] == "reported"
    # A retry of the same report (lost answer) replays it: still one incident, one case.
    again = client.post("/api/v1/incidents", json=body, headers=worker)
    assert (again.status_code, again.json["id"]) == (201, incident_id)  # the first answer
    assert _case_count(incident_id) == 1
    # The same client_id without the flag is another report: refused, as any changed payload.
    changed = client.post(
        "/api/v1/incidents", json={**body, "resolved_on_site": False}, headers=worker
    )
    assert changed.json["code"] == "incident.client_id_reused"

    upload_photo(people["worker"], incident_id, "report", colour=(30, 30, 30))
    read = client.get(f"/api/v1/incidents/{incident_id}", headers=worker).json
    assert read["status"] == "reported"  # only the before photo so far
    upload_photo(people["worker"], incident_id, "verification", colour=(30, 250, 250))
    read = client.get(f"/api/v1/incidents/{incident_id}", headers=worker).json
    assert read["status"] == "closed"
    case = client.get(f"/api/v1/incidents/{incident_id}/case", headers=worker).json
    assert (case["on_site"], case["closed_at"] is not None) == (True, True)
    events = client.get(f"/api/v1/incidents/{incident_id}/events", headers=admin_headers).json
    step = next(e for e in events["items"] if e["action"] == "fix_on_site")
    assert step["actor_id"] == people["worker"].id
    # Sending the last photo again changes nothing.
    upload_photo(people["worker"], incident_id, "verification", colour=(30, 250, 250))
    assert _case_count(incident_id) == 1


def test_resolved_on_site_refusals(client, people, upload_photo, admin_headers):
    worker = bearer(people["worker"])
    not_fixable = client.post(
        "/api/v1/incidents", json=_on_site_body(category="0102"), headers=worker
    )
    assert (not_fixable.status_code, not_fixable.json["code"]) == (
        422,
        "incident.not_fixable_on_site",
    )
    assert "resolved_on_site" in not_fixable.json["errors"]

    _fixable(client, admin_headers)
    by_lead = client.post("/api/v1/incidents", json=_on_site_body(), headers=bearer(people["lead"]))
    assert (by_lead.status_code, by_lead.json["code"]) == (
        422,
        "incident.on_site_grid_worker_only",
    )

    # Photos from someone other than the reporter never close the worker's report.
    filed = client.post("/api/v1/incidents", json=_on_site_body(), headers=worker).json
    upload_photo(people["worker"], filed["id"], "report", colour=(40, 40, 40))
    upload_photo(people["dispatcher"], filed["id"], "verification", colour=(40, 250, 250))
    read = client.get(f"/api/v1/incidents/{filed['id']}", headers=worker).json
    assert read["status"] == "reported"

    # An ordinary report of a fixable category is not closed by its photos.
    plain = {**_on_site_body(lonlat=(112.84, 27.86))}
    del plain["resolved_on_site"]
    ordinary = client.post("/api/v1/incidents", json=plain, headers=worker).json
    upload_photo(people["worker"], ordinary["id"], "report", colour=(50, 50, 50))
    upload_photo(people["worker"], ordinary["id"], "verification", colour=(50, 250, 250))
    read = client.get(f"/api/v1/incidents/{ordinary['id']}", headers=worker).json
    assert read["status"] == "reported"


def test_resolved_on_site_in_a_sync_batch_is_checked_per_item(client, people, admin_headers):
    _fixable(client, admin_headers)
    batch = {
        "incidents": [
            _on_site_body(),
            _on_site_body(category="0102", lonlat=(112.84, 27.86)),
        ]
    }
    worker = bearer(people["worker"])
    answer = client.post("/api/v1/sync", json=batch, headers=worker)
    assert answer.status_code == 200, answer.json
    first, second = answer.json["incidents"]
    assert first["result"] == "created"
    assert first["incident"]["routing"]["resolved_on_site"] is True
    assert (second["result"], second["problem"]["code"]) == (
        "error",
        "incident.not_fixable_on_site",
    )
    resent = client.post("/api/v1/sync", json=batch, headers=worker).json["incidents"]
    assert resent[0]["result"] == "replayed"
    assert resent[0]["incident"]["id"] == first["incident"]["id"]
    assert _case_count(first["incident"]["id"]) == 1


# --- the upload's answer tells the phone what its photo changed -----------------------------


def _upload(client, user, incident_id, kind, colour, **headers):
    import io

    from tests.routing.conftest import jpeg

    return client.post(
        f"/api/v1/incidents/{incident_id}/photos",
        data={"kind": kind, "file": (io.BytesIO(jpeg(colour)), "p.jpg")},
        headers={**bearer(user), **headers},
        content_type="multipart/form-data",
    )


def test_the_photo_that_closes_the_case_says_so(app, monkeypatch, client, people, admin_headers):
    monkeypatch.setitem(app.config, "ON_SITE_SAMPLE_EVERY", 2)
    _fixable(client, admin_headers)
    worker = people["worker"]
    filed = client.post("/api/v1/incidents", json=_on_site_body(), headers=bearer(worker)).json
    before = _upload(client, worker, filed["id"], "report", (60, 60, 60))
    assert before.status_code == 201
    assert (before.json["kind"], before.json["incident"]["status"]) == ("report", "reported")
    assert before.json["incident"]["on_site"] == "awaiting_photos"

    after = _upload(client, worker, filed["id"], "verification", (60, 250, 250))
    assert after.status_code == 201
    state = after.json["incident"]
    assert (state["status"], state["on_site"]) == ("closed", "closed")
    read = client.get(f"/api/v1/incidents/{filed['id']}", headers=bearer(worker))
    assert (read.json["status"], read.headers["ETag"]) == ("closed", state["etag"])
    # The ETag in the answer is good for the next step without a re-read (the worker rates it).
    rated = client.post(
        f"/api/v1/incidents/{filed['id']}/actions",
        json={"action": "evaluate", "satisfaction": 5},
        headers={**bearer(worker), "If-Match": state["etag"]},
    )
    assert (rated.status_code, rated.json["status"]) == (200, "evaluated")
    # A phone that lost the answer sends the photo again: 200, and the state as it is now.
    resent = _upload(client, worker, filed["id"], "verification", (60, 250, 250))
    assert resent.status_code == 200
    assert resent.json["id"] == after.json["id"]
    assert (resent.json["incident"]["status"], resent.json["incident"]["on_site"]) == (
        "evaluated",
        "closed",
    )

    # The second on-the-spot fix of the county is sampled: left for the lead to confirm.
    sampled = client.post(
        "/api/v1/incidents", json=_on_site_body(lonlat=(112.84, 27.86)), headers=bearer(worker)
    ).json
    _upload(client, worker, sampled["id"], "report", (70, 70, 70))
    last = _upload(client, worker, sampled["id"], "verification", (70, 250, 250)).json
    assert (last["incident"]["status"], last["incident"]["on_site"]) == (
        "verified",
        "awaiting_confirmation",
    )


def test_an_idempotency_key_replays_the_first_answer(client, people, admin_headers):
    _fixable(client, admin_headers)
    worker = people["worker"]
    filed = client.post("/api/v1/incidents", json=_on_site_body(), headers=bearer(worker)).json
    _upload(client, worker, filed["id"], "report", (80, 80, 80))
    key = {"Idempotency-Key": "casework-last-photo"}
    first = _upload(client, worker, filed["id"], "verification", (80, 250, 250), **key)
    replay = _upload(client, worker, filed["id"], "verification", (80, 250, 250), **key)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json == first.json
    assert replay.json["incident"]["status"] == "closed"
