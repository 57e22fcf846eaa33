"""The outbox under overlap: leases on the database's clock, ownership checked before each send.

Each scenario reproduces one way two workers can hold the same email (a reminders run that
outlasts its lease while the outbox job fires, a reminders run whose `now` is minutes old, two
outbox runs on one backlog, a send whose answer is lost) and counts the copies delivered.
Simulated time: pacing sleeps advance a simulated clock and the lease clock together, and the
overlapping job runs in another thread (its own session) at a chosen simulated second.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
import yaml

from api.config import ProductionConfig
from api.extensions import db
from api.notifications import delivery, service
from api.notifications.backends import CLIENT_TIMEOUTS, SesBackend
from api.notifications.models import EmailKind, OutboxStatus
from api.tasks import jobs
from tests.notifications.conftest import outbox_rows
from tests.notifications.test_reminders import TEN, CountingBackend, _team

ROOT = Path(__file__).resolve().parents[2]


class Paced(CountingBackend):
    """A backend paced to `rate` emails per second (the run's pacer sleeps between sends)."""

    def __init__(self, sent: list[str], rate: float) -> None:
        super().__init__()
        self.sent = sent
        self.rate = rate

    def max_send_rate(self) -> float:
        return self.rate


class Unpaced(CountingBackend):
    """A backend sharing `sent` with the others, so copies are counted across workers."""

    def __init__(self, sent: list[str]) -> None:
        super().__init__()
        self.sent = sent


class SimulatedTime:
    """Pacing sleeps of the main thread advance a simulated clock and the lease clock.

    `at(seconds, job)` runs `job` in another worker once the simulated clock reaches `seconds`
    (from inside the sleep, between two sends); `results` keeps what each job returned.
    """

    def __init__(self, app: Any, monkeypatch: Any, lease_clock: Any) -> None:
        self.app = app
        self.lease_clock = lease_clock
        self.seconds = 0.0
        self.events: list[tuple[float, Any]] = []
        self.results: list[Any] = []
        self.main = threading.current_thread()
        monkeypatch.setattr(delivery.time, "monotonic", lambda: self.seconds)
        monkeypatch.setattr(delivery.time, "sleep", self.sleep)

    def at(self, seconds: float, job: Any) -> None:
        self.events.append((seconds, job))
        self.events.sort(key=lambda event: event[0])

    def sleep(self, seconds: float) -> None:
        assert threading.current_thread() is self.main, "only the paced run sleeps"
        self.seconds += seconds
        self.lease_clock.advance(seconds)
        while self.events and self.events[0][0] <= self.seconds:
            _, job = self.events.pop(0)
            self.results.append(in_another_worker(self.app, job))


def in_another_worker(app: Any, job: Any) -> Any:
    """Run `job()` in a thread with its own app context and session; return its result."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        with app.app_context():
            try:
                outcome["result"] = job()
            except BaseException as exc:  # surfaced in the caller's thread
                outcome["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the overlapping job did not finish"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _queued_rows(count: int) -> list[int]:
    """Queue `count` approval emails due at TEN; their ids."""
    rows = [
        service.build_row(
            kind=EmailKind.ACCOUNT_APPROVED,
            to=f"person{n}@example.com",
            dedupe_key=f"approved:{n}",
            context={"role": "employee"},
            now=TEN,
        )
        for n in range(count)
    ]
    service.queue_rows(rows)
    db.session.commit()
    return [r.id for r in outbox_rows()]


def _copies(sent: list[str], expected: list[str]) -> Counter[str]:
    copies = Counter(sent)
    assert set(copies) == set(expected), "everyone gets the email, and nobody else"
    return copies


@pytest.mark.parametrize("chunk", [1, 1000], ids=["confirm-each", "confirm-in-chunks"])
@pytest.mark.parametrize("seconds_per_email", [20, 40], ids=["run-of-600s", "run-past-lease"])
def test_a_long_reminders_run_while_the_outbox_job_fires_sends_each_once(
    app, make, monkeypatch, lease_clock, seconds_per_email, chunk
):
    """30 reminders paced over 600 s (the function's timeout) or 1,200 s (past the 900 s lease,
    as a `flask jobs reminders` without a timeout may run), the outbox job every 5 minutes.

    Within the lease the outbox job finds nothing to take; past it, it takes the rows the run
    has not reached, and the run, confirming its claim before each send, skips them. Confirming
    in chunks (REMINDER_SEND_CHUNK) renews the next chunk's lease before it runs out (a chunk is
    cut to half the lease at the paced rate), so nothing is left for the outbox job to take.
    """
    monkeypatch.setitem(app.config, "REMINDER_SEND_CHUNK", chunk)
    team = _team(make, 30)
    sent: list[str] = []
    clock = SimulatedTime(app, monkeypatch, lease_clock)
    for minute in range(5, 25, 5):  # EventBridge fires a couple of seconds after the minute
        moment = TEN + timedelta(minutes=minute, seconds=2)
        clock.at(
            minute * 60 + 2, lambda m=moment: delivery.run_outbox(now=m, backend=Unpaced(sent))
        )
    run = jobs.run_reminders(now=TEN, backend=Paced(sent, rate=1 / seconds_per_email))
    copies = _copies(sent, [u.email for u in team])
    assert max(copies.values()) == 1  # nobody got two
    taken = sum(r.sent for r in clock.results)
    assert run.sending.sent + taken == 30 and run.sending.lost == taken
    if seconds_per_email == 20 or chunk > 1:
        assert taken == 0 and all(r.claimed == 0 for r in clock.results)
    else:
        assert taken > 0
    rows = outbox_rows(kind=EmailKind.DAILY_REMINDER)
    assert all(r.status == OutboxStatus.SENT and r.attempts == 1 for r in rows)


def test_a_reminders_run_with_a_stale_now_keeps_its_lease(app, make, lease_clock):
    """The run's `now` is 6 minutes old (a late or retried event); the outbox job fires 3 s in.

    The lease is on the database's clock, so the run's rows stay its own whatever its `now`.
    """
    team = _team(make, 30)
    sent: list[str] = []
    results: list[delivery.SendResult] = []

    class FiresTheOutboxJob(Unpaced):
        def send(self, message):
            if len(self.sent) == 3:
                results.append(in_another_worker(app, lambda: delivery.run_outbox(backend=outbox)))
            return super().send(message)

    outbox = Unpaced(sent)
    with time_machine.travel(TEN + timedelta(minutes=6, seconds=3), tick=False):
        run = jobs.run_reminders(now=TEN, backend=FiresTheOutboxJob(sent))
    copies = _copies(sent, [u.email for u in team])
    assert max(copies.values()) == 1
    [overlap] = results
    assert overlap.claimed == 0 and run.sending.sent == 30 and run.sending.lost == 0


def test_two_outbox_runs_five_minutes_apart_drain_a_backlog_once(
    app, mail, monkeypatch, lease_clock
):
    """150 queued emails, sent at one every 4 s by a run that two later runs overlap."""
    mail(OUTBOX_BATCH_SIZE=100)
    recipients = [f"person{n}@example.com" for n in range(150)]
    rows = [
        service.build_row(
            kind=EmailKind.ACCOUNT_APPROVED,
            to=address,
            dedupe_key=f"approved:{address}",
            context={"role": "employee"},
            now=TEN,
        )
        for address in recipients
    ]
    assert service.queue_rows(rows) == 150
    db.session.commit()
    sent: list[str] = []
    clock = SimulatedTime(app, monkeypatch, lease_clock)
    for minutes in (5, 10):
        moment = TEN + timedelta(minutes=minutes, seconds=2)
        clock.at(
            minutes * 60 + 2, lambda m=moment: delivery.run_outbox(now=m, backend=Unpaced(sent))
        )
    first = delivery.run_outbox(now=TEN, backend=Paced(sent, rate=0.25))
    copies = _copies(sent, recipients)
    assert max(copies.values()) == 1
    [second] = clock.results  # the run takes 100 * 4 s: the third one never fires
    assert (first.sent, second.sent) == (100, 50)  # the second takes the unclaimed batch only
    assert first.lost == second.lost == 0
    assert sorted(first.sent_ids + second.sent_ids) == sorted(r.id for r in outbox_rows())
    assert {r.status for r in outbox_rows()} == {OutboxStatus.SENT}


def test_a_lost_answer_costs_one_extra_copy_at_most(app, mail, ses_server, answer_losing_proxy):
    """SES accepts each message but the answer of 4 sends is lost (connection reset).

    One HTTP attempt per send: every lost answer is one failed attempt, retried by the outbox
    with backoff, so each email is delivered once plus once per lost answer, never more.
    """
    proxy = answer_losing_proxy(lose=4)
    mail(SES_ENDPOINT_URL=proxy.url, MAIL_MAX_SEND_RATE=1000, OUTBOX_BACKOFF_BASE_SECONDS=0)
    recipients = ["ana@example.com", "bob@example.com", "cy@example.com"]
    rows = [
        service.build_row(
            kind=EmailKind.ACCOUNT_APPROVED,
            to=address,
            dedupe_key=f"approved:{address}",
            context={"role": "employee"},
        )
        for address in recipients
    ]
    service.queue_rows(rows)
    db.session.commit()
    runs = []
    for _ in range(4):  # the outbox job, until everything is sent
        runs.append(delivery.run_outbox())
        if {r.status for r in outbox_rows()} == {OutboxStatus.SENT}:
            break
    assert {r.status for r in outbox_rows()} == {OutboxStatus.SENT}
    delivered = Counter(m["destinations"]["ToAddresses"][0] for m in ses_server.messages)
    assert sum(proxy.lost_for.values()) == 4
    for address in recipients:
        assert delivered[address] == 1 + proxy.lost_for.get(address, 0)
    for row in outbox_rows():
        assert row.attempts == delivered[row.recipient]  # one attempt per copy
    assert sum(r.sent for r in runs) == 3 and sum(r.failed for r in runs) == 4


def test_ses_clients_make_one_attempt_per_call(app, ses):
    for interactive in (True, False):
        config = SesBackend(app, interactive=interactive).client().meta.config
        assert config.retries["total_max_attempts"] == 1
        assert (config.connect_timeout, config.read_timeout) == CLIENT_TIMEOUTS[interactive]


def test_the_lease_outlasts_every_run_that_can_hold_it():
    """OUTBOX_LEASE_SECONDS is above every function's timeout, and above one SES send."""
    functions = yaml.safe_load((ROOT / "serverless.yml").read_text())
    provider_timeout = functions["provider"]["timeout"]
    timeouts = [f.get("timeout", provider_timeout) for f in functions["functions"].values()]
    vercel = yaml.safe_load((ROOT / "vercel.json").read_text())
    timeouts += [
        f["maxDuration"]
        for build in vercel["builds"]
        for f in build.get("config", {}).get("functions", {}).values()
    ]
    assert 30 in timeouts  # Vercel's api/index.py was read
    assert max(timeouts) >= 600  # the reminders function
    assert max(timeouts) < ProductionConfig.OUTBOX_LEASE_SECONDS
    assert sum(CLIENT_TIMEOUTS[False]) < ProductionConfig.OUTBOX_LEASE_SECONDS


def test_a_lease_too_short_is_refused_at_start():
    from api import create_app
    from api.config import ConfigError

    with pytest.raises(ConfigError, match="OUTBOX_LEASE_SECONDS"):
        create_app({"ENV_NAME": "testing", "OUTBOX_LEASE_SECONDS": 30})


def test_the_claim_rules_serve_any_outbox_table(app, lease_clock):
    """A second outbox (a table of webhook deliveries, say) uses the same claim / confirm / settle."""
    from api import leases
    from api.db import UTCDateTime, utcnow

    metadata = sa.MetaData()
    table = sa.Table(
        "lease_test_deliveries",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime()),
        sa.Column("claim_token", sa.String(32)),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    deliveries = leases.Outbox(table=table, claimable=("queued", "retrying"), sending="delivering")
    lease = 60
    now = utcnow()
    metadata.create_all(db.engine)
    try:
        db.session.execute(
            sa.insert(table),
            [
                {"status": "queued", "attempts": 0, "next_attempt_at": now, "updated_at": now},
                {"status": "queued", "attempts": 0, "next_attempt_at": now, "updated_at": now},
                {"status": "done", "attempts": 1, "next_attempt_at": now, "updated_at": now},
            ],
        )
        db.session.commit()
        first = leases.claim(db.session, deliveries, now=now, lease_seconds=lease, limit=1)
        second = leases.claim(db.session, deliveries, now=now, lease_seconds=lease)
        assert first and second and first != second
        assert leases.claim(db.session, deliveries, now=now, lease_seconds=lease) is None
        one, two = (
            db.session.execute(sa.select(table.c.id).order_by(table.c.id)).scalars().all()[:2]
        )
        assert leases.confirm(
            db.session, deliveries, row_id=one, token=first, lease_seconds=lease, now=now
        )
        lease_clock.advance(lease + 1)  # both holders stall past their leases ...
        third = leases.claim(db.session, deliveries, now=now, lease_seconds=lease)
        assert third is not None  # ... and another worker takes both rows over
        assert not leases.confirm(
            db.session, deliveries, row_id=two, token=second, lease_seconds=lease, now=now
        )
        assert leases.confirm(
            db.session, deliveries, row_id=two, token=third, lease_seconds=lease, now=now
        )
        done = {"status": "done", "updated_at": now}
        assert not leases.settle(db.session, deliveries, row_id=two, token=second, values=done)
        assert leases.settle(db.session, deliveries, row_id=two, token=third, values=done)
        rows = db.session.execute(sa.select(table).order_by(table.c.id)).all()
        assert [(r.status, r.attempts, r.claim_token) for r in rows] == [
            ("delivering", 1, third),
            ("done", 1, None),
            ("done", 1, None),
        ]
    finally:
        db.session.rollback()
        metadata.drop_all(db.engine)


def test_a_lock_conflict_restarts_the_confirmation(app, database_url, caplog):
    """InnoDB gives up on a lock wait (error 1205); the compare-and-set is restarted, not lost.

    Another connection holds the row's lock past this session's 1 s lock wait timeout, then
    lets go: the first try fails, the restart succeeds.
    """
    if not database_url.startswith("mysql"):
        pytest.skip("lock wait timeouts are InnoDB's")
    from api import leases

    [row] = _queued_rows(1)
    token = leases.claim(db.session, delivery.EMAIL_OUTBOX, now=TEN, lease_seconds=60)
    blocker = db.engine.connect()
    blocker.begin()
    blocker.execute(sa.text("SELECT id FROM email_outbox WHERE id = :id FOR UPDATE"), {"id": row})
    release = threading.Timer(2.0, blocker.rollback)
    try:
        db.session.execute(sa.text("SET SESSION innodb_lock_wait_timeout = 1"))
        release.start()
        with caplog.at_level("INFO", logger="api.leases"):
            held = leases.confirm(
                db.session,
                delivery.EMAIL_OUTBOX,
                row_id=row,
                token=token,
                lease_seconds=60,
                now=TEN,
            )
    finally:
        release.join()
        blocker.close()
        db.session.remove()
        db.engine.dispose()  # no pooled connection keeps the 1 s timeout
    assert held is True
    assert "lock conflict (1205)" in caplog.text
    [stored] = outbox_rows()
    assert stored.attempts == 1 and stored.claim_token == token
