"""The task emails of shared/design.md §6: assigned (to each new assignee), completed (to the
creator). Called by api/tasks/service.py inside its unit of work; nobody is emailed about their
own action."""

from __future__ import annotations

from typing import Any

from api.inbox import batch
from api.inbox.models import NotificationKind
from api.inbox.service import wants_email
from api.notifications.models import EmailKind
from api.notifications.service import queue
from api.users.emails import user_by_id
from api.users.models import User


def task_assigned(task: Any, *, actor: User | None, user_ids: list[int] | None = None) -> None:
    """To each newly added assignee, `user_ids` (default: the task's first assignee), after
    flush so `task.version` names this change. Nobody is emailed about their own action."""
    ids = user_ids if user_ids is not None else [task.assignee_id]
    for user_id in ids:
        assignee = user_by_id(user_id) if user_id is not None else None
        if assignee is None or (actor is not None and assignee.id == actor.id):
            continue
        if not wants_email(assignee.id, NotificationKind.ASSIGNED):
            continue
        by = actor.username if actor else "Someone"
        if batch.collect(assignee.id, task=task, line=f"{by} assigned the task to you"):
            continue
        queue(
            kind=EmailKind.TASK_ASSIGNED,
            to=assignee,
            dedupe_key=f"task-assigned:{task.id}:{task.version}:{assignee.id}",
            context={"task": task, "actor": actor},
        )


def task_completed(task: Any, *, actor: User | None) -> None:
    """To the task's creator (after flush, so `task.version` names this change)."""
    creator = user_by_id(task.created_by_id)
    if creator is None or (actor is not None and creator.id == actor.id):
        return
    by = actor.username if actor else "Someone"
    if batch.collect(creator.id, task=task, line=f"{by} completed the task"):
        return
    queue(
        kind=EmailKind.TASK_COMPLETED,
        to=creator,
        dedupe_key=f"task-completed:{task.id}:{task.version}",
        context={"task": task, "actor": actor},
    )
