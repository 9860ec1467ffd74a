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
