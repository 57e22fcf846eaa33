"""User accounts (shared/design.md §3)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from api.db import str_enum, utcnow
from api.extensions import db


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    EMPLOYEE = "employee"


class UserStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    DISABLED = "disabled"


class User(db.Model):
    """A person with an account; only `active` users receive tokens."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    username: Mapped[str] = mapped_column(sa.String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.EMPLOYEE, index=True)
    requested_role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.EMPLOYEE)
    status: Mapped[UserStatus] = mapped_column(
        str_enum(UserStatus), default=UserStatus.PENDING, index=True
    )
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    notify_daily_reminder: Mapped[bool] = mapped_column(default=True)
    notify_reports: Mapped[bool] = mapped_column(default=True)
    notify_sign_in: Mapped[bool] = mapped_column(default=False)
    tokens_valid_after: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}/{self.status}>"
