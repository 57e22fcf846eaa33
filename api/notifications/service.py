"""Queue email in the outbox, and the admin's view of it (issue 4, shared/design.md §6).

Queueing: `queue()` renders the templates and inserts one outbox row in the caller's
transaction with an insert that skips a row whose dedupe key already exists (MySQL
`INSERT IGNORE`, SQLite `ON CONFLICT DO NOTHING`): the surrounding transaction is untouched, so
a rolled-back change leaves no email behind. The ids queued are kept in `session.info`; a commit
moves them to the "committed" list and a rollback forgets them, and `send_committed()` (run by an
`after_request` hook and by the services' callers outside requests) tries them at once.

Sending, retries and the duplicate window are in api/notifications/delivery.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from api.db import Page, paginate, unit_of_work, utcnow
from api.errors import Conflict, NotFound
from api.extensions import db
from api.notifications.models import EmailKind, OutboxEmail, OutboxStatus
from api.notifications.render import render
from api.permissions import Capability, require

log = logging.getLogger(__name__)

QUEUED = "outbox_queued"  # session.info key: ids inserted in the open transaction
COMMITTED = "outbox_committed"  # ids whose transaction committed, not yet tried


class Recipient(Protocol):
    """A person an email goes to (a User): their id is kept on the outbox row."""

    id: int
    email: str
    username: str


class InvalidRecipient(ValueError):
    """The address is not a deliverable mailbox syntax, or holds CR / LF."""


def check_recipient(address: str) -> str:
    """Return `address` normalised (email-validator, RFC 5321/5322); raise InvalidRecipient."""
    from email_validator import EmailNotValidError, validate_email

    if "\r" in address or "\n" in address:
        raise InvalidRecipient("line break in address")
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidRecipient(str(exc)) from exc


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert `rows`, skipping any whose dedupe key exists; return how many were inserted."""
    if not rows:
        return 0
    table = OutboxEmail.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(table).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
    elif dialect in ("mysql", "mariadb"):
        # Every column is validated and sized before this point, so IGNORE only skips the
        # duplicate key; it cannot hide a truncation.
        stmt = sa.insert(table).values(rows).prefix_with("IGNORE")
    else:  # pragma: no cover - PostgreSQL would use ON CONFLICT as SQLite does
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return session.execute(stmt).rowcount or 0


def build_row(
    *,
    kind: EmailKind,
    to: Recipient | str,
    dedupe_key: str,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """Render one email and return the outbox row's column values (no SQL).

    `to` is a user (their email; their id is kept) or an address; `not_before` (aware UTC)
    holds the email back until then (default: due now). An address that cannot be
    sent to (InvalidRecipient) still gives a row, with status `skipped` and the reason in
    `last_error`: the outbox shows every email a change meant to send, delivered or not
    (issue 12). Never raises InvalidRecipient.
    """
    user = None if isinstance(to, str) else to
    raw = user.email if user else str(to)
    status, reason = OutboxStatus.PENDING, None
    try:
        address = check_recipient(raw)
    except InvalidRecipient as exc:
        address = "".join(c if c.isprintable() else " " for c in raw)[:254]
        status, reason = OutboxStatus.SKIPPED, f"Not sent: the address was refused ({exc})"[:1000]
    subject, text, html = render(kind, {**(context or {}), "recipient": user})
    now = now or utcnow()
    return {
        "kind": kind.value,
        "dedupe_key": dedupe_key[:191],
        "user_id": user.id if user else None,
        "recipient": address,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "status": status.value,
        "last_error": reason,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
        "updated_at": now,
    }


def queue(
    *,
    kind: EmailKind,
    to: Recipient | str,
    dedupe_key: str,
    context: dict[str, Any] | None = None,
) -> bool:
    """Add one email to the outbox in the current transaction; the caller commits.

    Returns True when the email will be sent: False when an email with `dedupe_key` already
    exists (nothing is written) or the recipient is not a valid address (a `skipped` row is
    written instead, see `build_row`; never raised: an email must not fail the change).
    """
    row = build_row(kind=kind, to=to, dedupe_key=dedupe_key, context=context)
    return queue_rows([row]) == 1 and row["status"] == OutboxStatus.PENDING.value


def outcome_counts(dedupe_prefix: str) -> dict[str, int]:
    """How the emails whose dedupe key starts with `dedupe_prefix` stand: {status: count}.

    Lets a page say what really happened ("2 alerts on their way, 1 address refused") instead of
    claiming a delivery. One statement.
    """
    escaped = dedupe_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.session.execute(
        sa.select(OutboxEmail.status, sa.func.count())
        .where(OutboxEmail.dedupe_key.like(escaped + "%", escape="\\"))
        .group_by(OutboxEmail.status)
    )
    return {str(status): count for status, count in rows}


def queue_or_replace(
    *,
    kind: EmailKind,
    to: Recipient,
    dedupe_key: str,
    context: dict[str, Any],
    not_before: datetime,
) -> bool:
    """Queue an email held back until `not_before` (aware UTC), or, when one with `dedupe_key`
    is still pending, replace its subject and bodies with this rendering (a digest growing).

    Returns False when nothing was written: the row with that key is already being sent or
    sent, or the recipient is refused (a `skipped` row, see `build_row`). The caller then keys
    its next email differently.
    """
    row = build_row(kind=kind, to=to, dedupe_key=dedupe_key, context=context, not_before=not_before)
    if row["status"] != OutboxStatus.PENDING.value:
        queue_rows([row])
        return False
    if queue_rows([row]) == 1:
        return True
    table = OutboxEmail.__table__
    replaced = db.session.execute(
        sa.update(table)
        .where(
            table.c.dedupe_key == row["dedupe_key"],
            table.c.status == OutboxStatus.PENDING.value,
            table.c.attempts == 0,
        )
        .values(
            subject=row["subject"],
            body_text=row["body_text"],
            body_html=row["body_html"],
            updated_at=row["updated_at"],
        )
    ).rowcount
    return bool(replaced)


def queue_rows(rows: list[dict[str, Any]]) -> int:
    """Insert prepared rows (see `build_row`) in one statement; remember their keys for sending."""
    inserted = _insert(db.session, rows)
    if inserted:
        db.session.info.setdefault(QUEUED, []).extend(
            r["dedupe_key"] for r in rows if r["status"] == OutboxStatus.PENDING.value
        )
    return inserted


def _on_commit(session: Session) -> None:
    keys = session.info.pop(QUEUED, None)
    if keys:
        session.info.setdefault(COMMITTED, []).extend(keys)


def _on_rollback(session: Session) -> None:
    session.info.pop(QUEUED, None)


def register_session_events() -> None:
    """Track queued emails across commit and rollback (idempotent)."""
    target = db.session
    if not sa.event.contains(target, "after_commit", _on_commit):
        sa.event.listen(target, "after_commit", _on_commit)
        sa.event.listen(target, "after_rollback", _on_rollback)
        sa.event.listen(target, "after_soft_rollback", _on_soft_rollback)


def _on_soft_rollback(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:  # a savepoint rolled back: the outer work goes on
        _on_rollback(session)


def init_app(app: Flask) -> None:
    """Wire the session events and the after-request send."""
    register_session_events()

    @app.after_request
    def _send_after_commit(response: Any) -> Any:
        if app.config["MAIL_SEND_AFTER_COMMIT"] and db.session.info.get(COMMITTED):
            from api.notifications.delivery import send_committed

            send_committed()
        return response


@dataclass(frozen=True)
class OutboxFilter:
    status: OutboxStatus | None = None
    kind: EmailKind | None = None
    recipient: str | None = None


def list_outbox(
    *, filters: OutboxFilter, actor: Any, page: int, page_size: int
) -> Page[OutboxEmail]:
    """One page of the outbox, newest first (outbox.admin; raises Forbidden). One statement
    (two past the end)."""
    require(actor, Capability.OUTBOX_ADMIN)
    stmt = sa.select(OutboxEmail)
    if filters.status:
        stmt = stmt.where(OutboxEmail.status == filters.status)
    if filters.kind:
        stmt = stmt.where(OutboxEmail.kind == filters.kind)
    if filters.recipient:
        stmt = stmt.where(OutboxEmail.recipient == filters.recipient.strip().lower())
    stmt = stmt.order_by(OutboxEmail.id.desc())
    return paginate(db.session, stmt, page=page, page_size=page_size)


def get_email(*, outbox_id: int, actor: Any) -> OutboxEmail:
    """One outbox email with its subject and bodies (outbox.admin). A sent email that held a
    single-use credential shows its body as cleared (outside development, MAIL_SHOW_BODIES).

    Raises Forbidden, NotFound.
    """
    require(actor, Capability.OUTBOX_ADMIN)
    row = db.session.get(OutboxEmail, outbox_id)
    if row is None:
        raise NotFound("Email not found.")
    return row


def requeue(*, outbox_id: int, actor: Any) -> OutboxEmail:
    """Give a dead (or failed) row a fresh set of attempts, due now (outbox.admin).

    Raises Forbidden, NotFound, Conflict (not dead or failed).
    """
    require(actor, Capability.OUTBOX_ADMIN)
    with unit_of_work():
        row = db.session.get(OutboxEmail, outbox_id)
        if row is None:
            raise NotFound("Email not found.")
        if row.status not in (OutboxStatus.DEAD, OutboxStatus.FAILED):
            raise Conflict(f"Only dead or failed emails can be requeued; this one is {row.status}.")
        row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, utcnow()
        row.last_error = None
        db.session.info.setdefault(QUEUED, []).append(row.dedupe_key)
    return row
