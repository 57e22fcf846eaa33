"""Outgoing webhooks under /api/v1/webhooks (administrators)."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.guards import current, login_required
from api.permissions import Capability
from api.webhooks import schemas, service

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Outgoing webhooks and their deliveries (administrators)",
)


@blp.get("")
@login_required(Capability.WEBHOOK_ADMIN)
@blp.response(200, schemas.WebhookList)
def list_webhooks():
    """Every webhook: URL, events, format (secrets are never listed)."""
    return {"items": service.list_webhooks(actor=current())}


@blp.post("")
@login_required(Capability.WEBHOOK_ADMIN)
@blp.arguments(schemas.WebhookIn())
@blp.response(201, schemas.WebhookCreated)
def create_webhook(data: dict):
    """Register a webhook. The answer holds its signing secret, shown this once: deliveries
    carry Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature)."""
    created = service.create(data=data, actor=current())
    return created, 201, {"Location": f"/api/v1/webhooks/{created.webhook.id}"}


@blp.get("/<int:webhook_id>")
@login_required(Capability.WEBHOOK_ADMIN)
@blp.response(200, schemas.WebhookRead)
def get_webhook(webhook_id: int):
    """One webhook (without its secret)."""
    return service.get_webhook(webhook_id=webhook_id, actor=current())


@blp.patch("/<int:webhook_id>")
@login_required(Capability.WEBHOOK_ADMIN)
@blp.arguments(schemas.WebhookUpdate())
@blp.response(200, schemas.WebhookRead)
def update_webhook(data: dict, webhook_id: int):
    """Change a webhook's URL, events, format, description or active flag."""
    return service.update(webhook_id=webhook_id, changes=data, actor=current())


@blp.delete("/<int:webhook_id>")
@login_required(Capability.WEBHOOK_ADMIN)
@blp.response(204)
def delete_webhook(webhook_id: int):
    """Delete a webhook and its deliveries."""
    service.delete(webhook_id=webhook_id, actor=current())


@blp.get("/deliveries")
@login_required(Capability.WEBHOOK_ADMIN)
@blp.arguments(schemas.DeliveryQuery(), location="query")
@blp.response(200, schemas.DeliveryPage)
def list_deliveries(query: dict):
    """Deliveries, newest first; `status=dead` lists the dead letters with the last HTTP
    status and the start of the last answer."""
    return service.list_deliveries(
        filters=service.DeliveryFilter(
            status=query.get("status"), webhook_id=query.get("webhook_id")
        ),
        actor=current(),
        page=query["page"],
        page_size=query["page_size"],
    )


@blp.get("/deliveries/<int:delivery_id>")
@login_required(Capability.WEBHOOK_ADMIN)
@blp.response(200, schemas.DeliveryDetail)
def get_delivery(delivery_id: int):
    """One delivery with the JSON body it sends."""
    return service.get_delivery(delivery_id=delivery_id, actor=current())


@blp.post("/deliveries/<int:delivery_id>/redeliver")
@login_required(Capability.WEBHOOK_ADMIN)
@blp.response(200, schemas.DeliveryRead)
def redeliver(delivery_id: int):
    """Send a dead or failed delivery again (same webhook-id), with a fresh 24 h of retries."""
    return service.redeliver(delivery_id=delivery_id, actor=current())
