"""Task watchers: who follows a task, added by hand or by taking part (issue 14).

The creator, the assignees, commenters and the people mentioned watch automatically
(`watch_automatically`, called inside the event's unit of work); anyone who may watch the task
(task.watch: whoever sees it) watches or stops by hand. Watchers hear of comments and status
changes (`audience`), but only while they can still see the task.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from api.comments.models import TaskWatcher
from api.db import unit_of_work, utcnow
from api.extensions import db
from api.permissions import Capability, can, require
from api.tasks.queries import get_visible
from api.users.models import User, UserStatus


def _insert_ignoring_duplicates(task_id: int, user_ids: list[int]) -> None:
    """Add watcher rows, skipping those that exist (a concurrent add is not an error)."""
    if not user_ids:
        return
    rows = [{"task_id": task_id, "user_id": uid, "created_at": utcnow()} for uid in user_ids]
    table = TaskWatcher.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(table).values(rows).on_conflict_do_nothing()
    else:
        stmt = sa.insert(table).values(rows).prefix_with("IGNORE")
    db.session.execute(stmt)


def watch_automatically(task: object, people: Iterable[User | None]) -> None:
    """Make `people` (None skipped) watch `task` in the current transaction, if they may."""
    ids = sorted(
        {
            p.id
            for p in people
            if p is not None
            and p.status == UserStatus.ACTIVE
            and can(p, Capability.TASK_WATCH, task)
        }
    )
    _insert_ignoring_duplicates(task.id, ids)  # type: ignore[attr-defined]


def audience(task: object) -> list[User]:
    """The active watchers of `task` who can still see it, by id."""
    people = db.session.scalars(
        sa.select(User)
        .join(TaskWatcher, TaskWatcher.user_id == User.id)
        .where(TaskWatcher.task_id == task.id, User.status == UserStatus.ACTIVE)  # type: ignore[attr-defined]
        .order_by(User.id)
    )
    return [p for p in people if can(p, Capability.TASK_READ, task)]


def list_watchers(*, task_id: int, actor: User) -> list[User]:
    """The people watching task `task_id`, by username (NotFound if `actor` cannot see it)."""
    task = get_visible(task_id, actor, with_users=False)
    return sorted(audience(task), key=lambda p: p.username.lower())


def is_watching(task_id: int, user_id: int) -> bool:
    """Whether `user_id` watches `task_id`."""
    return db.session.get(TaskWatcher, (task_id, user_id)) is not None


def watch(*, task_id: int, actor: User) -> None:
    """Make `actor` watch the task (task.watch); idempotent. Raises NotFound, Forbidden."""
    with unit_of_work():
        task = get_visible(task_id, actor, with_users=False)
        require(actor, Capability.TASK_WATCH, task)
        _insert_ignoring_duplicates(task.id, [actor.id])


def unwatch(*, task_id: int, actor: User) -> None:
    """Stop `actor` watching the task (task.watch); idempotent. Raises NotFound, Forbidden."""
    with unit_of_work():
        task = get_visible(task_id, actor, with_users=False)
        require(actor, Capability.TASK_WATCH, task)
        db.session.execute(
            sa.delete(TaskWatcher).where(
                TaskWatcher.task_id == task.id, TaskWatcher.user_id == actor.id
            )
        )
