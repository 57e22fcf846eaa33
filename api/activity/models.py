"""The activity log: one row per state change, written in the change's transaction."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import str_enum, utcnow
from api.extensions import db
from api.users.models import User


class EntityType(StrEnum):
    TASK = "task"
    INCIDENT = "incident"
    USER = "user"


class Activity(db.Model):
    """Who did what to which object, with `changes` as {field: [old, new]} in JSON."""

    __tablename__ = "activity"
    __table_args__ = (sa.Index("ix_activity_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    entity_type: Mapped[EntityType] = mapped_column(str_enum(EntityType))
    entity_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="raise")
