"""Projects, their members and their labels (issue 14).

A project has an immutable key (2-10 uppercase letters or digits, "OPS") that prefixes the refs
of its tasks ("OPS-12"); `next_number` is the counter the next task's number is taken from
(api.projects.numbering). Members hold a project role: lead, member or viewer.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import str_enum, utcnow
from api.extensions import db
from api.users.models import User

KEY_PATTERN = r"^[A-Z0-9]{2,10}$"
GENERAL_KEY = "GEN"  # the project every task without one belongs to (migration 0005)


class ProjectRole(StrEnum):
    LEAD = "lead"
    MEMBER = "member"
    VIEWER = "viewer"


class Project(db.Model):
    """A group of tasks with its own members; `archived_at` (UTC) set means archived."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(10), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    next_number: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ProjectMember(db.Model):
    """A person's role in a project."""

    __tablename__ = "project_members"
    __table_args__ = (sa.Index("ix_project_members_user_id_project_id", "user_id", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[ProjectRole] = mapped_column(str_enum(ProjectRole), default=ProjectRole.MEMBER)

    user: Mapped[User] = relationship(lazy="raise")


class Label(db.Model):
    """A project's label: a name unique in the project and a colour ("#rrggbb")."""

    __tablename__ = "labels"
    __table_args__ = (sa.UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(50))
    color: Mapped[str] = mapped_column(sa.String(7), default="#6b7280")
