"""Tasks as lists show them: TaskSummary rows read from plain columns, and the assignees and
labels of a whole page attached in one statement (api.tasks.queries' LISTING uses these)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from api.extensions import db
from api.projects.models import Label, Project
from api.tasks.models import Priority, Task, TaskAssignee, TaskLabel, TaskStatus, is_overdue, ref_of
from api.users.models import User


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A person as a list shows them: id and username."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class LabelRef:
    """A label as a task shows it."""

    id: int
    name: str
    color: str


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
    project_id: int | None
    number: int | None
    assignee: PersonRef | None
    created_by: PersonRef | None
    project_key: str | None = None
    assignees: list[PersonRef] = field(default_factory=list)  # filled by attach_people_and_labels
    labels: list[LabelRef] = field(default_factory=list)

    @property
    def is_overdue(self) -> bool:
        return is_overdue(self.deadline, self.status)

    @property
    def ref(self) -> str | None:
        return ref_of(self.project_key, self.number)

    @property
    def assignee_ids(self) -> list[int]:
        return [person.id for person in self.assignees]


_ASSIGNEE = aliased(User, name="assignee")
_CREATOR = aliased(User, name="creator")
# TaskSummary's own columns, in its field order; the two people follow as (id, username) pairs.
_NOT_COLUMNS = ("assignee", "created_by", "project_key", "assignees", "labels")
_TASK_COLUMNS = tuple(
    getattr(Task, attribute.name)
    for attribute in fields(TaskSummary)
    if attribute.name not in _NOT_COLUMNS
)


def summary_select(stmt: sa.Select[Any]) -> sa.Select[Any]:
    people = (_ASSIGNEE.id, _ASSIGNEE.username, _CREATOR.id, _CREATOR.username, Project.key)
    return (
        stmt.with_only_columns(*_TASK_COLUMNS, *people, maintain_column_froms=True)
        .outerjoin(_ASSIGNEE, _ASSIGNEE.id == Task.assignee_id)
        .outerjoin(_CREATOR, _CREATOR.id == Task.created_by_id)
        .outerjoin(Project, Project.id == Task.project_id)
    )


def summary_of(row: sa.Row[Any]) -> TaskSummary:
    n = len(_TASK_COLUMNS)
    assignee_id, assignee_name, creator_id, creator_name, key = row[n : n + 5]
    return TaskSummary(
        *row[:n],
        assignee=None if assignee_id is None else PersonRef(assignee_id, assignee_name),
        created_by=None if creator_id is None else PersonRef(creator_id, creator_name),
        project_key=key,
    )


def attach_people_and_labels(items: list[TaskSummary]) -> None:
    """Fill the assignees and labels of a page's tasks: one statement (UNION ALL) for the
    whole page, so a list request stays at three (the caller, the page, this)."""
    by_id = {item.id: item for item in items}
    ids = list(by_id)
    people = (
        sa.select(
            TaskAssignee.task_id.label("task_id"),
            sa.literal(0).label("kind"),
            TaskAssignee.position.label("position"),
            User.id.label("ref_id"),
            User.username.label("name"),
            sa.null().label("color"),
        )
        .join(User, User.id == TaskAssignee.user_id)
        .where(TaskAssignee.task_id.in_(ids))
    )
    labels = (
        sa.select(
            TaskLabel.task_id,
            sa.literal(1),
            sa.literal(0),
            Label.id,
            Label.name,
            Label.color,
        )
        .join(Label, Label.id == TaskLabel.label_id)
        .where(TaskLabel.task_id.in_(ids))
    )
    both = sa.union_all(people, labels).subquery()
    stmt = sa.select(both).order_by(both.c.kind, both.c.task_id, both.c.position, both.c.name)
    for task_id, kind, _position, ref_id, name, color in db.session.execute(stmt):
        if kind == 0:
            by_id[task_id].assignees.append(PersonRef(ref_id, name))
        else:
            by_id[task_id].labels.append(LabelRef(ref_id, name, color))
