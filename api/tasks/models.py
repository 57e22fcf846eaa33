"""Tasks (shared/design.md §3)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import str_enum, utcnow
from api.extensions import db
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


class Task(db.Model):
    """A unit of work; `version` drives optimistic concurrency (ETag / If-Match, RFC 9110 §13)."""

    __tablename__ = "tasks"
    __table_args__ = (
        sa.Index("ix_tasks_assignee_status_deadline", "assignee_id", "status", "deadline"),
        sa.Index("ix_tasks_status_deadline", "status", "deadline"),
        # 0008_scale: one index per list shape (api/tasks/queries.py `_sorts`; tests/tasks/
        # test_explain.py), the overdue range and the 30-day completed count of stats.
        sa.Index("ix_tasks_status_created_at", "status", "created_at"),
        sa.Index("ix_tasks_assignee_id_created_at", "assignee_id", "created_at"),
        sa.Index("ix_tasks_assignee_id_deadline", "assignee_id", "deadline"),
        sa.Index("ix_tasks_priority_created_at", "priority", "created_at"),
        sa.Index("ix_tasks_completed_at", "completed_at"),
        sa.Index("ix_tasks_title", "title"),
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
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_overdue(self) -> bool:
        return is_overdue(self.deadline, self.status)

    @property
    def etag(self) -> str:
        """The strong entity tag of this version (RFC 9110 §8.8.3)."""
        return self.etag_of(self.id, self.version)

    @staticmethod
    def etag_of(task_id: int, version: int) -> str:
        """The entity tag of version `version` of task `task_id` (what a form's version names)."""
        return f'"task-{task_id}-v{version}"'


class TaskCount(db.Model):
    """How many tasks hold each (assignee, status): the task stats read these few rows instead
    of counting the table (api/tasks/counters.py keeps them in the transaction of every change).

    `assignee_id` 0 stands for unassigned (a primary key column takes no NULL); no foreign key,
    so that deleting a user moves their counts (counters.py) instead of failing.
    """

    __tablename__ = "task_counts"

    assignee_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class TaskDeadlineCount(db.Model):
    """How many open tasks each assignee (0: nobody) has due on each UTC day: the overdue
    figures of the stats sum the days before today here and count only today's tasks in the
    table (api/tasks/counters.py keeps these rows like TaskCount's)."""

    __tablename__ = "task_deadline_counts"

    assignee_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
