"""Task commands: create, edit, move between projects, assign, delete (design §2, issue 14).

Each command starts with `require` (api/permissions.py: who may; api/tasks/rules.py: which
tasks are an employee's) and runs in one unit of work: the change, its activity row and its
emails commit together or not at all. The reads are in queries.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from api.activity import service as activity
from api.db import unit_of_work, utcnow
from api.errors import Forbidden, Unprocessable
from api.extensions import db
from api.permissions import Capability, can, grant, require
from api.preconditions import check_if_match
from api.projects.models import Label, Project, ProjectMember
from api.projects.numbering import allocate, ensure_general, file_unfiled
from api.tasks import emails, events
from api.tasks.models import Priority, Task, TaskAssignee, TaskStatus
from api.tasks.queries import get_visible
from api.tasks.rules import WORKING_ROLES, NewTask
from api.users.models import Role, User, UserStatus
from api.webhooks import events as webhooks
from api.webhooks.models import EventType

ASSIGNABLE_ROLES = (Role.EMPLOYEE, Role.MANAGER)
EDITABLE_FIELDS = ("title", "description", "priority", "deadline")
ASSIGNEE_REFUSED = "Choose active employees or managers who are members of the task's project."
MAX_ASSIGNEES = 10


def _project(key: str | None, actor: User) -> Project:
    """The project named by `key` (None: General) for a new or moved task; Unprocessable
    naming `project` when it does not exist, the actor does not see it, or it is archived."""
    if key is None:
        project = ensure_general()
        if can(actor, Capability.PROJECT_READ, project):
            return project
    else:
        project = db.session.scalar(sa.select(Project).where(Project.key == key))
    if project is None or not can(actor, Capability.PROJECT_READ, project):
        raise Unprocessable.field("project", "No project you are a member of has this key.")
    if project.is_archived:
        raise Unprocessable.field("project", "This project is archived: it takes no new tasks.")
    return project


def _assignees(project_id: int, user_ids: list[int], field: str) -> list[User]:
    """The users `user_ids` (in order, without repeats) if each is an active employee or
    manager holding a working role (lead, member) in the project; else Unprocessable naming
    `field`."""
    ids = list(dict.fromkeys(user_ids))
    if len(ids) > MAX_ASSIGNEES:
        raise Unprocessable.field(field, "At most 10 assignees.")
    if not ids:
        return []
    found = {
        user.id: user
        for user in db.session.scalars(
            sa.select(User)
            .join(ProjectMember, ProjectMember.user_id == User.id)
            .where(
                User.id.in_(ids),
                User.status == UserStatus.ACTIVE,
                User.role.in_(ASSIGNABLE_ROLES),
                ProjectMember.project_id == project_id,
                ProjectMember.role.in_([r.value for r in WORKING_ROLES]),
            )
        )
    }
    if len(found) != len(ids):
        raise Unprocessable.field(field, ASSIGNEE_REFUSED)
    return [found[i] for i in ids]


def _requested_assignees(data: dict[str, Any]) -> tuple[list[int], str] | None:
    """The assignee ids a write asks for, and the field that named them; None: no change."""
    if "assignee_ids" in data:
        return list(data["assignee_ids"]), "assignee_ids"
    if "assignee_id" in data:
        one = data["assignee_id"]
        return ([] if one is None else [one]), "assignee_id"
    return None


def _labels(project_id: int, names: list[str]) -> list[Label]:
    """The project's labels called `names`; Unprocessable naming `labels` for an unknown one."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    found = {
        label.name: label
        for label in db.session.scalars(
            sa.select(Label).where(Label.project_id == project_id, Label.name.in_(wanted))
        )
    }
    missing = [name for name in wanted if name not in found]
    if missing:
        raise Unprocessable.field(
            "labels", f"The project has no label called {', '.join(missing)}."
        )
    return [found[name] for name in wanted]


def _set_assignees(task: Task, users: list[User]) -> list[int]:
    """Make `users` the task's assignees (tasks.assignee_id = the first, for older code);
    returns the ids newly added."""
    before = set(task.assignee_ids)
    task.assignee_links = [
        TaskAssignee(user_id=user.id, position=n, user=user) for n, user in enumerate(users)
    ]
    task.assignee = users[0] if users else None
    return [user.id for user in users if user.id not in before]


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


def create(
    *,
    data: dict[str, Any],
    actor: User,
    after_create: Callable[[Task], None] | None = None,
) -> Task:
    """Create a task in a project (task.create: lead rights there), with its next number;
    every assignee is emailed. `after_create(task)` runs in the same transaction once the task
    has its id (a follow-up links it to its incident there).

    `data` holds title and optionally description, priority, deadline (aware), project (a key;
    default GEN), assignee_ids or assignee_id, labels (names). Raises Forbidden (no lead rights
    in the project), Unprocessable naming the field (project, assignee_ids / assignee_id,
    labels, deadline).
    """
    if grant(actor, Capability.TASK_CREATE) is None:  # a disabled account, a role without it
        raise Forbidden(f"You may not do this ({Capability.TASK_CREATE.value}).")
    with unit_of_work():
        deadline = _check_deadline(data.get("deadline"))
        project = _project(data.get("project"), actor)
        require(actor, Capability.TASK_CREATE, NewTask(project.id))
        requested = _requested_assignees(data) or ([], "assignee_ids")
        assignees = _assignees(project.id, *requested)
        labels = _labels(project.id, data.get("labels", []))
        file_unfiled()
        task = Task(
            title=data["title"],
            description=data.get("description", ""),
            priority=data.get("priority", Priority.NORMAL),
            deadline=deadline,
            project=project,
            number=allocate(project.id),
            created_by=actor,
            labels=labels,
        )
        db.session.add(task)
        added = _set_assignees(task, assignees)
        db.session.flush()
        snapshot = {
            "title": [None, task.title],
            "priority": [None, task.priority.value],
            "status": [None, task.status.value],
            "project": [None, project.key],
        }
        if assignees:
            snapshot["assignee_ids"] = [None, [user.id for user in assignees]]
        if labels:
            snapshot["labels"] = [None, [label.name for label in labels]]
        activity.record_change(task, "created", snapshot, actor)
        if after_create is not None:
            after_create(task)
        emails.task_assigned(task, actor=actor, user_ids=added)
        events.created(task, assignees=[u for u in assignees if u.id in added], actor=actor)
        webhooks.emit(EventType.TASK_CREATED, webhooks.task_data(task, actor))
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
        if "project" in changes and changes["project"] != task.project_key:
            delta.update(_move(task, changes["project"], actor))
        if "labels" in changes:
            labels = _labels(task.project_id or ensure_general().id, changes["labels"])
            before = sorted(label.name for label in task.labels)
            if before != sorted(label.name for label in labels):
                delta["labels"] = [before, sorted(label.name for label in labels)]
                task.labels = labels
        if delta:
            activity.record_change(task, "updated", delta, actor)
            db.session.flush()
            webhooks.emit(
                EventType.TASK_UPDATED, webhooks.task_data(task, actor, changes=_plain(delta))
            )
    return task


def _move(task: Task, key: str, actor: User) -> dict[str, list[Any]]:
    """Move `task` to project `key` (lead rights there too): it takes the next number there,
    keeps the labels whose names the target has, and keeps its assignees, who must be members
    of the target (else Unprocessable naming `project`)."""
    target = _project(key, actor)
    require(actor, Capability.TASK_CREATE, NewTask(target.id))
    try:
        _assignees(target.id, task.assignee_ids, "project")
    except Unprocessable as exc:
        raise Unprocessable.field(
            "project", "Every assignee must be a member of the project the task moves to."
        ) from exc
    names = [label.name for label in task.labels]
    labels = (
        list(
            db.session.scalars(
                sa.select(Label).where(Label.project_id == target.id, Label.name.in_(names))
            )
        )
        if names
        else []
    )
    old_ref = task.ref
    number = allocate(target.id)  # before the task changes: the UPDATE autoflushes
    task.project = target
    task.number = number
    task.labels = labels
    return {"project": [old_ref, task.ref]}


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
        old = task.status.value
        delta = activity.apply(task, {"status": status, "completed_at": completed_at})
        activity.record_change(task, "status_changed", delta, actor)
        events.status_changed(task, old=old, new=status.value, actor=actor)
        if status == TaskStatus.COMPLETED:
            db.session.flush()  # the version of this change names the email
            emails.task_completed(task, actor=actor)
        changes = {"status": [old, status.value]}
        webhooks.emit(
            EventType.TASK_COMPLETED if status == TaskStatus.COMPLETED else EventType.TASK_UPDATED,
            webhooks.task_data(task, actor, changes=changes),
        )
    return task


def assign(*, task_id: int, data: dict[str, Any], actor: User, if_match: str | None) -> Task:
    """Set a task's assignees (task.assign): `data` holds assignee_ids (0-10 working members
    of the task's project; [] unassigns) or assignee_id (one person; None unassigns). Only
    the newly added assignees are emailed.

    Raises NotFound (not visible), Forbidden, PreconditionFailed, Unprocessable naming the
    field if someone is not assignable.
    """
    with unit_of_work():
        task = _get(task_id, Capability.TASK_ASSIGN, actor, if_match)
        ids, field = _requested_assignees(data) or ([], "assignee_ids")
        users = _assignees(task.project_id or ensure_general().id, ids, field)
        before = task.assignee_ids
        if before == [user.id for user in users]:
            return task
        added = _set_assignees(task, users)
        activity.record_change(
            task, "assigned", {"assignee_ids": [before, [user.id for user in users]]}, actor
        )
        if added:
            db.session.flush()  # the version of this change names the email
            emails.task_assigned(task, actor=actor, user_ids=added)
            events.assigned(task, assignees=[u for u in users if u.id in added], actor=actor)
        changes = {"assignee_ids": [before, [user.id for user in users]]}
        webhooks.emit(EventType.TASK_ASSIGNED, webhooks.task_data(task, actor, changes=changes))
    return task


def _plain(delta: dict[str, Any]) -> dict[str, Any]:
    """An activity delta with enums and datetimes as JSON strings."""
    return {
        name: [v.isoformat() if isinstance(v, datetime) else v for v in pair]
        for name, pair in delta.items()
    }


def delete(*, task_id: int, actor: User) -> None:
    """Delete a task (task.delete: admins). Raises NotFound (not visible), Forbidden."""
    with unit_of_work():
        task = get_visible(task_id, actor, with_users=False)
        require(actor, Capability.TASK_DELETE, task)
        activity.record_change(task, "deleted", {"title": [task.title, None]}, actor)
        db.session.delete(task)
