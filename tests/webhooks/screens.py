"""Webhooks and deliveries for the screenshots (tests/browser/test_screenshots.py)."""

from __future__ import annotations

import json
from datetime import timedelta

from api.db import utcnow
from api.extensions import db
from api.users.models import User
from api.webhooks.models import DeliveryStatus, EventType, Webhook, WebhookDelivery
from api.webhooks.service import new_secret

HOOKS = [
    ("https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnop", "slack", "#ops channel"),
    ("https://ops.example.com/taskdesk/events", "standard", "Pager bridge"),
]
DELIVERIES = [
    (EventType.INCIDENT_REPORTED, DeliveryStatus.DEAD, 503, "upstream connect error or disconnect"),
    (EventType.TASK_COMPLETED, DeliveryStatus.FAILED, 500, "Internal Server Error"),
    (EventType.TASK_CREATED, DeliveryStatus.DELIVERED, 200, "ok"),
    (EventType.COMMENT_CREATED, DeliveryStatus.PENDING, None, None),
]


def webhooks_world(admin: User) -> int:
    """Two webhooks and a delivery of each status; returns the first webhook's id."""
    hooks = []
    for url, kind, description in HOOKS:
        hook = Webhook(
            url=url,
            format=kind,
            description=description,
            event_types=" ".join(e.value for e in EventType if e.value.startswith("incident")),
            secret=new_secret(),
            created_by_id=admin.id,
        )
        db.session.add(hook)
        hooks.append(hook)
    db.session.flush()
    now = utcnow()
    for n, (event, status, code, answer) in enumerate(DELIVERIES):
        message = f"msg_screens{n:02d}abcdefghijk"
        db.session.add(
            WebhookDelivery(
                webhook_id=hooks[n % 2].id,
                message_id=message,
                dedupe_key=f"{message}:{hooks[n % 2].id}",
                event_type=event,
                body=json.dumps({"id": message, "type": event.value, "data": {}}),
                status=status,
                attempts={DeliveryStatus.DEAD: 14, DeliveryStatus.FAILED: 3}.get(status, 1),
                next_attempt_at=now + timedelta(minutes=4),
                retry_until=now + timedelta(hours=20),
                last_status=code,
                last_response=answer,
                created_at=now - timedelta(hours=25 if status == DeliveryStatus.DEAD else 1),
                delivered_at=now if status == DeliveryStatus.DELIVERED else None,
            )
        )
    db.session.commit()
    return hooks[0].id
