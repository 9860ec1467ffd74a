"""Endpoints for notices: the caller's inbox and the county's webhook subscriptions."""

from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from gridsvc.accounts import current_scope, roles_required
from gridsvc.http import Blueprint
from gridsvc.routing.notices import notify as notifications
from gridsvc.routing.notices import webhooks
from gridsvc.routing.notices.schemas import (
    DeliveryOut,
    InboxArgs,
    InboxOut,
    MarkReadIn,
    MarkReadOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from gridsvc.transactions import atomic

blp = Blueprint("notices", __name__, description="In-app notices and signed webhooks")


@blp.route("/me/notifications")
class Inbox(MethodView):
    @roles_required()
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, InboxOut)
    def get(self, args):
        """The caller's notices (dispatches, overdue warnings, 督办), newest first."""
        return notifications.inbox(
            current_user.id,
            unread_only=args["unread"],
            cursor=args.get("cursor"),
            limit=args.get("limit"),
        )


@blp.route("/me/notifications/read")
class InboxRead(MethodView):
    @roles_required()
    @atomic
    @blp.arguments(MarkReadIn)
    @blp.response(200, MarkReadOut)
    def post(self, data):
        """Mark notices read (by ids, or all)."""
        return {"updated": notifications.mark_read(current_user.id, data.get("ids"), data["all"])}


@blp.route("/webhooks")
class Webhooks(MethodView):
    @roles_required("admin")
    @blp.response(200, WebhookOut(many=True))
    def get(self):
        """The county's webhook subscriptions."""
        return webhooks.list_subscriptions(current_scope())

    @roles_required("admin")
    @atomic
    @blp.arguments(WebhookIn)
    @blp.response(201, WebhookCreated)
    def post(self, data):
        """Subscribe a URL to events; the answer carries the signing secret, once."""
        return webhooks.create_subscription(current_scope(), data, current_user.id)


@blp.route("/webhooks/<int:subscription_id>")
class WebhookItem(MethodView):
    @roles_required("admin")
    @atomic
    @blp.response(204)
    def delete(self, subscription_id):
        """Stop a subscription (its pending deliveries fail at their next attempt)."""
        scope = current_scope()
        webhooks.deactivate(scope, webhooks.get_subscription(scope, subscription_id))


@blp.route("/webhooks/<int:subscription_id>/deliveries")
class WebhookDeliveries(MethodView):
    @roles_required("admin")
    @blp.response(200, DeliveryOut(many=True))
    def get(self, subscription_id):
        """The last 100 deliveries with their status, for debugging a receiver."""
        subscription = webhooks.get_subscription(current_scope(), subscription_id)
        return webhooks.recent_deliveries(subscription)
