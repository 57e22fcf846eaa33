"""The task emails of shared/design.md §6: assigned (to the assignee), completed (to the
creator). Called by api/tasks/service.py inside its unit of work; nobody is emailed about their
own action."""

from __future__ import annotations

from typing import Any

from api.inbox.models import NotificationKind
from api.inbox.service import wants_email
from api.notifications.models import EmailKind
from api.notifications.service import queue
from api.users.emails import user_by_id
from api.users.models import User


def task_assigned(task: Any, *, actor: User | None) -> None:
    """To the new assignee (after flush, so `task.version` names this change)."""
    assignee = user_by_id(task.assignee_id)
    if assignee is None or (actor is not None and assignee.id == actor.id):
        return
    if not wants_email(assignee.id, NotificationKind.ASSIGNED):
        return
    queue(
        kind=EmailKind.TASK_ASSIGNED,
        to=assignee,
        dedupe_key=f"task-assigned:{task.id}:{task.version}",
        context={"task": task, "actor": actor},
    )


def task_completed(task: Any, *, actor: User | None) -> None:
    """To the task's creator (after flush, so `task.version` names this change)."""
    creator = user_by_id(task.created_by_id)
    if creator is None or (actor is not None and creator.id == actor.id):
        return
    queue(
        kind=EmailKind.TASK_COMPLETED,
        to=creator,
        dedupe_key=f"task-completed:{task.id}:{task.version}",
        context={"task": task, "actor": actor},
    )
