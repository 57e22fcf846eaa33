"""Write webhook deliveries in the transaction of the change they report.

`emit(type, data)` inserts one `webhook_deliveries` row per active webhook subscribed to the
event, in the caller's open transaction: a change that rolls back leaves no delivery, one that
commits leaves them all (the transactional outbox, as for email: api/notifications/service.py).
The ids written are kept in `session.info`; a commit moves them to the "committed" list and a
rollback forgets them, so the request can try them once the answer is sent
(api/webhooks/delivery.py `deliver_committed`); the outbox job delivers the rest.

The payload is what an administrator may see (webhooks are registered by administrators):
identifiers, titles, states, people's user names and links; never passwords, tokens or email
addresses. The builders below read only columns and relationships the services have loaded.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from api.db import utcnow
from api.extensions import db
from api.webhooks.models import DeliveryStatus, EventType, Webhook, WebhookDelivery

QUEUED = "webhooks_queued"  # session.info key: delivery ids written in the open transaction
COMMITTED = "webhooks_committed"  # ids whose transaction committed, not yet tried


def new_message_id() -> str:
    """A Standard Webhooks message id: `msg_` and 22 random URL-safe characters."""
    return "msg_" + secrets.token_urlsafe(16)


def envelope(message_id: str, event: EventType, data: dict[str, Any], now: datetime) -> str:
    """The JSON body: {"id", "type", "created_at" (ISO 8601 UTC), "data"}."""
    return json.dumps(
        {
            "id": message_id,
            "type": event.value,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "data": data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def emit(event: EventType | str, data: dict[str, Any]) -> int:
    """Queue `event` with `data` (JSON-serialisable) for every active webhook subscribed to it,
    in the current transaction; the caller commits. Returns how many deliveries were written.

    Raises ValueError for an unknown event type. One SELECT, and one INSERT when a webhook
    listens.
    """
    event = EventType(event)
    hooks = db.session.execute(
        sa.select(Webhook.id, Webhook.event_types).where(Webhook.active.is_(True))
    ).all()
    targets = [hook_id for hook_id, types in hooks if event.value in types.split()]
    if not targets:
        return 0
    now = utcnow()
    message_id = new_message_id()
    body = envelope(message_id, event, data, now)
    until = now + timedelta(seconds=current_app.config["WEBHOOK_RETRY_SECONDS"])
    rows = [
        WebhookDelivery(
            webhook_id=hook_id,
            message_id=message_id,
            dedupe_key=f"{message_id}:{hook_id}",
            event_type=event,
            body=body,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            retry_until=until,
            created_at=now,
            updated_at=now,
        )
        for hook_id in targets
    ]
    db.session.add_all(rows)
    db.session.flush()
    db.session.info.setdefault(QUEUED, []).extend(row.id for row in rows)
    return len(rows)


def link(path: str) -> str:
    """An absolute URL under APP_BASE_URL for `path` (which starts with "/")."""
    return current_app.config["APP_BASE_URL"].rstrip("/") + path


def _name(user: Any) -> str | None:
    return getattr(user, "username", None) if user is not None else None


def task_data(task: Any, actor: Any, **extra: Any) -> dict[str, Any]:
    """A task as webhooks see it: id, ref, title, status, priority, project, assignees (ids),
    deadline, url, the actor's user name, and `extra` (e.g. `changes`)."""
    return {
        "task": {
            "id": task.id,
            "ref": task.ref,
            "title": task.title,
            "status": str(task.status),
            "priority": str(task.priority),
            "project": task.project_key,
            "assignee_ids": task.assignee_ids,
            "deadline": task.deadline.isoformat() if task.deadline else None,
            "url": link(f"/tasks/{task.id}"),
        },
        "actor": _name(actor),
        **extra,
    }


def incident_data(incident: Any, actor: Any, **extra: Any) -> dict[str, Any]:
    """An incident as webhooks see it: public id, title, severity, status, visibility, url,
    the actor's user name, and `extra`."""
    return {
        "incident": {
            "id": incident.public_id,
            "title": incident.title,
            "severity": str(incident.severity),
            "status": str(incident.status),
            "visibility": str(incident.visibility),
            "url": link(f"/incidents/{incident.public_id}"),
        },
        "actor": _name(actor),
        **extra,
    }


def _on_commit(session: Session) -> None:
    ids = session.info.pop(QUEUED, None)
    if ids:
        session.info.setdefault(COMMITTED, []).extend(ids)


def _on_rollback(session: Session) -> None:
    session.info.pop(QUEUED, None)


def _on_soft_rollback(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:
        _on_rollback(session)


def register_session_events() -> None:
    """Track written deliveries across commit and rollback (idempotent)."""
    target = db.session
    if not sa.event.contains(target, "after_commit", _on_commit):
        sa.event.listen(target, "after_commit", _on_commit)
        sa.event.listen(target, "after_rollback", _on_rollback)
        sa.event.listen(target, "after_soft_rollback", _on_soft_rollback)
