"""One email per person for a batch of task changes (the bulk actions of the task list).

A single change emails as it always does: the assignment and completion emails
(api/tasks/emails.py) and the task digest (api/inbox/emails.py). While a batch is collecting
(`collecting()`), those three hand their line to the batch instead of queuing an email; the
bulk command keeps the lines of each task whose transaction committed (`keep`) and drops those
of a task it rolled back (`drop`), then `send` queues one `task_batch` email per person with
every line of theirs. The in-app notifications are written as for a single change.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from api.db import unit_of_work
from api.extensions import db
from api.notifications.models import EmailKind
from api.notifications.service import queue
from api.users.models import User, UserStatus


@dataclass
class Batch:
    """The email lines of a batch, per person id: `kept` (their task committed) and `pending`
    (the task being changed now). `token` names the batch in the emails' dedupe keys."""

    token: str = field(default_factory=lambda: secrets.token_hex(8))
    kept: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pending: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def keep(self) -> None:
        """The current task's transaction committed: its lines go out with the batch."""
        for person_id, lines in self.pending.items():
            self.kept.setdefault(person_id, []).extend(lines)
        self.pending.clear()

    def drop(self) -> None:
        """The current task's transaction rolled back: nothing of it is told."""
        self.pending.clear()


_current: ContextVar[Batch | None] = ContextVar("taskdesk_task_email_batch", default=None)


@contextmanager
def collecting() -> Iterator[Batch]:
    """Collect the task emails of this block in a Batch instead of queuing them."""
    batch = Batch()
    token = _current.set(batch)
    try:
        yield batch
    finally:
        _current.reset(token)


def collect(person_id: int, *, task: Any, line: str, excerpt: str = "") -> bool:
    """Hand one email line about `task` for `person_id` to the collecting batch; False (and
    nothing done) when no batch is collecting, so the caller emails as usual."""
    batch = _current.get()
    if batch is None:
        return False
    lines = batch.pending.setdefault(person_id, [])
    item = {
        "task_id": task.id,
        "ref": getattr(task, "ref", None) or "",
        "title": task.title,
        "path": f"/tasks/{task.id}",
        "line": line,
        "excerpt": excerpt,
    }
    if not any(seen["task_id"] == task.id and seen["line"] == line for seen in lines):
        lines.append(item)
    return True


def send(batch: Batch, *, actor: User) -> int:
    """Queue one `task_batch` email per person with kept lines (active accounts only), in one
    transaction; returns how many were queued."""
    sent = 0
    with unit_of_work():
        for person_id, items in batch.kept.items():
            person = db.session.get(User, person_id)
            if person is None or person.status != UserStatus.ACTIVE or not items:
                continue
            tasks = {item["task_id"] for item in items}
            sent += queue(
                kind=EmailKind.TASK_BATCH,
                to=person,
                dedupe_key=f"task-batch:{batch.token}:{person.id}",
                context={"actor": actor, "items": items, "task_count": len(tasks)},
            )
    return sent
