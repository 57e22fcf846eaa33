"""Tasks (shared/design.md §3)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from api.db import str_enum, utcnow
from api.extensions import db
from api.projects.models import Label, Project
from api.users.models import User


class TaskStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_RANK = {
    Priority.LOW: 0,
    Priority.NORMAL: 1,
    Priority.HIGH: 2,
    Priority.URGENT: 3,
}


def is_overdue(deadline: datetime | None, status: TaskStatus, now: datetime | None = None) -> bool:
    """Whether a task with this deadline (UTC) and status is overdue at `now` (default: now):
    it has a deadline, the deadline has passed, and it is not completed. The same rule in SQL is
    api.tasks.queries.overdue_clause."""
    return (
        deadline is not None
        and status != TaskStatus.COMPLETED
        and deadline < (now if now is not None else utcnow())
    )


def ref_of(key: str | None, number: int | None) -> str | None:
    """The ref of task `number` of project `key`: "OPS-12"; None when either is missing."""
    return f"{key}-{number}" if key and number else None


class Task(db.Model):
    """A unit of work; `version` drives optimistic concurrency (ETag / If-Match, RFC 9110 §13)."""

    __tablename__ = "tasks"
    __table_args__ = (
        sa.Index("ix_tasks_assignee_status_deadline", "assignee_id", "status", "deadline"),
        sa.Index("ix_tasks_status_deadline", "status", "deadline"),
        sa.UniqueConstraint("project_id", "number"),
        # 0008_scale: one index per list shape (api/tasks/queries.py `_sorts`; tests/tasks/
        # test_explain.py), the overdue range and the 30-day completed count of stats.
        sa.Index("ix_tasks_status_created_at", "status", "created_at"),
        sa.Index("ix_tasks_assignee_id_created_at", "assignee_id", "created_at"),
        sa.Index("ix_tasks_assignee_id_deadline", "assignee_id", "deadline"),
        sa.Index("ix_tasks_priority_created_at", "priority", "created_at"),
        sa.Index("ix_tasks_completed_at", "completed_at"),
        sa.Index("ix_tasks_title", "title"),
        sa.Index("ix_tasks_project_id_created_at", "project_id", "created_at"),
        sa.Index("ix_tasks_project_id_deadline", "project_id", "deadline"),
        sa.Index("ix_tasks_project_id_priority", "project_id", "priority"),
        sa.Index("ix_tasks_project_id_status_created_at", "project_id", "status", "created_at"),
        sa.Index("ix_tasks_status_project_id_deadline", "status", "project_id", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), default=TaskStatus.PENDING)
    priority: Mapped[Priority] = mapped_column(
        str_enum(Priority), default=Priority.NORMAL, index=True
    )
    deadline: Mapped[datetime | None] = mapped_column(default=None, index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # NULL only for a row written by code older than projects (during a deploy): it belongs to
    # the General project (GENERAL_KEY) and gets its number when filed (api.projects.numbering).
    project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="RESTRICT"), default=None
    )
    number: Mapped[int | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="raise")
    project: Mapped[Project | None] = relationship()
    assignee_links: Mapped[list[TaskAssignee]] = relationship(
        order_by="TaskAssignee.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    labels: Mapped[list[Label]] = relationship(
        secondary="task_labels", order_by="Label.name", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_overdue(self) -> bool:
        return is_overdue(self.deadline, self.status)

    @property
    def assignees(self) -> list[User]:
        """The assignees (0-10), in the order they were given."""
        return [link.user for link in self.assignee_links]

    @property
    def assignee_ids(self) -> list[int]:
        return [link.user_id for link in self.assignee_links]

    @property
    def project_key(self) -> str | None:
        return self.project.key if self.project is not None else None

    @property
    def ref(self) -> str | None:
        """ "OPS-12": the project key and the task's number in it (None until filed)."""
        return ref_of(self.project_key, self.number)

    @property
    def etag(self) -> str:
        """The strong entity tag of this version (RFC 9110 §8.8.3)."""
        return self.etag_of(self.id, self.version)

    @staticmethod
    def etag_of(task_id: int, version: int) -> str:
        """The entity tag of version `version` of task `task_id` (what a form's version names)."""
        return f'"task-{task_id}-v{version}"'


class TaskAssignee(db.Model):
    """One of a task's assignees (0-10); `position` keeps the order they were given in."""

    __tablename__ = "task_assignees"
    __table_args__ = (sa.Index("ix_task_assignees_user_id_task_id", "user_id", "task_id"),)

    task_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship(lazy="joined")


class TaskLabel(db.Model):
    """A label on a task (the label belongs to the task's project)."""

    __tablename__ = "task_labels"
    __table_args__ = (sa.Index("ix_task_labels_label_id_task_id", "label_id", "task_id"),)

    task_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        sa.ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True
    )


class TaskCount(db.Model):
    """How many tasks of each project hold each status, in all (`assignee_id` 0) and per
    assignee (a task counts once for each of its assignees): the task stats read these few rows
    instead of counting the table (api/tasks/counters.py keeps them in the transaction of every
    change).

    `project_id` 0 stands for a task without a project (General's, api/projects). No foreign
    keys: deleting a user drops their rows (counters.py) instead of failing.
    """

    __tablename__ = "task_counts"

    project_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    assignee_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class TaskDeadlineCount(db.Model):
    """How many open tasks of each project are due on each UTC day, in all (`assignee_id` 0)
    and per assignee: the overdue figures of the stats sum the days before today here and
    count only today's tasks in the table (api/tasks/counters.py keeps these rows like
    TaskCount's)."""

    __tablename__ = "task_deadline_counts"

    project_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    assignee_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


# The id of the incident a task follows up (the incident_follow_ups link, api/incidents), or
# None: loaded with a single task (`undefer`) so that a plain task's read costs no statement
# more; the incident itself is read only when there is one.
_FOLLOW_UPS = sa.table("incident_follow_ups", sa.column("task_id"), sa.column("incident_id"))
Task.follow_up_of = column_property(
    sa.select(_FOLLOW_UPS.c.incident_id)
    .where(_FOLLOW_UPS.c.task_id == Task.id)
    .correlate_except(_FOLLOW_UPS)
    .scalar_subquery(),
    deferred=True,
)
