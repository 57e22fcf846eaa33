"""Matrix cases for outgoing webhooks: administrators only, on every route.

The webhooks built here point at a public IP literal (nothing to resolve) and listen to
`incident.escalated` only, which no other case of the matrix causes: no delivery is written.
"""

from __future__ import annotations

import json
from typing import Any

from api.db import utcnow
from api.extensions import db
from api.users.models import User
from api.webhooks.models import DeliveryStatus, EventType, Webhook, WebhookDelivery
from tests.route_matrix.base import Case, expect

PUBLIC_URL = "https://93.184.215.14/hooks/taskdesk"


def _webhook(admin: User, label: str) -> Webhook:
    hook = Webhook(
        url=f"{PUBLIC_URL}/{label}",
        event_types=EventType.INCIDENT_ESCALATED.value,
        secret="whsec_" + "A" * 43 + "=",
        created_by_id=admin.id,
    )
    db.session.add(hook)
    db.session.flush()
    return hook


def _delivery(hook: Webhook, status: DeliveryStatus, key: str) -> int:
    now = utcnow()
    row = WebhookDelivery(
        webhook_id=hook.id,
        message_id=f"msg_{key}",
        dedupe_key=f"msg_{key}:{hook.id}",
        event_type=EventType.INCIDENT_ESCALATED,
        body=json.dumps({"id": f"msg_{key}", "type": "incident.escalated", "data": {}}),
        status=status,
        attempts=3,
        next_attempt_at=now,
        retry_until=now,
        last_status=500 if status == DeliveryStatus.DEAD else 200,
        last_response="Internal Server Error" if status == DeliveryStatus.DEAD else "ok",
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """A webhook to edit, one to delete, a dead delivery (redeliverable) and a delivered one."""
    admin = people["admin"]
    hook = _webhook(admin, "kept")
    doomed = _webhook(admin, "doomed")
    values = {
        "webhook": hook.id,
        "doomed_webhook": doomed.id,
        "dead_delivery": _delivery(hook, DeliveryStatus.DEAD, f"dead{hook.id}"),
        "delivered": _delivery(hook, DeliveryStatus.DELIVERED, f"done{hook.id}"),
    }
    db.session.commit()
    return values


def admin_only(admin: int) -> dict[str, int]:
    """Anonymous and pending callers 401, employees and managers 403, admins `admin`."""
    return expect(401, 401, 403, 403, admin)


NEW = {"url": f"{PUBLIC_URL}/new", "events": ["incident.escalated"]}

CASES: list[Case] = [
    Case("GET", "/api/v1/webhooks", admin_only(200)),
    Case("POST", "/api/v1/webhooks", admin_only(201), body=NEW, label="valid"),
    Case(
        "POST",
        "/api/v1/webhooks",
        admin_only(422),
        body={"url": "http://93.184.215.14/x", "events": ["task.created"]},
        label="plain http",
    ),
    Case(
        "POST",
        "/api/v1/webhooks",
        admin_only(422),
        body={"url": f"{PUBLIC_URL}/x", "events": []},
        label="no events",
    ),
    Case(
        "POST",
        "/api/v1/webhooks",
        admin_only(422),
        body={"url": f"{PUBLIC_URL}/x", "events": ["task.exploded"]},
        label="unknown event",
    ),
    Case(
        "POST",
        "/api/v1/webhooks",
        admin_only(422),
        body={"url": "https://10.1.2.3/x", "events": ["task.created"]},
        label="private address",
    ),
    Case("GET", "/api/v1/webhooks/{webhook}", admin_only(200)),
    Case("GET", "/api/v1/webhooks/999999999", admin_only(404), label="missing"),
    Case(
        "PATCH",
        "/api/v1/webhooks/{webhook}",
        admin_only(200),
        body={"events": ["task.created", "incident.escalated"]},
    ),
    Case(
        "PATCH",
        "/api/v1/webhooks/{webhook}",
        admin_only(422),
        body={"url": "https://169.254.169.254/latest"},
        label="link-local",
    ),
    Case("PATCH", "/api/v1/webhooks/999999999", admin_only(404), body={}, label="missing"),
    Case("DELETE", "/api/v1/webhooks/{doomed_webhook}", admin_only(204)),
    Case("DELETE", "/api/v1/webhooks/999999999", admin_only(404), label="missing"),
    Case("GET", "/api/v1/webhooks/deliveries?status=dead", admin_only(200), label="dead"),
    Case("GET", "/api/v1/webhooks/deliveries?status=lost", admin_only(422), label="bad filter"),
    Case("GET", "/api/v1/webhooks/deliveries/{delivered}", admin_only(200)),
    Case("GET", "/api/v1/webhooks/deliveries/999999999", admin_only(404), label="missing"),
    Case("POST", "/api/v1/webhooks/deliveries/{dead_delivery}/redeliver", admin_only(200)),
    Case(
        "POST",
        "/api/v1/webhooks/deliveries/{delivered}/redeliver",
        admin_only(409),
        label="delivered",
    ),
    Case(
        "POST", "/api/v1/webhooks/deliveries/999999999/redeliver", admin_only(404), label="missing"
    ),
]
