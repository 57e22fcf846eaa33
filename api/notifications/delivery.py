"""Deliver queued email: claim outbox rows, call the provider, record the outcome.

Claims, leases and ownership follow api/leases.py, the rules every outbox shares: a worker
claims rows (`status='sending'`, a random `claim_token`, a lease of OUTBOX_LEASE_SECONDS on the
database's clock) and commits before calling the provider, so no lock is held during the call.
Right before each send it confirms with a compare-and-set on its token that it still holds the
row (renewing the lease and counting the attempt); a worker whose row was taken over does not
send it. The outcome is written only where the token still matches, and a run counts only the
rows whose outcome it wrote.

What is promised: every email is sent at least once, and a second copy goes out only when the
outcome of an accepted send is not recorded: the worker dies (or loses its database) between the
provider accepting the message and the commit of `sent`, or the provider's answer is lost (a
connection reset or read timeout: the attempt counts as failed and is retried with backoff).
Each crash or lost answer costs at most one extra copy, never more: SES clients make exactly one
HTTP attempt per call (botocore retries off, api/notifications/backends.py), retries being the
outbox's, and the lease outlasts every run (api/config.py). The outbox id travels with the message
(SES tag `outbox_id`, header X-Taskdesk-Outbox-Id) so a duplicate is traceable.

Retry schedule (full jitter, "Exponential Backoff And Jitter", AWS Architecture Blog):
next_attempt_at = now + uniform(0, min(OUTBOX_BACKOFF_CAP_SECONDS,
OUTBOX_BACKOFF_BASE_SECONDS * 2**attempts)). An attempt is counted when a send is tried (a claim
that dies before sending costs none); after OUTBOX_MAX_ATTEMPTS failed attempts the row is `dead`.
Throttling, quota and connection-refused errors defer the row and give the attempt back.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from api import leases
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


EMAIL_OUTBOX = leases.Outbox(
    table=OutboxEmail.__table__,
    claimable=tuple(status.value for status in CLAIMABLE),
    sending=OutboxStatus.SENDING.value,
)


@dataclass
class SendResult:
    """Counts of one sending round: only the rows whose outcome this round wrote.

    `claimed`: rows claimed; `sent`, `deferred`, `failed`, `dead`, `errors`: outcomes written;
    `lost`: claimed rows another worker took over before this round sent or recorded them
    (their outcome is the other worker's). `sent_ids`: ids of the rows counted in `sent`.
    """

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    dead: int = 0
    errors: int = 0
    claimed: int = 0
    lost: int = 0
    sent_ids: list[int] = field(default_factory=list)

    def add(self, other: SendResult) -> None:
        for name in ("sent", "deferred", "failed", "dead", "errors", "claimed", "lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.sent_ids.extend(other.sent_ids)


def claim(
    *,
    keys: Iterable[str] | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[OutboxEmail]:
    """Claim claimable rows (all of `keys`, or the `limit` most overdue) and commit the claim.

    `now` (aware UTC, default the clock) is the business time rows must be due at; the lease is
    taken on the database's clock (api/leases.py). Returns the rows now held by this worker, in
    id order. Rows held by another worker are skipped, never waited for.
    """
    now = now or utcnow()
    where = []
    if keys is not None:
        where.append(OutboxEmail.dedupe_key.in_(list(keys)))
    token = leases.claim(
        db.session,
        EMAIL_OUTBOX,
        now=now,
        lease_seconds=current_app.config["OUTBOX_LEASE_SECONDS"],
        where=where,
        limit=limit,
    )
    if token is None:
        return []
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

    Per email: a compare-and-set confirms the claim still holds (and counts the attempt), the
    provider is called once, and the outcome is written where the claim still holds; each is one
    UPDATE and a commit, so a worker that dies mid-batch can cause at most one duplicate (the
    message in flight), never a batch of them. A row taken over by another worker is not sent,
    and counted as `lost`. Deferred rows give their attempt back.

    `now` is the run's business time (the `now` its rows were claimed at). Outcomes are stamped
    at the later of it and the wall clock, so a retry is always scheduled after the run's `now`:
    a run that claims with `next_attempt_at <= now` never picks a row it has just failed up again.
    """
    result = SendResult(claimed=len(rows))
    if not rows:
        return result
    config = current_app.config
    max_attempts = config["OUTBOX_MAX_ATTEMPTS"]
    lease_seconds = config["OUTBOX_LEASE_SECONDS"]
    for row in rows:
        if pacer:
            pacer.wait()
        now = max(now, utcnow()) if now else utcnow()
        token = row.claim_token
        if not leases.confirm(
            db.session,
            EMAIL_OUTBOX,
            row_id=row.id,
            token=token,
            lease_seconds=lease_seconds,
            now=now,
        ):
            log.info("email %s was taken over by another worker; not sending it", row.id)
            result.lost += 1
            continue
        attempts = row.attempts + 1
        outcome, counter = _attempt(row, backend, attempts, max_attempts, now)
        if not leases.settle(db.session, EMAIL_OUTBOX, row_id=row.id, token=token, values=outcome):
            if counter == "sent":
                log.warning("email %s was sent but its claim was lost meanwhile", row.id)
            result.lost += 1
            continue
        setattr(result, counter, getattr(result, counter) + 1)
        if counter == "sent":
            result.sent_ids.append(row.id)
    return result


def _attempt(
    row: OutboxEmail, backend: Backend, attempts: int, max_attempts: int, now: datetime
) -> tuple[dict[str, Any], str]:
    """Call the provider once for `row`; return (the columns to write, the SendResult counter).

    A sent email of a CREDENTIAL_KINDS kind has both bodies replaced by CLEARED_BODY.
    """
    failure = {"provider_message_id": None, "sent_at": None, "updated_at": now}
    try:
        message_id = backend.send(_message(row))
    except DeferSend as exc:
        delay = exc.retry_after or backoff_seconds(min(attempts, 6))
        outcome = {
            **failure,
            "status": OutboxStatus.PENDING if attempts <= 1 else OutboxStatus.FAILED,
            "attempts": max(0, attempts - 1),
            "next_attempt_at": now + timedelta(seconds=delay),
            "last_error": str(exc)[:1000],
        }
        return outcome, "deferred"
    except SendError as exc:
        dead = isinstance(exc, PermanentSendError) or attempts >= max_attempts
        if dead:
            log.warning("email %s is dead after %s attempts: %s", row.id, attempts, exc)
        outcome = {
            **failure,
            "status": OutboxStatus.DEAD if dead else OutboxStatus.FAILED,
            "attempts": attempts,
            "next_attempt_at": now + timedelta(seconds=backoff_seconds(attempts)),
            "last_error": str(exc)[:1000],
        }
        return outcome, "dead" if dead else "failed"
    except Exception as exc:  # a backend bug must not lose the claim's bookkeeping
        log.exception("mail backend raised unexpectedly for email %s", row.id)
        outcome = {
            **failure,
            "status": OutboxStatus.FAILED,
            "attempts": attempts,
            "next_attempt_at": now + timedelta(seconds=backoff_seconds(attempts)),
            "last_error": f"{type(exc).__name__}"[:1000],
        }
        return outcome, "errors"
    outcome = {
        "status": OutboxStatus.SENT,
        "attempts": attempts,
        "last_error": None,
        "provider_message_id": message_id[:255],
        "sent_at": now,
        "updated_at": now,
    }
    if row.kind in CREDENTIAL_KINDS and not current_app.config.get("MAIL_SHOW_BODIES"):
        outcome.update(body_text=CLEARED_BODY, body_html=CLEARED_BODY)
    return outcome, "sent"


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
