"""Deliver queued email: claim outbox rows, call the provider, record the outcome.

Sending: a worker claims rows (`status='sending'`, `locked_until = now + OUTBOX_LEASE_SECONDS`,
`attempts + 1`, a random `claim_token`) and commits before calling the provider, so no lock is
held during the call. MySQL / MariaDB claims with `SELECT … FOR UPDATE SKIP LOCKED`; SQLite, which
has no row locks, with one conditional UPDATE whose WHERE re-checks claimability, and reads back
the rows that carry its token. The outcome is written only where the token still matches.

Duplicates: a message can be delivered twice only when a worker dies (or its database goes away)
between SES accepting the message and the commit of `sent`. The row then stays `sending` until
its lease expires and is sent once more: at most one extra copy per such crash. The outbox id
travels with the message (SES tag `outbox_id`, header X-Taskdesk-Outbox-Id) so a duplicate is
traceable.

Retry schedule (full jitter, "Exponential Backoff And Jitter", AWS Architecture Blog):
next_attempt_at = now + uniform(0, min(OUTBOX_BACKOFF_CAP_SECONDS,
OUTBOX_BACKOFF_BASE_SECONDS * 2**attempts)). After OUTBOX_MAX_ATTEMPTS the row is `dead`.
Throttling, quota and connection-refused errors defer the row without spending an attempt.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from api.db import utcnow
from api.extensions import db
from api.notifications.backends import (
    Backend,
    DeferSend,
    Message,
    PermanentSendError,
    SendError,
    get_backend,
)
from api.notifications.models import EmailKind, OutboxEmail, OutboxStatus
from api.notifications.service import COMMITTED

log = logging.getLogger(__name__)

CLAIMABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED)
# Kinds whose body holds a credential (a single-use reset link): once the provider has the
# message, the body is replaced by CLEARED_BODY; subject, recipient and status stay as the record.
CREDENTIAL_KINDS = frozenset({EmailKind.PASSWORD_RESET})
CLEARED_BODY = "(cleared after sending: this email held a single-use credential)"
_jitter = random.Random()  # noqa: S311 - backoff jitter, not security


def send_committed() -> SendResult:
    """Try the emails whose transactions committed in this session; never raises."""
    keys = db.session.info.pop(COMMITTED, None) or []
    if not keys:
        return SendResult()
    try:
        backend = get_backend(current_app._get_current_object(), interactive=True)
        return send_claimed(claim(keys=keys), backend)
    except Exception:  # the user's change is committed; the outbox job will retry
        log.exception("sending right after commit failed; the outbox job will retry")
        db.session.rollback()
        return SendResult(errors=len(keys))


@dataclass
class SendResult:
    """Counts of one sending round, and the SQL-free time spent in the provider (seconds)."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    dead: int = 0
    errors: int = 0
    claimed: int = 0
    sent_ids: list[int] = field(default_factory=list)

    def add(self, other: SendResult) -> None:
        for name in ("sent", "deferred", "failed", "dead", "errors", "claimed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.sent_ids.extend(other.sent_ids)


def _claimable(now: datetime) -> Any:
    return sa.or_(
        sa.and_(OutboxEmail.status.in_(CLAIMABLE), OutboxEmail.next_attempt_at <= now),
        sa.and_(OutboxEmail.status == OutboxStatus.SENDING, OutboxEmail.locked_until < now),
    )


def claim(
    *,
    keys: Iterable[str] | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[OutboxEmail]:
    """Claim claimable rows (all of `keys`, or the `limit` most overdue) and commit the claim.

    Returns the rows now held by this worker (attempts already counted). Rows held by another
    worker are skipped, never waited for.
    """
    now = now or utcnow()
    token = secrets.token_hex(16)
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    where = [_claimable(now)]
    if keys is not None:
        where.append(OutboxEmail.dedupe_key.in_(list(keys)))
    select = sa.select(OutboxEmail.id).where(*where).order_by(OutboxEmail.next_attempt_at)
    if limit:
        select = select.limit(limit)
    is_sqlite = db.session.get_bind().dialect.name == "sqlite"
    if not is_sqlite:
        select = select.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(select))
    if not ids:
        db.session.commit()
        return []
    update = (
        sa.update(OutboxEmail)
        .where(OutboxEmail.id.in_(ids))
        .values(
            status=OutboxStatus.SENDING,
            locked_until=now + lease,
            claim_token=token,
            attempts=OutboxEmail.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if is_sqlite:  # no row locks: the WHERE re-checks, and the token says who won
        update = update.where(_claimable(now))
    db.session.execute(update)
    db.session.commit()
    rows = db.session.scalars(
        sa.select(OutboxEmail)
        .where(OutboxEmail.claim_token == token)
        .order_by(OutboxEmail.id)
        .execution_options(populate_existing=True)
    )
    claimed = list(rows)
    db.session.commit()
    return claimed


def backoff_seconds(attempts: int) -> float:
    """Full-jitter delay after `attempts` failed attempts: uniform(0, min(cap, base * 2**n))."""
    config = current_app.config
    ceiling = min(
        config["OUTBOX_BACKOFF_CAP_SECONDS"], config["OUTBOX_BACKOFF_BASE_SECONDS"] * 2**attempts
    )
    return _jitter.uniform(0, ceiling)


class Pacer:
    """Spaces calls to at most `rate` per second (None or 0: no pacing), with time.monotonic."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def _message(row: OutboxEmail) -> Message:
    return Message(
        outbox_id=row.id,
        kind=row.kind.value,
        sender=current_app.config["MAIL_FROM"],
        recipient=row.recipient,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
    )


def send_claimed(
    rows: list[OutboxEmail],
    backend: Backend,
    *,
    pacer: Pacer | None = None,
    now: datetime | None = None,
) -> SendResult:
    """Send claimed rows, recording each outcome as soon as the provider answers.

    One UPDATE and commit per email, so a worker that dies mid-batch can cause at most one
    duplicate (the message in flight), never a batch of them.
    Deferred rows give their attempt back. A row whose claim was taken over meanwhile (its
    token changed) is left to the new holder.

    `now` is the run's time (the `now` its rows were claimed at). Outcomes are stamped at the
    later of it and the wall clock, so a retry is always scheduled after the run's `now`: a run
    that claims with `next_attempt_at <= now` never picks a row it has just failed up again.
    """
    result = SendResult(claimed=len(rows))
    if not rows:
        return result
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    for row in rows:
        if pacer:
            pacer.wait()
        now = max(now, utcnow()) if now else utcnow()
        base = {"b_id": row.id, "b_token": row.claim_token, "b_now": now}
        try:
            message_id = backend.send(_message(row))
        except DeferSend as exc:
            delay = exc.retry_after or backoff_seconds(min(row.attempts, 6))
            _record(
                {
                    **base,
                    "b_status": OutboxStatus.PENDING if row.attempts <= 1 else OutboxStatus.FAILED,
                    "b_attempts": max(0, row.attempts - 1),
                    "b_next": now + timedelta(seconds=delay),
                    "b_error": str(exc)[:1000],
                    "b_message_id": None,
                    "b_sent_at": None,
                }
            )
            result.deferred += 1
            continue
        except SendError as exc:
            dead = isinstance(exc, PermanentSendError) or row.attempts >= max_attempts
            _record(
                {
                    **base,
                    "b_status": OutboxStatus.DEAD if dead else OutboxStatus.FAILED,
                    "b_attempts": row.attempts,
                    "b_next": now + timedelta(seconds=backoff_seconds(row.attempts)),
                    "b_error": str(exc)[:1000],
                    "b_message_id": None,
                    "b_sent_at": None,
                }
            )
            if dead:
                result.dead += 1
                log.warning("email %s is dead after %s attempts: %s", row.id, row.attempts, exc)
            else:
                result.failed += 1
            continue
        except Exception as exc:  # a backend bug must not lose the claim's bookkeeping
            log.exception("mail backend raised unexpectedly for email %s", row.id)
            _record(
                {
                    **base,
                    "b_status": OutboxStatus.FAILED,
                    "b_attempts": row.attempts,
                    "b_next": now + timedelta(seconds=backoff_seconds(row.attempts)),
                    "b_error": f"{type(exc).__name__}"[:1000],
                    "b_message_id": None,
                    "b_sent_at": None,
                }
            )
            result.errors += 1
            continue
        _record(
            {
                **base,
                "b_status": OutboxStatus.SENT,
                "b_attempts": row.attempts,
                "b_next": row.next_attempt_at,
                "b_error": None,
                "b_message_id": message_id[:255],
                "b_sent_at": now,
            },
            clear_body=row.kind in CREDENTIAL_KINDS,
        )
        result.sent += 1
        result.sent_ids.append(row.id)
    return result


def _record(outcome: dict[str, Any], *, clear_body: bool = False) -> None:
    """Write one row's outcome and commit: the duplicate window is one message wide.

    `clear_body` replaces both bodies with CLEARED_BODY in the same UPDATE (a sent reset link).
    """
    table = OutboxEmail.__table__
    stmt = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"), table.c.claim_token == sa.bindparam("b_token"))
        .values(
            status=sa.bindparam("b_status", type_=table.c.status.type),
            attempts=sa.bindparam("b_attempts"),
            next_attempt_at=sa.bindparam("b_next", type_=table.c.next_attempt_at.type),
            last_error=sa.bindparam("b_error"),
            provider_message_id=sa.bindparam("b_message_id"),
            sent_at=sa.bindparam("b_sent_at", type_=table.c.sent_at.type),
            updated_at=sa.bindparam("b_now", type_=table.c.updated_at.type),
            locked_until=None,
            claim_token=None,
        )
    )
    if clear_body:
        stmt = stmt.values(body_text=CLEARED_BODY, body_html=CLEARED_BODY)
    db.session.execute(stmt, outcome)
    db.session.commit()


def run_outbox(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    max_batches: int = 50,
    backend: Backend | None = None,
    progress: Any = None,
) -> SendResult:
    """The outbox job: claim due rows in batches and send them, paced to the provider's rate.

    Stops when a batch comes back empty or after `max_batches` (the next run continues).
    Every batch claims with the run's `now` (fixed when the run starts), and failures are
    rescheduled after it, so one run tries a row at most once.
    """
    now = now or utcnow()
    app = current_app._get_current_object()
    backend = backend or get_backend(app)
    batch_size = batch_size or app.config["OUTBOX_BATCH_SIZE"]
    pacer = Pacer(send_rate(backend))
    total = SendResult()
    for _ in range(max_batches):
        rows = claim(limit=batch_size, now=now)
        if not rows:
            break
        result = send_claimed(rows, backend, pacer=pacer, now=now)
        total.add(result)
        if progress:
            progress(result)
        if result.deferred == len(rows):
            break  # the provider is pushing back: leave the rest for the next run
    return total


def send_rate(backend: Backend) -> float | None:
    """Emails per second to pace to: MAIL_MAX_SEND_RATE when set, else the provider's."""
    configured = float(current_app.config["MAIL_MAX_SEND_RATE"] or 0)
    return configured if configured > 0 else backend.max_send_rate()
