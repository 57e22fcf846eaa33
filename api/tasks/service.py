"""Task commands: create, edit, move, assign, delete (design §2).

Each command starts with `require` (api/permissions.py: who may; api/tasks/rules.py: which
tasks are an employee's) and runs in one unit of work: the change, its activity row and its
emails commit together or not at all. The reads are in queries.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.activity import service as activity
from api.db import unit_of_work, utcnow
from api.errors import Unprocessable
from api.extensions import db
from api.permissions import Capability, require
from api.preconditions import check_if_match
from api.tasks import emails
from api.tasks.models import Priority, Task, TaskStatus
from api.tasks.queries import get_visible
from api.users.models import Role, User, UserStatus

ASSIGNABLE_ROLES = (Role.EMPLOYEE, Role.MANAGER)
EDITABLE_FIELDS = ("title", "description", "priority", "deadline")
ASSIGNEE_REFUSED = "Choose an active employee or manager as the assignee."


def _assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.status != UserStatus.ACTIVE or user.role not in ASSIGNABLE_ROLES:
        raise Unprocessable.field("assignee_id", ASSIGNEE_REFUSED)
    return user


def _check_deadline(deadline: datetime | None) -> datetime | None:
    """Return `deadline` in UTC, so responses and the timeline show what a later read shows."""
    if deadline is not None and deadline.tzinfo is None:
        raise Unprocessable.field("deadline", "Give the deadline a UTC offset, like +01:00.")
    return deadline.astimezone(UTC) if deadline is not None else None


def _get(task_id: int, capability: Capability, actor: User, if_match: str | None) -> Task:
    """The task, if `actor` sees it (else NotFound) and holds `capability` on it (else
    Forbidden), at the version `if_match` names (else PreconditionFailed)."""
    task = get_visible(task_id, actor)
    require(actor, capability, task)
    check_if_match(task.etag, if_match, noun="task")
    return task


def create(*, data: dict[str, Any], actor: User) -> Task:
    """Create a task (task.create), optionally assigned; the assignee is emailed.

    `data` holds title and optionally description, priority, deadline (aware), assignee_id.
    Raises Forbidden, Unprocessable for a bad assignee or deadline.
    """
    require(actor, Capability.TASK_CREATE)
    with unit_of_work():
        deadline = _check_deadline(data.get("deadline"))
        assignee = _assignee(data.get("assignee_id"))
        task = Task(
            title=data["title"],
            description=data.get("description", ""),
            priority=data.get("priority", Priority.NORMAL),
            deadline=deadline,
            assignee=assignee,
            created_by=actor,
        )
        db.session.add(task)
        db.session.flush()
        snapshot = {
            "title": [None, task.title],
            "priority": [None, task.priority.value],
            "status": [None, task.status.value],
        }
        if assignee:
            snapshot["assignee_id"] = [None, assignee.id]
        activity.record_change(task, "created", snapshot, actor)
        if assignee:
            emails.task_assigned(task, actor=actor)
    return task


def update(*, task_id: int, changes: dict[str, Any], actor: User, if_match: str | None) -> Task:
    """Edit title, description, priority or deadline (task.edit).

    Raises NotFound (not visible), Forbidden, PreconditionFailed, Unprocessable (deadline).
    """
    with unit_of_work():
        task = _get(task_id, Capability.TASK_EDIT, actor, if_match)
        if "deadline" in changes:
            changes = {**changes, "deadline": _check_deadline(changes["deadline"])}
        delta = activity.apply(task, {k: v for k, v in changes.items() if k in EDITABLE_FIELDS})
        if delta:
            activity.record_change(task, "updated", delta, actor)
    return task


def set_status(*, task_id: int, status: TaskStatus, actor: User, if_match: str | None) -> Task:
    """Move a task to `status` (task.set_status: staff, or the assignee); completing stamps
    completed_at and emails the creator, reopening clears it.

    Raises NotFound (not visible), Forbidden, PreconditionFailed.
    """
    with unit_of_work():
        task = _get(task_id, Capability.TASK_SET_STATUS, actor, if_match)
        if task.status == status:
            return task
        completed_at = utcnow() if status == TaskStatus.COMPLETED else None
        delta = activity.apply(task, {"status": status, "completed_at": completed_at})
        activity.record_change(task, "status_changed", delta, actor)
        if status == TaskStatus.COMPLETED:
            db.session.flush()  # the version of this change names the email
            emails.task_completed(task, actor=actor)
    return task


def assign(*, task_id: int, assignee_id: int | None, actor: User, if_match: str | None) -> Task:
    """Assign a task to an active employee or manager, or unassign it with None (task.assign);
    the new assignee is emailed.

    Raises NotFound (not visible), Forbidden, PreconditionFailed, Unprocessable if the assignee
    is not assignable.
    """
    with unit_of_work():
        task = _get(task_id, Capability.TASK_ASSIGN, actor, if_match)
        assignee = _assignee(assignee_id)
        if task.assignee_id == assignee_id:
            return task
        delta = {"assignee_id": [task.assignee_id, assignee_id]}
        task.assignee = assignee
        activity.record_change(task, "assigned", delta, actor)
        if assignee:
            db.session.flush()  # the version of this change names the email
            emails.task_assigned(task, actor=actor)
    return task


def delete(*, task_id: int, actor: User) -> None:
    """Delete a task (task.delete: admins). Raises NotFound (not visible), Forbidden."""
    with unit_of_work():
        task = get_visible(task_id, actor, with_users=False)
        require(actor, Capability.TASK_DELETE, task)
        activity.record_change(task, "deleted", {"title": [task.title, None]}, actor)
        db.session.delete(task)
