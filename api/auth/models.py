"""Revoked tokens and sign-in attempts: kept in the database so they hold across containers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from api.db import utcnow
from api.extensions import db


class RevokedToken(db.Model):
    """A JWT id (`jti`, RFC 7519 §4.1.7) that may no longer be used, kept until it expires."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginAttempt(db.Model):
    """A failed sign-in, counted per account key and per client address for throttling."""

    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_key_created_at", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300))  # user:<id>, login:<typed>, ip:<address>
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
