"""In-app notifications and each person's per-kind delivery preferences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import str_enum, utcnow
from api.extensions import db
from api.users.models import User


class NotificationKind(StrEnum):
    """What happened: the events of issue 14 that notify someone."""

    ASSIGNED = "assigned"
    MENTIONED = "mentioned"
    COMMENTED = "commented"
    STATUS_CHANGED = "status_changed"
    INCIDENT_REPORTED = "incident_reported"
    INCIDENT_RESPONDED = "incident_responded"
    INCIDENT_STATUS = "incident_status"


class Channel(StrEnum):
    """Where a kind of notification goes for one person."""

    IN_APP = "in_app"
    EMAIL = "email"
    BOTH = "both"
    OFF = "off"

    @property
    def in_app(self) -> bool:
        return self in (Channel.IN_APP, Channel.BOTH)

    @property
    def email(self) -> bool:
        return self in (Channel.EMAIL, Channel.BOTH)


# Defaults as the emails of shared/design.md §6 before issue 14: the kinds that were emailed
# (assignment, incidents) are emailed and shown in the app; the new kinds only in the app.
DEFAULT_CHANNELS: dict[NotificationKind, Channel] = {
    NotificationKind.ASSIGNED: Channel.BOTH,
    NotificationKind.MENTIONED: Channel.IN_APP,
    NotificationKind.COMMENTED: Channel.IN_APP,
    NotificationKind.STATUS_CHANGED: Channel.IN_APP,
    NotificationKind.INCIDENT_REPORTED: Channel.BOTH,
    NotificationKind.INCIDENT_RESPONDED: Channel.BOTH,
    NotificationKind.INCIDENT_STATUS: Channel.BOTH,
}


class Notification(db.Model):
    """One event for one recipient. `in_app` rows show in the inbox; `email` rows feed the task
    digest email. `title` and `path` are kept as they were at the event (the link target)."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_id_read_at_id", "user_id", "read_at", "id"),
        sa.Index("ix_notifications_user_id_task_id_created_at", "user_id", "task_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, length=32))
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    task_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tasks.id", ondelete="CASCADE"), default=None, index=True
    )
    incident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), default=None, index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("task_comments.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    path: Mapped[str] = mapped_column(sa.String(255))
    excerpt: Mapped[str] = mapped_column(sa.String(255), default="")
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="raise")


class NotificationPreference(db.Model):
    """A person's choice for one kind; absent means DEFAULT_CHANNELS."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(
        str_enum(NotificationKind, length=32), primary_key=True
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, length=16))
