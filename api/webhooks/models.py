"""Outgoing webhooks: the endpoints admins register and the delivery outbox they feed.

A `WebhookDelivery` row is one event for one webhook, written in the transaction of the change
it reports (api/webhooks/events.py) and delivered through the lease rules every outbox shares
(api/leases.py, api/webhooks/delivery.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from api.db import str_enum, utcnow
from api.extensions import db


class EventType(StrEnum):
    """The events a webhook may subscribe to (`<object>.<what happened>`)."""

    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_ASSIGNED = "task.assigned"
    TASK_COMPLETED = "task.completed"
    COMMENT_CREATED = "comment.created"
    INCIDENT_REPORTED = "incident.reported"
    INCIDENT_STATUS_CHANGED = "incident.status_changed"
    INCIDENT_RESPONDED = "incident.responded"
    INCIDENT_ESCALATED = "incident.escalated"


class WebhookFormat(StrEnum):
    """`standard`: the JSON envelope signed per Standard Webhooks; `slack`: `{"text": …}` for a
    Slack (or compatible) incoming-webhook URL, signed the same way."""

    STANDARD = "standard"
    SLACK = "slack"


class DeliveryStatus(StrEnum):
    """Where a delivery stands; the same life as an email's (api/notifications/models.py).

    `pending` (due at `next_attempt_at`), `sending` (claimed until `locked_until`), `delivered`
    (the receiver answered 2xx), `failed` (retried at `next_attempt_at`), `dead` (retries ran
    out: WEBHOOK_RETRY_SECONDS after the event; an admin may redeliver).
    """

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    DEAD = "dead"


class Webhook(db.Model):
    """An endpoint that receives events. `event_types` is a space-separated list of EventType
    values. `secret` (`whsec_` + base64 of 32 random bytes) signs every delivery; the API shows
    it once, in the answer that creates the webhook."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    format: Mapped[WebhookFormat] = mapped_column(
        str_enum(WebhookFormat), default=WebhookFormat.STANDARD
    )
    event_types: Mapped[str] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def host(self) -> str:
        """The URL's host (and port), for lists."""
        return urlsplit(self.url).netloc.rpartition("@")[2]

    @property
    def events(self) -> list[str]:
        """The subscribed event types, in EventType order."""
        chosen = set(self.event_types.split())
        return [e.value for e in EventType if e.value in chosen]

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    """One event for one webhook. `message_id` is the event's `webhook-id` (the same for every
    webhook of one event and every retry: receivers deduplicate on it); `dedupe_key` is unique
    (`<message_id>:<webhook_id>`). `body` is the JSON sent, fixed when the event happened.
    `last_status` and `last_response` (an excerpt) record the last attempt's answer; a failure
    at or after `retry_until` (the event + WEBHOOK_RETRY_SECONDS, or a redelivery + the same)
    makes the row dead."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_webhook_id_created_at", "webhook_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(sa.String(40))
    dedupe_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    event_type: Mapped[EventType] = mapped_column(str_enum(EventType, length=40))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), default=None, index=True)
    last_status: Mapped[int | None] = mapped_column(default=None)
    last_response: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    retry_until: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.status}>"
