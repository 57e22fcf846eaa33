"""Outbox reliability: dedupe, rollback, claims, retries with backoff, dead rows and requeue."""

from __future__ import annotations

import itertools
from datetime import timedelta

import time_machine
from botocore.exceptions import ClientError, EndpointConnectionError

from api.db import utcnow
from api.extensions import db
from api.notifications import delivery, service
from api.notifications.backends import ConsoleBackend, SesBackend, TransientSendError
from api.notifications.models import EmailKind, OutboxStatus
from tests.notifications.conftest import outbox_rows


def _queue(key: str, to: str = "ana@example.com") -> bool:
    return service.queue(
        kind=EmailKind.PASSWORD_RESET,
        to=to,
        dedupe_key=key,
        context={"reset_url": "http://x/y", "ttl_minutes": 30},
    )


def test_a_second_copy_cannot_be_queued(app):
    assert _queue("k1") is True
    db.session.commit()
    assert _queue("k1") is False  # the unique dedupe key skips it; the transaction goes on
    assert _queue("k2") is True
    db.session.commit()
    assert [r.dedupe_key for r in outbox_rows()] == ["k1", "k2"]


def test_an_email_whose_transaction_rolled_back_is_never_sent(app, client, make, auth):
    assert _queue("rolled-back") is True
    db.session.rollback()
    assert delivery.send_committed().claimed == 0
    assert delivery.run_outbox(backend=ConsoleBackend()).claimed == 0
    assert outbox_rows() == []
    # Through the API: a registration that fails validation after nothing commits sends nothing.
    make.user(role="admin")
    r = client.post(
        "/api/v1/auth/register",
        json={"email": "x@example.com", "username": "x!", "password": "a fine passphrase"},
    )
    assert r.status_code == 422 and outbox_rows() == []


def test_recipients_with_line_breaks_or_bad_syntax_are_kept_as_skipped(app):
    """Issue 12: an address that cannot be queued leaves a visible `skipped` row, never sent."""
    assert _queue("a", to="ana@example.com\r\nBcc: eve@example.com") is False
    assert _queue("b", to="not-an-address") is False
    assert _queue("c", to="ana@taskdesk.local") is False  # a special-use domain (RFC 6761)
    db.session.commit()
    rows = outbox_rows()
    assert [r.status for r in rows] == [OutboxStatus.SKIPPED] * 3
    assert all(r.last_error.startswith("Not sent: the address was refused") for r in rows)
    assert "\r" not in rows[0].recipient and "\n" not in rows[0].recipient
    assert delivery.send_committed().claimed == 0
    assert delivery.run_outbox(backend=ConsoleBackend()).claimed == 0
    assert {r.status for r in outbox_rows()} == {OutboxStatus.SKIPPED}


def test_a_claimed_row_is_not_claimed_again_until_its_lease_expires(app, lease_clock):
    """The lease runs on the database's clock: a later business `now` does not end it."""
    _queue("one")
    db.session.commit()
    now = utcnow()
    [row] = delivery.claim(limit=10, now=now)
    assert row.status == OutboxStatus.SENDING and row.attempts == 0  # no send tried yet
    first_token = row.claim_token
    assert delivery.claim(limit=10, now=now + timedelta(days=1)) == []
    lease_clock.advance(app.config["OUTBOX_LEASE_SECONDS"] - 5)
    assert delivery.claim(limit=10, now=now) == []
    lease_clock.advance(10)
    [again] = delivery.claim(limit=10, now=now)
    assert again.id == row.id and again.attempts == 0 and again.claim_token != first_token


class Failing(ConsoleBackend):
    def send(self, message):
        raise TransientSendError("SES error: InternalFailure")


def test_failures_back_off_then_die_and_an_admin_can_requeue(app, client, auth, mail):
    mail(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_BACKOFF_BASE_SECONDS=30, OUTBOX_BACKOFF_CAP_SECONDS=3600)
    _queue("doomed")
    db.session.commit()
    now = utcnow()
    for attempt in (1, 2, 3):
        result = delivery.run_outbox(now=now, backend=Failing())
        assert result.claimed == 1
        [row] = outbox_rows()
        assert row.attempts == attempt and row.last_error == "SES error: InternalFailure"
        if attempt < 3:
            assert row.status == OutboxStatus.FAILED
            delay = (row.next_attempt_at - now).total_seconds()
            assert 0 <= delay <= 30 * 2**attempt  # full jitter under base * 2**attempts
            assert delivery.run_outbox(now=now, backend=Failing()).claimed == 0  # not due yet
            now = row.next_attempt_at
    assert row.status == OutboxStatus.DEAD
    assert delivery.run_outbox(now=now + timedelta(days=1), backend=Failing()).claimed == 0
    _admin, headers = auth.as_role("admin")
    r = client.get("/api/v1/outbox?status=dead", headers=headers)
    assert [i["id"] for i in r.json["items"]] == [row.id] and r.json["items"][0]["attempts"] == 3
    r = client.post(f"/api/v1/outbox/{row.id}/requeue", headers=headers)
    assert r.status_code == 200
    [row] = outbox_rows()
    assert row.status == OutboxStatus.SENT and row.attempts == 1  # sent right after the requeue
    r = client.post(f"/api/v1/outbox/{row.id}/requeue", headers=headers)
    assert r.status_code == 409
    assert client.post("/api/v1/outbox/999999/requeue", headers=headers).status_code == 404


class ScriptedJitter:
    """Stands in for the backoff's random source: `first`, then `then` of the ceiling."""

    def __init__(self, first: float, then: float) -> None:
        self.fractions = itertools.chain([first], itertools.repeat(then))

    def uniform(self, low: float, high: float) -> float:
        return low + next(self.fractions) * (high - low)


def test_one_run_tries_a_row_at_most_once_whatever_the_jitter(app, mail, monkeypatch):
    """A run whose `now` is ahead of the clock must not claim the row it has just failed.

    A long first delay puts the second run's `now` well ahead of the wall clock; a short second
    delay then lands the retry before that `now`. Scheduling the retry from the wall clock alone
    made the same run claim the row a second time (and spend two attempts).
    """
    mail(OUTBOX_MAX_ATTEMPTS=5, OUTBOX_BACKOFF_BASE_SECONDS=30, OUTBOX_BACKOFF_CAP_SECONDS=3600)
    monkeypatch.setattr(delivery, "_jitter", ScriptedJitter(0.99, then=0.01))
    _queue("jittery")
    db.session.commit()
    now = utcnow()
    assert delivery.run_outbox(now=now, backend=Failing()).claimed == 1
    [row] = outbox_rows()
    now = row.next_attempt_at  # about 59 s after the first attempt
    assert delivery.run_outbox(now=now, backend=Failing()).claimed == 1
    [row] = outbox_rows()
    assert row.attempts == 2 and row.status == OutboxStatus.FAILED
    assert row.next_attempt_at > now  # the retry is scheduled after the run's `now`


def _ses_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "SendEmail")


def test_throttling_defers_without_spending_attempts_and_rejection_is_dead(app, ses, monkeypatch):
    _queue("throttled")
    _queue("rejected", to="bob@example.com")
    db.session.commit()
    backend = SesBackend(app, interactive=False)
    real = backend.client().send_email

    def send_email(**params):
        to = params["Destination"]["ToAddresses"][0]
        raise _ses_error("Throttling" if to == "ana@example.com" else "MessageRejected")

    monkeypatch.setattr(backend.client(), "send_email", send_email)
    result = delivery.run_outbox(backend=backend)
    assert (result.deferred, result.dead) == (1, 1)
    throttled, rejected = outbox_rows()
    assert throttled.status == OutboxStatus.PENDING and throttled.attempts == 0
    assert rejected.status == OutboxStatus.DEAD and "MessageRejected" in rejected.last_error
    monkeypatch.setattr(backend.client(), "send_email", real)
    delivery.run_outbox(now=utcnow() + timedelta(minutes=2), backend=backend)
    assert outbox_rows()[0].status == OutboxStatus.SENT
    assert ses.subjects("ana@example.com") == ["Reset your taskdesk password"]


def test_500_emails_survive_a_ten_minute_ses_outage(app, ses, mail, monkeypatch):
    """Throttling and connection errors for 10 simulated minutes; then every email, once."""
    mail(MAIL_MAX_SEND_RATE=100_000)
    recipients = [f"person{n}@example.com" for n in range(500)]
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False) as clock:
        start = utcnow()
        rows = [
            service.build_row(
                kind=EmailKind.PASSWORD_RESET,
                to=address,
                dedupe_key=f"bulk:{address}",
                context={"reset_url": "http://x/y", "ttl_minutes": 30},
            )
            for address in recipients
        ]
        assert service.queue_rows(rows) == 500
        db.session.commit()
        backend = SesBackend(app, interactive=False)
        real = backend.client().send_email
        failures = itertools.cycle(
            [_ses_error("Throttling"), EndpointConnectionError(endpoint_url="https://email")]
        )
        calls = {"failed": 0}

        def flaky(**params):
            if utcnow() < start + timedelta(minutes=10):
                calls["failed"] += 1
                raise next(failures)
            return real(**params)

        monkeypatch.setattr(backend.client(), "send_email", flaky)
        for _minute in range(60):  # the outbox job, every simulated minute for an hour
            delivery.run_outbox(backend=backend)
            clock.shift(timedelta(minutes=1))
    assert calls["failed"] > 0
    rows = outbox_rows()
    assert len(rows) == 500 and {r.status for r in rows} == {OutboxStatus.SENT}
    assert all(r.attempts == 1 for r in rows)  # outage errors did not spend attempts
    delivered = [m.destinations["ToAddresses"][0] for m in ses.messages]
    assert sorted(delivered) == sorted(recipients)  # all 500, each exactly once


def test_a_sent_password_reset_keeps_its_record_but_not_its_link(app, client, make, ses):
    """The reset link is a credential: once SES has the message, the outbox forgets the body."""
    user = make.user()
    response = client.post("/api/v1/auth/password-reset", json={"email": user.email})
    assert response.status_code == 202
    response.close()  # delivery runs once the response is sent
    [message] = ses.to(user.email)
    assert "token=" in message.body  # SES got the link ...
    [row] = outbox_rows(kind=EmailKind.PASSWORD_RESET)
    assert row.status == OutboxStatus.SENT and row.sent_at is not None
    assert (row.recipient, row.subject) == (user.email, "Reset your taskdesk password")
    assert row.body_text == row.body_html == delivery.CLEARED_BODY  # ... the outbox keeps none
    assert row.provider_message_id == message.id


def test_a_reset_link_stays_until_it_is_sent_and_other_bodies_stay(app, mail):
    """A failed attempt keeps the body for the retry; kinds without a credential keep theirs."""
    _queue("reset-later")
    service.queue(
        kind=EmailKind.ACCOUNT_APPROVED,
        to="bob@example.com",
        dedupe_key="approved-bob",
        context={"role": "employee"},
    )
    db.session.commit()
    now = utcnow()
    delivery.run_outbox(now=now, backend=Failing())
    reset, approved = outbox_rows()
    assert reset.status == OutboxStatus.FAILED and "http://x/y" in reset.body_text
    delivery.run_outbox(now=now + timedelta(hours=2), backend=ConsoleBackend())
    reset, approved = outbox_rows()
    assert reset.status == approved.status == OutboxStatus.SENT
    assert reset.body_text == reset.body_html == delivery.CLEARED_BODY
    assert "http://x/y" not in reset.body_html
    assert approved.body_text != delivery.CLEARED_BODY and "employee" in approved.body_text
