"""The email outbox (shared/design.md §3): one row per email, written with the change it reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from api.db import str_enum, utcnow
from api.extensions import db

# Bodies may be long (a summary report); MEDIUMTEXT (16 MB) on MySQL, TEXT elsewhere.
LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")


class OutboxStatus(StrEnum):
    """Where an email stands.

    `pending` (not tried yet, or deferred), `sending` (claimed by a worker until `locked_until`,
    on the database's clock: api/leases.py), `sent`, `failed` (tried; retried at
    `next_attempt_at`), `dead` (given up; an admin may requeue), `skipped` (never queued for
    sending: the recipient's address was refused; `last_error` says why). The column is a
    VARCHAR without a CHECK (api.db.str_enum): a new value needs no migration.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    SKIPPED = "skipped"


class EmailKind(StrEnum):
    """Every email of shared/design.md §6; each has `email/<kind>.txt` and `.html` templates."""

    REGISTRATION_RECEIVED = "registration_received"
    REGISTRATION_WAITING = "registration_waiting"
    REGISTRATION_ATTEMPT = "registration_attempt"  # someone registered with a taken address
    ACCOUNT_APPROVED = "account_approved"
    ACCOUNT_REJECTED = "account_rejected"
    SIGN_IN_ALERT = "sign_in_alert"
    PASSWORD_RESET = "password_reset"
    TASK_ASSIGNED = "task_assigned"
    TASK_COMPLETED = "task_completed"
    INCIDENT_REPORTED = "incident_reported"
    INCIDENT_ALERT = "incident_alert"
    INCIDENT_RESPONSE = "incident_response"
    INCIDENT_STATUS = "incident_status"
    INCIDENT_ESCALATED = "incident_escalated"  # still unacknowledged after its delay
    DAILY_REMINDER = "daily_reminder"
    SUMMARY_REPORT = "summary_report"
    TASK_ACTIVITY = "task_activity"  # a digest of a few minutes' events on one task
    TASK_BATCH = "task_batch"  # one person's share of a bulk change of several tasks


class OutboxEmail(db.Model):
    """One email. `dedupe_key` is unique: a second copy of the same email cannot be queued.

    `claim_token` names the worker run that holds a `sending` row: the worker confirms it before
    each send and writes the outcome only where it still matches (api/leases.py), so a worker
    whose row was taken over neither sends it nor overwrites the new holder's outcome.
    `attempts` counts the sends tried (a deferred one is given back).
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        sa.Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_email_outbox_kind_created_at", "kind", "created_at"),
        sa.Index("ix_email_outbox_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EmailKind] = mapped_column(str_enum(EmailKind, length=40))
    dedupe_key: Mapped[str] = mapped_column(sa.String(191), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(LONG_TEXT)
    body_html: Mapped[str] = mapped_column(LONG_TEXT)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), default=None, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<OutboxEmail {self.id} {self.kind} {self.status}>"
