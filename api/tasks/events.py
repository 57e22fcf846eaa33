"""What else happens when a task is created, assigned or moved (issue 14): the people involved
start watching it, and the in-app notifications are written. Called by api/tasks/service.py
inside its unit of work, after flush; the per-event emails stay in api/tasks/emails.py."""

from __future__ import annotations

from typing import Any

from api.comments import watchers
from api.inbox import service as inbox
from api.inbox.models import NotificationKind
from api.users.models import User


def _path(task: Any) -> str:
    return f"/tasks/{task.id}"


def created(task: Any, *, assignees: list[User], actor: User) -> None:
    """The creator and the assignees watch; the assignees are told (not the creator)."""
    watchers.watch_automatically(task, [actor, *assignees])
    assigned(task, assignees=assignees, actor=actor, watch=False)


def assigned(task: Any, *, assignees: list[User], actor: User, watch: bool = True) -> None:
    """The newly added `assignees` watch the task and get an "assigned" notification."""
    if watch:
        watchers.watch_automatically(task, assignees)
    inbox.notify(
        kind=NotificationKind.ASSIGNED,
        recipients=assignees,
        actor=actor,
        title=task.title,
        path=_path(task),
        task_id=task.id,
    )


def status_changed(task: Any, *, old: str, new: str, actor: User) -> None:
    """The watchers who can see the task hear of the move (not the actor)."""
    inbox.notify(
        kind=NotificationKind.STATUS_CHANGED,
        recipients=watchers.audience(task),
        actor=actor,
        title=task.title,
        path=_path(task),
        task_id=task.id,
        excerpt=f"{old.replace('_', ' ')} → {new.replace('_', ' ')}",
        digest=True,
    )
