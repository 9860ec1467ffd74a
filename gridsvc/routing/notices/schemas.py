"""Request and response shapes of notices: the inbox and webhook subscriptions."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridsvc.routing.directory.schemas import COUNTY, PageArgs


class InboxArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationOut(Schema):
    id = fields.Integer()
    event = fields.String()
    title = fields.String()
    body = fields.String(allow_none=True)
    incident_id = fields.Integer(allow_none=True)
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxOut(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    next_cursor = fields.String(allow_none=True)
    unread = fields.Integer()


class MarkReadIn(Schema):
    ids = fields.List(fields.Integer(), validate=validate.Length(max=500))
    all = fields.Boolean(load_default=False)


class WebhookIn(Schema):
    county_code = fields.String(validate=COUNTY, metadata={"description": "global admins only"})
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=500),
        metadata={"description": "https (http only where WEBHOOK_ALLOW_HTTP) to a public address"},
    )
    team_id = fields.Integer(validate=validate.Range(min=1))
    events = fields.List(
        fields.String(validate=validate.Length(1, 64)), validate=validate.Length(1, 50)
    )


class WebhookOut(Schema):
    id = fields.Integer()
    county_code = fields.String()
    team_id = fields.Integer(allow_none=True)
    url = fields.String()
    events = fields.List(fields.String(), allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()


class WebhookCreated(WebhookOut):
    secret = fields.String(metadata={"description": "shown once: verify X-Gridsvc-Signature"})


class DeliveryOut(Schema):
    id = fields.UUID()
    event = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(
        allow_none=True, metadata={"description": "a short failure word, never the response body"}
    )
    last_attempt_at = fields.DateTime(allow_none=True)
    last_duration_ms = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime()


class MarkReadOut(Schema):
    updated = fields.Integer(metadata={"description": "how many notices were marked read"})
