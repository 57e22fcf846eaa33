"""Linked sign-in identities: an account's subject at an OpenID Provider."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from api.db import utcnow
from api.extensions import db


class LinkedIdentity(db.Model):
    """One (issuer, subject) pair linked to a user (OpenID Connect Core 1.0 §2: `sub` is unique
    only within its issuer, so the pair is the key). An account has at most one per issuer.

    `provider` is the configured name at link time (for display); the issuer decides the match,
    so renaming a provider in the environment keeps its links. Deleted with the user.
    """

    __tablename__ = "linked_identities"
    __table_args__ = (
        sa.UniqueConstraint("issuer", "subject"),
        sa.UniqueConstraint("user_id", "issuer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(sa.String(32))
    issuer: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(254), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
