"""Task comments, the people they mention, and the people watching a task."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api import markup
from api.db import utcnow
from api.extensions import db
from api.tasks.models import Task
from api.users.models import User


class TaskComment(db.Model):
    """A Markdown comment on a task; `edited_at` is set by an edit (UTC)."""

    __tablename__ = "task_comments"
    __table_args__ = (sa.Index("ix_task_comments_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)

    author: Mapped[User | None] = relationship(lazy="raise")
    task: Mapped[Task] = relationship(lazy="raise")
    mentions: Mapped[list[CommentMention]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="CommentMention.user_id"
    )

    @property
    def body_html(self) -> Markup:
        """The body rendered by api.markup (sanitized HTML)."""
        return markup.render(self.body)

    @property
    def mentioned(self) -> list[User]:
        """The people this comment mentions who could see the task when it was saved."""
        return [m.user for m in self.mentions]


class CommentMention(db.Model):
    """One person a comment mentions, resolved when the comment was saved."""

    __tablename__ = "task_comment_mentions"

    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("task_comments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    user: Mapped[User] = relationship(lazy="joined")


class TaskWatcher(db.Model):
    """A person who follows a task: they hear of its comments and status changes."""

    __tablename__ = "task_watchers"

    task_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")
