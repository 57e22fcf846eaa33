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


class PersonalToken(db.Model):
    """A personal access token for scripts: its SHA-256 hash, never the secret.

    The secret (`tdp_` + 43 URL-safe characters, 256 random bits) is shown once at creation;
    `prefix` (its first 12 characters) lets people tell their tokens apart. `scopes` is the
    space-separated list of OAuth-style scope names (RFC 6749 §3.3). A token is refused after
    `expires_at`, once `revoked_at` is set, and when it was created before its owner's
    `tokens_valid_after` (password change, disable, role change). Deleted with the user.
    """

    __tablename__ = "personal_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # hex SHA-256
    scopes: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def scope_names(self) -> list[str]:
        """The scopes as a list of names, in the order they were stored."""
        return self.scopes.split()
