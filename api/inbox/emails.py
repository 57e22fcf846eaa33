"""The task digest email: a few minutes of one task's events for one person, in one email.

Design. Time is cut into fixed windows of NOTIFY_DIGEST_SECONDS (default 300 s, UTC, counted
from the epoch). The first event of a window for (person, task) queues an outbox row with the
dedupe key `task-digest:<user>:<task>:<window>` and `next_attempt_at` at the window's end, so
neither the after-request send nor the outbox job sends it earlier (api/leases.py claims only
rows that are due). Each later event of the same window re-renders the email from every
email-channel notification of that person, task and window, and replaces the pending row's
subject and bodies (`api.notifications.service.queue_or_replace`) in the event's transaction.
When the window has closed the outbox job (every 5 minutes) sends one email. Should the row
already be claimed when an event arrives (possible only within clock skew of the window's end),
the event gets its own email keyed by its notification id: late, never lost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import current_app

from api.db import utcnow
from api.extensions import db
from api.inbox import batch
from api.notifications.models import EmailKind
from api.notifications.service import queue_or_replace

LINES = {
    "assigned": "{actor} assigned the task to you",
    "mentioned": "{actor} mentioned you",
    "commented": "{actor} commented",
    "status_changed": "{actor} changed the status",
}


def window(now: datetime, seconds: int) -> tuple[int, datetime, datetime]:
    """The digest window holding `now`: (number, start, end), times aware UTC."""
    number = int(now.timestamp()) // seconds
    start = datetime.fromtimestamp(number * seconds, UTC)
    return number, start, start + timedelta(seconds=seconds)


def task_digest(person: Any, *, task_id: int, title: str, path: str) -> None:
    """Queue, or grow, `person`'s digest email of task `task_id` for the current window."""
    from api.inbox.models import Notification

    seconds = int(current_app.config["NOTIFY_DIGEST_SECONDS"])
    number, start, end = window(utcnow(), seconds)
    rows = list(
        db.session.scalars(
            sa.select(Notification)
            .where(
                Notification.user_id == person.id,
                Notification.task_id == task_id,
                Notification.email.is_(True),
                Notification.created_at >= start,
                Notification.created_at < end,
            )
            .order_by(Notification.id)
            .options(sa.orm.joinedload(Notification.actor))
        )
    )
    if not rows:
        return
    items = [
        {
            "when": row.created_at.strftime("%H:%M"),
            "line": LINES.get(row.kind.value, row.kind.value).format(
                actor=row.actor.username if row.actor else "Someone"
            ),
            "excerpt": row.excerpt,
        }
        for row in rows
    ]
    task = SimpleNamespace(id=task_id, title=title)
    if batch.collect(person.id, task=task, line=items[-1]["line"], excerpt=items[-1]["excerpt"]):
        return  # a bulk change: one email for the whole batch (api/inbox/batch.py)
    context = {"title": title, "path": path, "items": items}
    key = f"task-digest:{person.id}:{task_id}:{number}"
    if not queue_or_replace(
        kind=EmailKind.TASK_ACTIVITY, to=person, dedupe_key=key, context=context, not_before=end
    ):
        queue_or_replace(
            kind=EmailKind.TASK_ACTIVITY,
            to=person,
            dedupe_key=f"task-digest-late:{rows[-1].id}",
            context={**context, "items": items[-1:]},
            not_before=utcnow(),
        )
