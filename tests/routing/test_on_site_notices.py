"""What the team lead hears of reports filed as fixed on the spot (自处置), in order of events:
report first (nobody asked to accept), photos later (closed: nothing, sampled: confirm), photos
late (asked after all, once), and retries adding nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from gridsvc.extensions import db
from gridsvc.routing.cases.on_site_notices import late_photos
from gridsvc.routing.notices.models import Notification, WebhookDelivery, WebhookSubscription
from tests.conftest import bearer
from tests.routing.conftest import HOME
from tests.routing.test_on_site import _fixable, _on_site_body


def _notices(user, incident_id) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Notification.event, Notification.title)
        .where(Notification.user_id == user.id, Notification.incident_id == incident_id)
        .order_by(Notification.id)
    ).all()
    return [tuple(r) for r in rows]


def _deliveries(incident_id) -> list[str]:
    """The webhook events queued for this incident (sorted: one test is one transaction, so
    their created_at are all equal)."""
    return sorted(
        db.session.scalars(
            select(WebhookDelivery.event).where(
                WebhookDelivery.payload["incident_id"].as_integer() == incident_id
            )
        )
    )


def _file_twice(client, worker, body=None):
    """File an on-the-spot report, and its retry (same client_id): one incident."""
    body = body or _on_site_body(lonlat=HOME)  # township 1: people['lead']'s team
    first = client.post("/api/v1/incidents", json=body, headers=bearer(worker))
    again = client.post("/api/v1/incidents", json=body, headers=bearer(worker))
    assert first.status_code == again.status_code == 201, first.json
    assert again.json["id"] == first.json["id"]
    return first.json


def _photos(upload_photo, worker, incident_id, shade):
    upload_photo(worker, incident_id, "report", colour=(shade, shade, shade))
    upload_photo(worker, incident_id, "verification", colour=(shade, 250, 250))


def test_an_on_site_report_asks_nobody_and_closes_quietly(
    app, monkeypatch, client, people, report, act, upload_photo, admin_headers
):
    monkeypatch.setitem(app.config, "ON_SITE_SAMPLE_EVERY", 0)  # none sampled
    _fixable(client, admin_headers)
    lead, worker = people["lead"], people["worker"]
    filed = _file_twice(client, worker)
    assert _notices(lead, filed["id"]) == []  # filed: nobody is asked to accept it
    _photos(upload_photo, worker, filed["id"], 90)
    read = client.get(f"/api/v1/incidents/{filed['id']}", headers=bearer(worker)).json
    assert read["status"] == "closed"
    assert _notices(lead, filed["id"]) == []  # closed on arrival: nothing for the lead to do
    # Long after, the sweep finds nothing to ask about: the case is closed.
    assert late_photos(datetime.now(UTC) + timedelta(days=1)) == 0
    assert _notices(lead, filed["id"]) == []

    # An ordinary report of the same category asks the lead, as before; when the worker then
    # fixes it on the spot by hand, the lead is told it needs nothing more.
    plain = report("0104", lonlat=(112.83, 27.88))
    assert _notices(lead, plain["id"]) == [("case.routed", f"新案件待受理：{plain['id']}号")]
    before = upload_photo(worker, plain["id"], "report", colour=(91, 91, 91))
    after = upload_photo(worker, plain["id"], "verification", colour=(91, 250, 250))
    assert act(worker, plain["id"], "fix_on_site", photo_ids=[before, after]).status_code == 200
    assert [e for e, _ in _notices(lead, plain["id"])] == ["case.routed", "case.closed_on_site"]
    assert _notices(people["lead2"], plain["id"]) == []  # another township's lead: nothing


def test_late_photos_ask_the_lead_once_then_the_close_tells_them(
    app, monkeypatch, client, people, upload_photo, admin_headers
):
    monkeypatch.setitem(app.config, "ON_SITE_SAMPLE_EVERY", 0)
    monkeypatch.setitem(app.config, "ON_SITE_PHOTOS_GRACE_MINUTES", 30)
    _fixable(client, admin_headers)
    lead, worker = people["lead"], people["worker"]
    # A county system subscribed to every event (written directly: the API resolves the host,
    # and nothing is posted here — only the queued deliveries are looked at).
    db.session.add(
        WebhookSubscription(
            county_code="430302", url="https://hooks.example.com/g", secret="s" * 32
        )
    )
    db.session.flush()
    filed = _file_twice(client, worker)
    # The county's systems learn of the case when it is filed, though no person is asked.
    assert _deliveries(filed["id"]) == ["case.routed"]
    upload_photo(worker, filed["id"], "report", colour=(100, 100, 100))  # the after photo is late
    now = datetime.now(UTC)
    assert late_photos(now + timedelta(minutes=20)) == 0  # within the grace: still nobody
    assert _notices(lead, filed["id"]) == []
    assert late_photos(now + timedelta(minutes=31)) == 1
    asked = _notices(lead, filed["id"])
    assert asked == [("case.routed", f"新案件待受理：{filed['id']}号（自处置照片未到齐）")]
    # The next minutes' sweeps ask nothing more; the audit trail says when the lead was asked.
    assert late_photos(now + timedelta(minutes=32)) == 0
    assert late_photos(now + timedelta(hours=5)) == 0
    assert _notices(lead, filed["id"]) == asked
    assert _deliveries(filed["id"]) == ["case.routed"]  # not posted to the systems twice
    events = client.get(f"/api/v1/incidents/{filed['id']}/events", headers=admin_headers).json
    assert [e["action"] for e in events["items"]].count("on_site_photos_late") == 1

    # The after photo arrives at last: closed, and the lead who was asked is told (once).
    upload_photo(worker, filed["id"], "verification", colour=(100, 250, 250))
    upload_photo(worker, filed["id"], "verification", colour=(100, 250, 250))  # a resend
    told = _notices(lead, filed["id"])
    assert [e for e, _ in told] == ["case.routed", "case.closed_on_site"]
    assert "无需受理" in told[1][1]
    assert _deliveries(filed["id"]) == ["case.closed_on_site", "case.routed"]


def test_a_sampled_fix_asks_the_lead_to_confirm_once(
    app, monkeypatch, client, people, act, upload_photo, admin_headers
):
    monkeypatch.setitem(app.config, "ON_SITE_SAMPLE_EVERY", 1)  # every one sampled
    _fixable(client, admin_headers)
    lead, worker = people["lead"], people["worker"]
    filed = _file_twice(client, worker)
    _photos(upload_photo, worker, filed["id"], 110)
    _photos(upload_photo, worker, filed["id"], 110)  # the phone resends both
    assert _notices(lead, filed["id"]) == [
        ("case.on_site_sampled", f"待确认：{filed['id']}号案件网格员已自处置（抽查）")
    ]
    assert _notices(people["officer"], filed["id"]) == []  # the lead confirms, not the officers
    assert late_photos(datetime.now(UTC) + timedelta(days=1)) == 0  # not reported any more
    confirmed = act(lead, filed["id"], "close")
    assert (confirmed.status_code, confirmed.json["status"]) == (200, "closed")


def test_the_sla_sweep_runs_it_by_beat_and_by_hand(app, monkeypatch, client, people, admin_headers):
    from gridsvc.routing.tasks import sla_sweep

    monkeypatch.setitem(app.config, "ON_SITE_PHOTOS_GRACE_MINUTES", 0)
    _fixable(client, admin_headers)
    filed = _file_twice(client, people["worker"])
    by_hand = app.test_cli_runner().invoke(args=["routing", "sla-sweep"])
    assert by_hand.exit_code == 0, by_hand.output
    assert "photos late, announced: 1" in by_hand.output
    assert [e for e, _ in _notices(people["lead"], filed["id"])] == ["case.routed"]
    assert sla_sweep()["on_site_late"] == 0  # beat's next minute: already asked
