"""Calendar feed tokens: one revocable, read-only URL per person (api/calendars/service.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from api.db import utcnow
from api.extensions import db


class CalendarToken(db.Model):
    """A person's calendar feed token, kept only as its SHA-256 digest (hex).

    At most one per person (`user_id` is the key): creating a new one replaces the old, and
    deleting the row revokes the URL. The token itself is shown once, when it is created.
    """

    __tablename__ = "calendar_tokens"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
