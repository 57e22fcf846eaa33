"""Webhook commands for administrators (webhook.admin): register, list, edit and delete
webhooks; list deliveries and redeliver one by hand.

A webhook's secret is made here (`whsec_` + base64 of 32 random bytes, the Standard Webhooks
form) and shown once: `create` returns it beside the webhook, and no read shows it again.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from api.db import Page, paginate, unit_of_work, utcnow
from api.errors import Conflict, NotFound, Unprocessable
from api.extensions import db
from api.permissions import Capability, require
from api.webhooks import targets
from api.webhooks.events import QUEUED
from api.webhooks.models import (
    DeliveryStatus,
    EventType,
    Webhook,
    WebhookDelivery,
    WebhookFormat,
)

MAX_WEBHOOKS = 50


def new_secret() -> str:
    """A signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        targets.check(url, allow_local=current_app.config["WEBHOOK_ALLOW_LOCAL"])
    except targets.TargetRefused as exc:
        raise Unprocessable.field("url", str(exc)) from exc
    return url


def _check_events(events: list[Any]) -> str:
    chosen = {str(EventType(e)) for e in events}
    if not chosen:
        raise Unprocessable.field("events", "Choose at least one event.")
    return " ".join(e.value for e in EventType if e.value in chosen)


def _get(webhook_id: int) -> Webhook:
    hook = db.session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("Webhook not found.")
    return hook


@dataclass(frozen=True)
class Created:
    """A new webhook and its secret, which no later read returns."""

    webhook: Webhook
    secret: str

    def __getattr__(self, name: str) -> Any:
        """The webhook's attributes, so that one schema dumps the webhook and the secret."""
        return getattr(self.webhook, name)


def list_webhooks(*, actor: Any) -> list[Webhook]:
    """Every webhook, oldest first (webhook.admin; raises Forbidden)."""
    require(actor, Capability.WEBHOOK_ADMIN)
    return list(db.session.scalars(sa.select(Webhook).order_by(Webhook.id)))


def get_webhook(*, webhook_id: int, actor: Any) -> Webhook:
    """One webhook (webhook.admin). Raises Forbidden, NotFound."""
    require(actor, Capability.WEBHOOK_ADMIN)
    return _get(webhook_id)


def create(*, data: dict[str, Any], actor: Any) -> Created:
    """Register a webhook: `data` holds url, events (EventType values, at least one), and
    optionally format (standard | slack) and description.

    Raises Forbidden, Unprocessable naming `url` (not https outside development, or its host
    resolves to a private, loopback or link-local address) or `events` (empty), Conflict when
    MAX_WEBHOOKS exist.
    """
    require(actor, Capability.WEBHOOK_ADMIN)
    url = _check_url(data["url"])
    event_types = _check_events(data["events"])
    with unit_of_work():
        if db.session.scalar(sa.select(sa.func.count()).select_from(Webhook)) >= MAX_WEBHOOKS:
            raise Conflict(f"At most {MAX_WEBHOOKS} webhooks; delete one first.")
        secret = new_secret()
        hook = Webhook(
            url=url,
            description=data.get("description", ""),
            format=data.get("format", WebhookFormat.STANDARD),
            event_types=event_types,
            secret=secret,
            active=data.get("active", True),
            created_by_id=actor.id,
        )
        db.session.add(hook)
    return Created(hook, secret)


def update(*, webhook_id: int, changes: dict[str, Any], actor: Any) -> Webhook:
    """Change a webhook's url, events, format, description or active flag (webhook.admin).

    Raises Forbidden, NotFound, Unprocessable (as for `create`).
    """
    require(actor, Capability.WEBHOOK_ADMIN)
    if "url" in changes:
        changes = {**changes, "url": _check_url(changes["url"])}
    if "events" in changes:
        changes = {**changes, "event_types": _check_events(changes.pop("events"))}
    with unit_of_work():
        hook = _get(webhook_id)
        for name in ("url", "event_types", "format", "description", "active"):
            if name in changes:
                setattr(hook, name, changes[name])
    return hook


def delete(*, webhook_id: int, actor: Any) -> None:
    """Delete a webhook and its deliveries (webhook.admin). Raises Forbidden, NotFound."""
    require(actor, Capability.WEBHOOK_ADMIN)
    with unit_of_work():
        db.session.delete(_get(webhook_id))


@dataclass(frozen=True)
class DeliveryFilter:
    """Filters of the delivery list: a status, a webhook id (None: any)."""

    status: DeliveryStatus | None = None
    webhook_id: int | None = None


def list_deliveries(
    *, filters: DeliveryFilter, actor: Any, page: int, page_size: int
) -> Page[WebhookDelivery]:
    """One page of deliveries, newest first (webhook.admin; raises Forbidden)."""
    require(actor, Capability.WEBHOOK_ADMIN)
    stmt = sa.select(WebhookDelivery)
    if filters.status:
        stmt = stmt.where(WebhookDelivery.status == filters.status)
    if filters.webhook_id:
        stmt = stmt.where(WebhookDelivery.webhook_id == filters.webhook_id)
    stmt = stmt.order_by(WebhookDelivery.id.desc())
    return paginate(db.session, stmt, page=page, page_size=page_size)


def get_delivery(*, delivery_id: int, actor: Any) -> WebhookDelivery:
    """One delivery with its body (webhook.admin). Raises Forbidden, NotFound."""
    require(actor, Capability.WEBHOOK_ADMIN)
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound("Delivery not found.")
    return row


def redeliver(*, delivery_id: int, actor: Any) -> WebhookDelivery:
    """Send a dead (or failed) delivery again, due now, with a fresh retry window of
    WEBHOOK_RETRY_SECONDS and the same `webhook-id` (webhook.admin).

    Raises Forbidden, NotFound, Conflict (delivered or being sent).
    """
    require(actor, Capability.WEBHOOK_ADMIN)
    with unit_of_work():
        row = db.session.get(WebhookDelivery, delivery_id)
        if row is None:
            raise NotFound("Delivery not found.")
        if row.status not in (DeliveryStatus.DEAD, DeliveryStatus.FAILED):
            raise Conflict(
                f"Only dead or failed deliveries can be redelivered; this one is {row.status}."
            )
        now = utcnow()
        row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING, 0, now
        row.retry_until = now + timedelta(seconds=current_app.config["WEBHOOK_RETRY_SECONDS"])
        db.session.info.setdefault(QUEUED, []).append(row.id)
    return row
