"""Deliver webhook events: claim rows, POST them signed, record the answer.

The claims follow api/leases.py exactly as the email outbox does (api/notifications/delivery.py):
a run claims due rows and commits, confirms each row (compare-and-set on its claim token,
counting the attempt) right before the POST, and writes the outcome only where its token still
holds. Two runs that overlap therefore never both POST one row; a second POST of one event
happens only when a run dies (or loses its answer) between the receiver's answer and the
commit of the outcome. Every retry carries the same `webhook-id`, on which receivers
deduplicate (Standard Webhooks, "Idempotency").

Signing: the `standardwebhooks` package (Standard Webhooks 1.0): `webhook-signature` is
`v1,` + base64(HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}")), the timestamp
being the send time in Unix seconds.

Retry schedule (full jitter, "Exponential Backoff And Jitter", AWS Architecture Blog): after
attempt n fails, the next is due uniform(0, min(WEBHOOK_BACKOFF_CAP_SECONDS (4 h),
WEBHOOK_BACKOFF_BASE_SECONDS (30 s) * 2**n)) later, never past `retry_until` (the event +
WEBHOOK_RETRY_SECONDS, 24 h). A failure at or after `retry_until` makes the row dead. Any 2xx is
delivered; every other answer (3xx included: redirects are not followed), a refused target,
a timeout or a connection error is a failure.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from api import leases
from api.db import utcnow
from api.extensions import db
from api.webhooks import targets
from api.webhooks.events import COMMITTED, register_session_events
from api.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery, WebhookFormat

log = logging.getLogger(__name__)

_jitter = random.Random()  # noqa: S311 - backoff jitter, not security
USER_AGENT = "taskdesk-webhooks/1"

WEBHOOK_OUTBOX = leases.Outbox(
    table=WebhookDelivery.__table__,
    claimable=(DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value),
    sending=DeliveryStatus.SENDING.value,
)


@dataclass
class DeliveryResult:
    """Counts of one round: `claimed`, and the outcomes this round wrote (`delivered`,
    `failed`, `dead`), `lost`: rows another worker took over."""

    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    lost: int = 0

    def add(self, other: DeliveryResult) -> None:
        """Add `other`'s counts to these."""
        for name in ("claimed", "delivered", "failed", "dead", "lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        """The counts as the job reports them."""
        return {n: getattr(self, n) for n in ("claimed", "delivered", "failed", "dead", "lost")}


def backoff_seconds(attempts: int) -> float:
    """Full-jitter delay after `attempts` failed attempts (seconds)."""
    config = current_app.config
    ceiling = min(
        config["WEBHOOK_BACKOFF_CAP_SECONDS"],
        config["WEBHOOK_BACKOFF_BASE_SECONDS"] * 2 ** min(attempts, 30),
    )
    return _jitter.uniform(0, ceiling)


def claim(
    *, ids: list[int] | None = None, limit: int | None = None, now: datetime | None = None
) -> list[WebhookDelivery]:
    """Claim due rows (all of `ids`, or the `limit` most overdue) and commit the claim.
    Returns the rows this worker now holds, in id order."""
    now = now or utcnow()
    where = [WebhookDelivery.id.in_(ids)] if ids is not None else []
    token = leases.claim(
        db.session,
        WEBHOOK_OUTBOX,
        now=now,
        lease_seconds=current_app.config["OUTBOX_LEASE_SECONDS"],
        where=where,
        limit=limit,
    )
    if token is None:
        return []
    rows = list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.claim_token == token)
            .order_by(WebhookDelivery.id)
            .execution_options(populate_existing=True)
        )
    )
    db.session.commit()
    return rows


def slack_text(body: dict[str, Any]) -> str:
    """One line for a Slack channel: what happened, to what, with a link (Slack mrkdwn)."""
    data = body.get("data") or {}
    subject = data.get("task") or data.get("incident") or {}
    label = subject.get("ref") or subject.get("title") or body.get("type", "")
    title = subject.get("title") or ""
    for char, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        label, title = label.replace(char, escaped), title.replace(char, escaped)
    url = subject.get("url")
    named = f"<{url}|{label}>" if url else label
    who = f" by {data['actor']}" if data.get("actor") else ""
    extra = f": {title}" if title and title != label else ""
    return f"[taskdesk] {body.get('type')}{who}: {named}{extra}"


def request_of(row: WebhookDelivery, hook: Webhook, sent_at: float) -> tuple[bytes, dict]:
    """The body and headers of one attempt, signed at `sent_at` (Unix seconds)."""
    from datetime import UTC

    from standardwebhooks.webhooks import Webhook as Signer

    body = row.body
    if hook.format == WebhookFormat.SLACK:
        import json

        body = json.dumps({"text": slack_text(json.loads(row.body))}, ensure_ascii=False)
    signature = Signer(hook.secret).sign(
        msg_id=row.message_id, timestamp=datetime.fromtimestamp(sent_at, UTC), data=body
    )
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": row.message_id,
        "webhook-timestamp": str(int(sent_at)),
        "webhook-signature": signature,
    }
    return body.encode(), headers


def _attempt(row: WebhookDelivery, hook: Webhook | None, now: datetime) -> tuple[dict, str]:
    """POST once; return (the columns to write, the DeliveryResult counter)."""
    config = current_app.config
    status, excerpt = None, ""
    if hook is None or not hook.active:
        excerpt = "The webhook is disabled."
    else:
        try:
            target = targets.check(hook.url, allow_local=config["WEBHOOK_ALLOW_LOCAL"])
            body, headers = request_of(row, hook, time.time())
            answer = targets.post(target, body, headers, timeout=config["WEBHOOK_TIMEOUT_SECONDS"])
            status, excerpt = answer.status, answer.excerpt
        except targets.TargetRefused as exc:
            excerpt = f"Refused: {exc}"
        except Exception as exc:  # timeouts, resets, TLS: the receiver's side; retried
            excerpt = f"{type(exc).__name__}: {exc}"
    attempts = row.attempts + 1
    outcome: dict[str, Any] = {
        "attempts": attempts,
        "last_status": status,
        "last_response": excerpt[: targets.EXCERPT] or None,
        "updated_at": now,
    }
    if status is not None and 200 <= status < 300:
        return {**outcome, "status": DeliveryStatus.DELIVERED, "delivered_at": now}, "delivered"
    if now >= row.retry_until or hook is None or not hook.active:
        log.warning("webhook delivery %s is dead after %s attempts", row.id, attempts)
        return {**outcome, "status": DeliveryStatus.DEAD}, "dead"
    due = min(now + timedelta(seconds=backoff_seconds(attempts)), row.retry_until)
    return {**outcome, "status": DeliveryStatus.FAILED, "next_attempt_at": due}, "failed"


def deliver_claimed(rows: list[WebhookDelivery], *, now: datetime | None = None) -> DeliveryResult:
    """Deliver claimed rows one by one: confirm the claim, POST, settle the outcome.

    Outcomes are stamped at the later of the run's `now` and the wall clock, so a retry is
    always scheduled after the run's `now` and one run tries a row at most once.
    """
    result = DeliveryResult(claimed=len(rows))
    lease_seconds = current_app.config["OUTBOX_LEASE_SECONDS"]
    hooks: dict[int, Webhook | None] = {}
    for row in rows:
        stamp = max(now, utcnow()) if now else utcnow()
        token = row.claim_token
        if not leases.confirm(
            db.session,
            WEBHOOK_OUTBOX,
            row_id=row.id,
            token=token,
            lease_seconds=lease_seconds,
            now=stamp,
        ):
            result.lost += 1
            continue
        if row.webhook_id not in hooks:
            hooks[row.webhook_id] = db.session.get(Webhook, row.webhook_id)
        outcome, counter = _attempt(row, hooks[row.webhook_id], stamp)
        db.session.rollback()  # the read above opened a transaction; settle starts clean
        if not leases.settle(
            db.session, WEBHOOK_OUTBOX, row_id=row.id, token=token, values=outcome
        ):
            result.lost += 1
            continue
        setattr(result, counter, getattr(result, counter) + 1)
    return result


def deliver_committed() -> DeliveryResult:
    """Try the deliveries whose transactions committed in this session; never raises."""
    return deliver_ids(db.session.info.pop(COMMITTED, None) or [])


def deliver_ids(ids: list[int]) -> DeliveryResult:
    """Claim and deliver the rows `ids` that are still due; never raises."""
    if not ids:
        return DeliveryResult()
    try:
        return deliver_claimed(claim(ids=ids))
    except Exception:  # the change is committed; the outbox job will retry
        log.exception("delivering webhooks right after commit failed; the job will retry")
        db.session.rollback()
        return DeliveryResult()


def run_webhooks(
    *, now: datetime | None = None, batch_size: int | None = None, max_batches: int = 50
) -> DeliveryResult:
    """The job's part for webhooks: claim due rows in batches (the run's `now`) and deliver
    them. Stops at an empty batch, after `max_batches`, or when WEBHOOK_RUN_SECONDS have gone
    by (the next run continues): a batch of slow receivers (5 s each) must end well inside the
    outbox job's timeout (serverless.yml), so no claimed row waits for its lease to run out."""
    now = now or utcnow()
    config = current_app.config
    batch_size = batch_size or config["WEBHOOK_BATCH_SIZE"]
    stop_at = time.monotonic() + config["WEBHOOK_RUN_SECONDS"]
    total = DeliveryResult()
    for _ in range(max_batches):
        if time.monotonic() >= stop_at:
            break
        rows = claim(limit=batch_size, now=now)
        if not rows:
            break
        total.add(deliver_claimed(rows, now=now))
    return total


def init_app(app: Flask) -> None:
    """Track deliveries across commit and rollback; after a request that committed some, try
    them once the answer has gone out (api/notifications/after_response.py)."""
    from api.notifications.after_response import run_when_sent

    register_session_events()

    @app.after_request
    def _deliver_after_commit(response: Any) -> Any:
        ids = db.session.info.pop(COMMITTED, None)
        if ids and app.config["WEBHOOK_SEND_AFTER_COMMIT"]:
            return run_when_sent(response, deliver_ids, ids)
        return response
