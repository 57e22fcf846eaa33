"""The daily reminder (run hourly; api/jobs.py): each person's open tasks, overdue first.

Who gets one is `reminder_candidates` plus "has an open task assigned" (`_open_tasks`); what is
overdue is the tasks domain's own rule (api.tasks.models.is_overdue). The job takes `now` (aware
UTC) so that tests and reruns pass explicit times, and is safe to run twice or twice at once:
the dedupe key `reminder:<user id>:<local date>` admits one email per user and local day, and a
row is sent only by the worker that claimed it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import OperationalError

from api.db import utcnow
from api.extensions import db
from api.notifications import delivery
from api.notifications import service as outbox
from api.notifications.backends import Backend, get_backend
from api.notifications.models import EmailKind, OutboxEmail, OutboxStatus
from api.tasks.models import PRIORITY_RANK, Task, TaskAssignee, TaskStatus, is_overdue
from api.users.models import User, UserStatus

log = logging.getLogger(__name__)

REMINDER_TASKS_SHOWN = 20  # tasks listed in one reminder; the rest is a count and a link


@dataclass
class ReminderResult:
    """What one reminders run did: users looked at, emails queued by this run (`skipped`: kept
    in the outbox unsent, the address was refused), sending counts (only the emails whose
    outcome this run recorded; `lost`: taken over by another worker)."""

    batches: int = 0
    users_seen: int = 0
    due: int = 0
    queued: int = 0
    skipped: int = 0
    sending: delivery.SendResult = field(default_factory=delivery.SendResult)

    def as_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "users_seen": self.users_seen,
            "due": self.due,
            "queued": self.queued,
            "sent": self.sending.sent,
            "deferred": self.sending.deferred,
            "failed": self.sending.failed,
            "dead": self.sending.dead,
            "lost": self.sending.lost,
            "skipped": self.skipped,
        }


def _zone(name: str, fallback: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def local_reminder_date(
    timezone: str, now: datetime, hour: int, fallback: str = "UTC"
) -> date | None:
    """The user's local date if their local time has reached `hour` on it, else None."""
    local = now.astimezone(_zone(timezone, fallback))
    return local.date() if local.hour >= hour else None


def _task_entry(task: Any, now: datetime) -> dict[str, Any]:
    deadline = task.deadline
    return {
        "id": task.id,
        "title": task.title,
        "priority": task.priority.value if hasattr(task.priority, "value") else task.priority,
        "deadline": deadline.strftime("%Y-%m-%d %H:%M UTC") if deadline else None,
        "overdue": is_overdue(deadline, task.status, now),
    }


def _reminder_order(task: Any, now: datetime) -> tuple[Any, ...]:
    """Overdue first, then by deadline (none last), then higher priority, then id."""
    overdue = is_overdue(task.deadline, task.status, now)
    return (
        0 if overdue else 1,
        task.deadline is None,
        task.deadline or now,
        -PRIORITY_RANK[task.priority],
        task.id,
    )


def run_reminders(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    backend: Backend | None = None,
    send: bool = True,
    progress: Callable[[ReminderResult], None] | None = None,
    stop_after_batches: int | None = None,
) -> ReminderResult:
    """Queue and send the daily reminder to each user whose local time has reached REMINDER_HOUR.

    Eligible: active, `notify_daily_reminder` on, at least one open task assigned, and no reminder
    yet for their local date. Users are read in id order in batches of `batch_size`; each batch
    costs a fixed number of SQL statements whatever its size (users, existing keys, open tasks,
    one multi-row insert, commit; then claim and read back), plus two UPDATEs per email sent
    (the claim confirmed before the send, the outcome committed as the provider answers, so a
    crash duplicates at most one).
    Sending is paced to the provider's maximum send rate, read once per run.
    `stop_after_batches` ends the run early (tests simulate a crash with it).
    """
    now = now or utcnow()
    app = current_app._get_current_object()
    hour = app.config["REMINDER_HOUR"]
    fallback = app.config["DEFAULT_TIMEZONE"]
    batch_size = batch_size or app.config["REMINDER_BATCH_SIZE"]
    backend = backend or get_backend(app)
    pacer = delivery.Pacer(delivery.send_rate(backend)) if send else None
    result = ReminderResult()
    last_id = 0
    while stop_after_batches is None or result.batches < stop_after_batches:
        people = reminder_candidates(after_id=last_id, limit=batch_size)
        if not people:
            break
        last_id = people[-1].id
        result.batches += 1
        result.users_seen += len(people)
        keys = _with_lock_retry(
            lambda people=people: _batch(
                people, now=now, hour=hour, fallback=fallback, result=result
            )
        )
        if send and keys and pacer is not None:
            rows = delivery.claim(keys=keys, now=now)
            result.sending.add(delivery.send_claimed(rows, backend, pacer=pacer, now=now))
        db.session.info.pop(outbox.COMMITTED, None)  # handled here, not after the request
        if progress:
            progress(result)
    db.session.commit()
    return result


def reminder_candidates(*, after_id: int, limit: int) -> list[Any]:
    """Who may get the daily reminder, `limit` at a time in id order after `after_id`: active
    accounts that keep `notify_daily_reminder` on. Rows of (id, email, username, timezone).

    Of these, a person gets one on a local day when their local time has reached REMINDER_HOUR
    and they have an open task assigned (`_open_tasks`).
    """
    return db.session.execute(
        sa.select(User.id, User.email, User.username, User.timezone)
        .where(
            User.id > after_id,
            User.status == UserStatus.ACTIVE,
            User.notify_daily_reminder.is_(True),
        )
        .order_by(User.id)
        .limit(limit)
    ).all()


def _open_tasks(user_ids: list[int]) -> dict[int, list[Any]]:
    """The open (not completed) tasks of which each of `user_ids` is one of the assignees:
    one statement."""
    tasks_by_user: dict[int, list[Any]] = {uid: [] for uid in user_ids}
    if user_ids:
        for task in db.session.execute(
            sa.select(
                Task.id,
                Task.title,
                Task.priority,
                Task.deadline,
                Task.status,
                TaskAssignee.user_id.label("assignee_id"),
            )
            .join(TaskAssignee, TaskAssignee.task_id == Task.id)
            .where(TaskAssignee.user_id.in_(user_ids), Task.status != TaskStatus.COMPLETED)
            .order_by(Task.id)
        ):
            tasks_by_user[task.assignee_id].append(task)
    return tasks_by_user


LOCK_CONFLICTS = (1205, 1213)  # MySQL: lock wait timeout, deadlock (the batch is retried)


def _with_lock_retry(work: Callable[[], list[str]], tries: int = 3) -> list[str]:
    """Run `work`; on a MySQL deadlock between concurrent runs roll back and run it again."""
    for attempt in range(tries):
        try:
            return work()
        except OperationalError as exc:
            db.session.rollback()
            code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
            if code not in LOCK_CONFLICTS or attempt == tries - 1:
                raise
            log.info("reminders batch hit a lock conflict (%s); retrying", code)
    return []


def _batch(
    people: list[Any], *, now: datetime, hour: int, fallback: str, result: ReminderResult
) -> list[str]:
    """Queue this batch's reminders and commit; return the dedupe keys due for sending."""
    due: dict[int, tuple[Any, date]] = {}
    for person in people:
        local_date = local_reminder_date(person.timezone, now, hour, fallback)
        if local_date is not None:
            due[person.id] = (person, local_date)
    if not due:
        db.session.commit()
        return []
    keys = {uid: f"reminder:{uid}:{d.isoformat()}" for uid, (_p, d) in due.items()}
    done = set(
        db.session.scalars(
            sa.select(OutboxEmail.dedupe_key).where(OutboxEmail.dedupe_key.in_(keys.values()))
        )
    )
    todo = [uid for uid, key in keys.items() if key not in done]
    tasks_by_user = _open_tasks(todo)
    rows = []
    for uid in todo:
        tasks = sorted(tasks_by_user[uid], key=lambda t: _reminder_order(t, now))
        if not tasks:
            continue
        person, local_date = due[uid]
        shown = [_task_entry(t, now) for t in tasks[:REMINDER_TASKS_SHOWN]]
        recipient = User(id=person.id, email=person.email, username=person.username)
        rows.append(
            outbox.build_row(
                kind=EmailKind.DAILY_REMINDER,
                to=recipient,
                dedupe_key=keys[uid],
                now=now,
                context={
                    "tasks": shown,
                    "overdue": sum(1 for t in tasks if is_overdue(t.deadline, t.status, now)),
                    "more": len(tasks) - len(shown),
                    "local_date": local_date.isoformat(),
                },
            )
        )
    inserted = outbox.queue_rows(rows)
    db.session.commit()
    result.due += len(rows)
    skipped = sum(1 for row in rows if row["status"] == OutboxStatus.SKIPPED.value)
    result.queued += inserted - min(skipped, inserted)
    result.skipped += skipped
    # Also retry this batch's reminders that an earlier, interrupted run queued but never sent.
    return [keys[uid] for uid in due]
