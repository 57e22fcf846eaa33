"""Tasks: the rules of shared/design.md §2 for who sees and changes what, and task statistics."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from api.activity import service as activity
from api.activity.models import Activity, EntityType
from api.db import (
    Page,
    PageStatements,
    contains_pattern,
    fetch_page,
    page_statements,
    text_search,
    utcnow,
)
from api.errors import NotFound, Unprocessable
from api.extensions import db
from api.notifications import emails
from api.permissions import STAFF
from api.preconditions import check_if_match
from api.tasks.models import PRIORITY_RANK, Priority, Task, TaskStatus, is_overdue
from api.users.models import Role, User, UserStatus

ASSIGNABLE_ROLES = (Role.EMPLOYEE, Role.MANAGER)
EDITABLE_FIELDS = ("title", "description", "priority", "deadline")
_LOADS = (joinedload(Task.assignee), joinedload(Task.created_by))


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A person as a list shows them: id and username."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """A task as a list shows it: its columns, and the assignee and creator as PersonRef.

    Lists read these from plain rows, not Task entities: a list changes nothing, and the ORM's
    identity map and instance state cost about a fifth of a warm 50-task list request (bench/).
    The attributes are Task's, so TaskRead and the list templates take either.
    """

    id: int
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    deadline: datetime | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    version: int
    assignee: PersonRef | None
    created_by: PersonRef | None

    @property
    def is_overdue(self) -> bool:
        return is_overdue(self.deadline, self.status)


_ASSIGNEE = aliased(User, name="assignee")
_CREATOR = aliased(User, name="creator")
# TaskSummary's own columns, in its field order; the two people follow as (id, username) pairs.
_TASK_COLUMNS = tuple(
    getattr(Task, attribute.name)
    for attribute in fields(TaskSummary)
    if attribute.name not in ("assignee", "created_by")
)


def _summary_select(stmt: sa.Select[Any]) -> sa.Select[Any]:
    people = (_ASSIGNEE.id, _ASSIGNEE.username, _CREATOR.id, _CREATOR.username)
    return (
        stmt.with_only_columns(*_TASK_COLUMNS, *people, maintain_column_froms=True)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == Task.assignee_id)
        .outerjoin(_CREATOR, _CREATOR.id == Task.created_by_id)
    )


def _summary(row: sa.Row[Any]) -> TaskSummary:
    n = len(_TASK_COLUMNS)
    assignee_id, assignee_name, creator_id, creator_name = row[n : n + 4]
    return TaskSummary(
        *row[:n],
        assignee=None if assignee_id is None else PersonRef(assignee_id, assignee_name),
        created_by=None if creator_id is None else PersonRef(creator_id, creator_name),
    )


def _visible(stmt: sa.Select[Any], actor: User) -> sa.Select[Any]:
    return stmt if actor.role in STAFF else stmt.where(Task.assignee_id == actor.id)


def get_visible(task_id: int, actor: User, *, with_users: bool = True) -> Task:
    """Return the task if `actor` may see it; raise NotFound otherwise (never 403, §2)."""
    stmt = _visible(sa.select(Task).where(Task.id == task_id), actor)
    if with_users:
        stmt = stmt.options(*_LOADS)
    task = db.session.scalar(stmt)
    if task is None:
        raise NotFound("Task not found.")
    return task


def _assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.status != UserStatus.ACTIVE or user.role not in ASSIGNABLE_ROLES:
        raise Unprocessable.field("assignee_id", "Must be the id of an active employee or manager.")
    return user


def _check_deadline(deadline: datetime | None) -> datetime | None:
    """Return `deadline` in UTC, so responses and the timeline show what a later read shows."""
    if deadline is not None and deadline.tzinfo is None:
        raise Unprocessable.field("deadline", "Must include a UTC offset.")
    return deadline.astimezone(UTC) if deadline is not None else None


def create(*, data: dict[str, Any], actor: User) -> Task:
    """Create a task as a manager or admin. Raises Unprocessable for a bad assignee or deadline."""
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
    activity.record(
        actor=actor,
        entity_type=EntityType.TASK,
        entity_id=task.id,
        action="created",
        changes=snapshot,
    )
    if assignee:
        emails.task_assigned(task, actor=actor)
    db.session.commit()
    return task


def update(*, task_id: int, changes: dict[str, Any], actor: User, if_match: str | None) -> Task:
    """Edit title, description, priority or deadline. Raises NotFound, PreconditionFailed."""
    task = get_visible(task_id, actor)
    check_if_match(task.etag, if_match, noun="task")
    if "deadline" in changes:
        changes = {**changes, "deadline": _check_deadline(changes["deadline"])}
    delta = activity.diff(task, {k: v for k, v in changes.items() if k in EDITABLE_FIELDS})
    if delta:
        for name in delta:
            setattr(task, name, changes[name])
        activity.record(
            actor=actor,
            entity_type=EntityType.TASK,
            entity_id=task.id,
            action="updated",
            changes=delta,
        )
        db.session.commit()
    return task


def set_status(*, task_id: int, status: TaskStatus, actor: User, if_match: str | None) -> Task:
    """Move a task to `status`; completing stamps completed_at, reopening clears it.

    Employees may only move tasks assigned to them. Raises NotFound, PreconditionFailed.
    """
    task = get_visible(task_id, actor)
    check_if_match(task.etag, if_match, noun="task")
    if task.status == status:
        return task
    completed_at = utcnow() if status == TaskStatus.COMPLETED else None
    delta = activity.diff(task, {"status": status, "completed_at": completed_at})
    task.status, task.completed_at = status, completed_at
    activity.record(
        actor=actor,
        entity_type=EntityType.TASK,
        entity_id=task.id,
        action="status_changed",
        changes=delta,
    )
    if status == TaskStatus.COMPLETED:
        db.session.flush()  # the version of this change names the email
        emails.task_completed(task, actor=actor)
    db.session.commit()
    return task


def assign(*, task_id: int, assignee_id: int | None, actor: User, if_match: str | None) -> Task:
    """Assign a task to an active employee or manager, or unassign it with None.

    Raises NotFound, PreconditionFailed, Unprocessable if the assignee is not assignable.
    """
    task = get_visible(task_id, actor)
    check_if_match(task.etag, if_match, noun="task")
    assignee = _assignee(assignee_id)
    if task.assignee_id == assignee_id:
        return task
    delta = {"assignee_id": [task.assignee_id, assignee_id]}
    task.assignee = assignee
    activity.record(
        actor=actor,
        entity_type=EntityType.TASK,
        entity_id=task.id,
        action="assigned",
        changes=delta,
    )
    if assignee:
        db.session.flush()  # the version of this change names the email
        emails.task_assigned(task, actor=actor)
    db.session.commit()
    return task


def delete(*, task_id: int, actor: User) -> None:
    """Delete a task (admins). Raises NotFound."""
    task = get_visible(task_id, actor, with_users=False)
    activity.record(
        actor=actor,
        entity_type=EntityType.TASK,
        entity_id=task.id,
        action="deleted",
        changes={"title": [task.title, None]},
    )
    db.session.delete(task)
    db.session.commit()


def timeline(*, task_id: int, actor: User) -> list[Activity]:
    """The task's activity, oldest first. Raises NotFound if the task is not visible."""
    get_visible(task_id, actor, with_users=False)
    return activity.timeline(EntityType.TASK, task_id)


@dataclass(frozen=True)
class TaskFilter:
    """List filters; every field optional. Datetimes are aware UTC."""

    status: list[TaskStatus] = field(default_factory=list)
    priority: list[Priority] = field(default_factory=list)
    assignee_id: int | None = None
    unassigned: bool = False
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    overdue: bool | None = None
    q: str | None = None
    sort: str = "-created"


_PRIORITY_ORDER = sa.case(
    {p.value: rank for p, rank in PRIORITY_RANK.items()}, value=Task.priority, else_=0
)
SORT_KEYS = {
    "deadline": Task.deadline,
    "created": Task.created_at,
    "priority": _PRIORITY_ORDER,
}


def _order(sort: str) -> list[Any]:
    key = sort.lstrip("-")
    column = SORT_KEYS[key]
    if key == "deadline":  # tasks without a deadline go last either way
        nulls = sa.case((Task.deadline.is_(None), 1), else_=0)
        return [nulls, column.desc() if sort.startswith("-") else column.asc(), Task.id]
    return [column.desc() if sort.startswith("-") else column.asc(), Task.id]


def _overdue() -> sa.ColumnElement[bool]:
    # IS NOT NULL first: without it NOT(NULL < now AND ...) is NULL, and overdue=false would
    # drop every task that has no deadline.
    return sa.and_(
        Task.deadline.is_not(None),
        Task.deadline < sa.bindparam("now"),
        Task.status != TaskStatus.COMPLETED,
    )


# The WHERE term of each filter, by name; its bound parameters are named after it. "own" is
# `_visible`'s rule for employees.
_FILTER_TERMS: dict[str, Callable[[], sa.ColumnElement[bool]]] = {
    "own": lambda: Task.assignee_id == sa.bindparam("actor_id"),
    "status": lambda: Task.status.in_(sa.bindparam("status", expanding=True)),
    "priority": lambda: Task.priority.in_(sa.bindparam("priority", expanding=True)),
    "unassigned": lambda: Task.assignee_id.is_(None),
    "assignee": lambda: Task.assignee_id == sa.bindparam("assignee_id"),
    "deadline_from": lambda: Task.deadline >= sa.bindparam("deadline_from"),
    "deadline_to": lambda: Task.deadline <= sa.bindparam("deadline_to"),
    "overdue": _overdue,
    "not_overdue": lambda: sa.not_(_overdue()),
    "q": lambda: text_search(sa.bindparam("q"), Task.title, Task.description),
}


def _filter_terms(filters: TaskFilter, actor: User) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The names of the `_FILTER_TERMS` that apply to this list, and their bound values."""
    terms: list[str] = []
    params: dict[str, Any] = {}

    def use(term: str, **values: Any) -> None:
        terms.append(term)
        params.update(values)

    if actor.role not in STAFF:
        use("own", actor_id=actor.id)
    if filters.status:
        use("status", status=list(filters.status))
    if filters.priority:
        use("priority", priority=list(filters.priority))
    if filters.unassigned:
        use("unassigned")
    elif filters.assignee_id is not None:
        use("assignee", assignee_id=filters.assignee_id)
    if filters.deadline_from:
        use("deadline_from", deadline_from=filters.deadline_from)
    if filters.deadline_to:
        use("deadline_to", deadline_to=filters.deadline_to)
    if filters.overdue is not None:
        use("overdue" if filters.overdue else "not_overdue", now=utcnow())
    if filters.q:
        use("q", q=contains_pattern(filters.q))
    return tuple(terms), params


@functools.lru_cache(maxsize=256)
def _list_statements(terms: tuple[str, ...], sort: str) -> PageStatements:
    """The list's statements for one combination of filters and sort, built once.

    The filter values are bound parameters, so every request with the same filters shares these
    statement objects: SQLAlchemy skips building them and their cache keys (about 0.45 ms of a
    warm 50-task list request), not only compiling them. There are at most 576 filter
    combinations times 6 sorts, and far fewer in use; the cache keeps the latest 256.
    """
    stmt = sa.select(Task).where(*(_FILTER_TERMS[term]() for term in terms))
    return page_statements(stmt.order_by(*_order(sort)), shape=_summary_select)


def list_tasks(*, filters: TaskFilter, actor: User, page: int, page_size: int) -> Page[TaskSummary]:
    """One page of the tasks `actor` may see, as TaskSummary: one SQL statement, whatever the
    page size (two for a page past the end).

    Raises Unprocessable (422, naming `deadline_to`) when deadline_to is before deadline_from.
    """
    if (
        filters.deadline_from
        and filters.deadline_to
        and filters.deadline_from > filters.deadline_to
    ):
        raise Unprocessable.field(
            "deadline_to", "Must not be before deadline_from.", location="query"
        )
    terms, params = _filter_terms(filters, actor)
    return fetch_page(
        db.session,
        _list_statements(terms, filters.sort),
        page=page,
        page_size=page_size,
        params=params,
        item=_summary,
    )


def stats(*, now: datetime | None = None) -> dict[str, Any]:
    """Task figures for managers and admins.

    Returns {"by_status": {status: n}, "overdue": n, "completed_last_30_days": n,
    "per_assignee": [{"assignee_id", "username", "open", "overdue"}]}; times in UTC.
    """
    now = now or utcnow()
    by_status = {s.value: 0 for s in TaskStatus}
    for status, count in db.session.execute(
        sa.select(Task.status, sa.func.count()).group_by(Task.status)
    ):
        by_status[TaskStatus(status).value] = count
    is_open = Task.status != TaskStatus.COMPLETED
    is_overdue = sa.and_(is_open, Task.deadline < now)
    overdue_n = sa.func.sum(sa.case((is_overdue, 1), else_=0))
    totals = db.session.execute(
        sa.select(
            overdue_n,
            sa.func.sum(sa.case((Task.completed_at >= now - timedelta(days=30), 1), else_=0)),
        )
    ).one()
    per_assignee = db.session.execute(
        sa.select(User.id, User.username, sa.func.count(), overdue_n)
        .join(Task, Task.assignee_id == User.id)
        .where(is_open)
        .group_by(User.id, User.username)
        .order_by(sa.desc(overdue_n), sa.desc(sa.func.count()), User.username)
    )
    return {
        "by_status": by_status,
        "overdue": int(totals[0] or 0),
        "completed_last_30_days": int(totals[1] or 0),
        "per_assignee": [
            {
                "assignee_id": uid,
                "username": name,
                "open": int(n),
                "overdue": int(o or 0),
            }
            for uid, name, n, o in per_assignee
        ],
    }
