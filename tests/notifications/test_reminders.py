"""The daily reminder: once per user per local date, whatever the runs do."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from api.extensions import db as _db
from api.notifications.backends import ConsoleBackend
from api.notifications.models import EmailKind, OutboxStatus
from api.tasks import jobs
from api.tasks.models import TaskStatus
from tests.notifications.conftest import outbox_rows

TEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


class Killed(BaseException):
    """The worker process dies (not an error the job could catch)."""


class CountingBackend(ConsoleBackend):
    """Console backend that remembers recipients and can die before its n-th send."""

    def __init__(self, die_before: int | None = None) -> None:
        self.sent: list[str] = []
        self.subjects: list[str] = []
        self.die_before = die_before
        self.rate_reads = 0
        self.lock = threading.Lock()

    def send(self, message):
        with self.lock:
            if self.die_before is not None and len(self.sent) + 1 == self.die_before:
                self.die_before = None
                raise Killed
            self.sent.append(message.recipient)
            self.subjects.append(message.subject)
        return super().send(message)

    def max_send_rate(self):
        self.rate_reads += 1
        return None


def _team(make, n: int, **fields):
    people = []
    for _ in range(n):
        user = make.user(**fields)
        make.task(assignee=user, title=f"Open work of {user.username}")
        people.append(user)
    return people


def test_only_eligible_users_get_one_reminder_even_when_run_twice(app, make):
    eligible = _team(make, 3)
    opted_out = make.user(notify_daily_reminder=False)
    make.task(assignee=opted_out)
    done = make.user()
    make.task(assignee=done, status=TaskStatus.COMPLETED)
    make.user()  # no tasks
    pending = make.user(status="pending")
    make.task(assignee=pending)
    backend = CountingBackend()
    first = jobs.run_reminders(now=TEN, backend=backend)
    second = jobs.run_reminders(now=TEN + timedelta(minutes=5), backend=backend)
    assert sorted(backend.sent) == sorted(u.email for u in eligible)
    assert first.queued == 3 and second.queued == 0 and second.sending.sent == 0
    rows = outbox_rows(kind=EmailKind.DAILY_REMINDER)
    assert {r.dedupe_key for r in rows} == {f"reminder:{u.id}:2026-03-02" for u in eligible}
    assert all(r.status == OutboxStatus.SENT for r in rows)
    assert backend.rate_reads == 2  # the send rate is read once per run


def test_not_before_ten_and_again_the_next_local_day(app, make):
    [user] = _team(make, 1)
    backend = CountingBackend()
    jobs.run_reminders(now=TEN - timedelta(minutes=1), backend=backend)
    assert backend.sent == []
    jobs.run_reminders(now=TEN, backend=backend)
    jobs.run_reminders(now=TEN + timedelta(hours=13), backend=backend)  # 23:00, same day
    jobs.run_reminders(now=TEN + timedelta(days=1), backend=backend)
    assert backend.sent == [user.email, user.email]


def test_overdue_tasks_come_first_then_by_deadline(app, make):
    user = make.user()
    make.task(assignee=user, title="Later", deadline=TEN + timedelta(days=3))
    make.task(assignee=user, title="No deadline")
    make.task(assignee=user, title="Soon", deadline=TEN + timedelta(hours=2))
    make.task(assignee=user, title="Overdue", deadline=TEN - timedelta(days=1))
    jobs.run_reminders(now=TEN, backend=CountingBackend())
    [row] = outbox_rows(kind=EmailKind.DAILY_REMINDER)
    order = [row.body_text.index(t) for t in ("[OVERDUE] Overdue", "Soon", "Later", "No deadline")]
    assert order == sorted(order)
    assert row.subject == "Your open tasks for 2026-03-02 (1 overdue)"
    assert "http://127.0.0.1:5000/profile#notifications" in row.body_text


def test_three_timezones_each_at_their_own_ten(app, make):
    tokyo, berlin, new_york = (
        _team(make, 1, timezone=zone)[0]
        for zone in ("Asia/Tokyo", "Europe/Berlin", "America/New_York")
    )
    backend = CountingBackend()
    first_hour = {}
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    for hour in range(24):
        before = len(backend.sent)
        jobs.run_reminders(now=start + timedelta(hours=hour), backend=backend)
        for email, subject in zip(backend.sent[before:], backend.subjects[before:], strict=True):
            if "2026-03-02" in subject:
                assert email not in first_hour
                first_hour[email] = hour
    # 10:00 local: Tokyo UTC+9, Berlin UTC+1 (winter), New York UTC-5 (before DST on 8 March).
    # New York's first run (19:00 on 1 March, local) sends the reminder for 1 March.
    assert first_hour == {tokyo.email: 1, berlin.email: 9, new_york.email: 15}
    assert backend.sent.count(new_york.email) == 2 and len(backend.sent) == 4


def test_a_run_killed_halfway_then_rerun_misses_nobody_and_duplicates_nothing(
    app, make, lease_clock, monkeypatch
):
    """One email at a time (REMINDER_SEND_CHUNK 1): a crash duplicates nothing."""
    monkeypatch.setitem(app.config, "REMINDER_SEND_CHUNK", 1)
    team = _team(make, 10)
    backend = CountingBackend(die_before=6)
    with pytest.raises(Killed):
        jobs.run_reminders(now=TEN, backend=backend, batch_size=4)
    assert len(backend.sent) == 5
    _db.session.remove()  # the dead worker's session goes with it
    # An immediate retry leaves the dead worker's leased rows alone ...
    jobs.run_reminders(now=TEN + timedelta(minutes=1), backend=backend, batch_size=4)
    assert len(backend.sent) == 5 + 2  # the third batch, never queued before
    # ... and the next hourly run takes them over once the lease has expired.
    lease_clock.past_lease(app)
    jobs.run_reminders(now=TEN + timedelta(hours=1), backend=backend, batch_size=4)
    assert sorted(backend.sent) == sorted(u.email for u in team)
    rows = outbox_rows(kind=EmailKind.DAILY_REMINDER)
    assert len(rows) == 10 and all(r.status == OutboxStatus.SENT for r in rows)
    # The send that died in flight spent an attempt; the claimed rows it never tried did not.
    in_flight = next(r for r in rows if r.recipient == team[5].email)
    assert in_flight.attempts == 2
    assert [r.attempts for r in rows if r is not in_flight] == [1] * 9


def test_a_run_killed_mid_chunk_duplicates_at_most_the_chunks_sent_emails(
    app, make, lease_clock, monkeypatch
):
    """Chunks of 4: the crash leaves one sent but unsettled reminder (user 4), sent again once
    the lease has expired; nobody is missed, nobody gets three."""
    monkeypatch.setitem(app.config, "REMINDER_SEND_CHUNK", 4)
    team = _team(make, 10)
    backend = CountingBackend(die_before=6)
    with pytest.raises(Killed):
        jobs.run_reminders(now=TEN, backend=backend, batch_size=4)
    assert len(backend.sent) == 5
    _db.session.remove()
    jobs.run_reminders(now=TEN + timedelta(minutes=1), backend=backend, batch_size=4)
    lease_clock.past_lease(app)
    jobs.run_reminders(now=TEN + timedelta(hours=1), backend=backend, batch_size=4)
    assert set(backend.sent) == {u.email for u in team}
    copies = Counter(backend.sent)
    assert [email for email, n in copies.items() if n > 1] == [team[4].email]
    assert max(copies.values()) == 2
    rows = outbox_rows(kind=EmailKind.DAILY_REMINDER)
    assert len(rows) == 10 and all(r.status == OutboxStatus.SENT for r in rows)


def test_two_concurrent_runs_send_one_reminder_each(app, make):
    team = _team(make, 30)
    backend = CountingBackend()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait()
                jobs.run_reminders(now=TEN, backend=backend, batch_size=7)
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(backend.sent) == sorted(u.email for u in team)
    assert len(outbox_rows(kind=EmailKind.DAILY_REMINDER)) == 30


def test_statements_per_batch_do_not_grow_with_the_batch(app, make, count_queries):
    small = _team(make, 20)
    with count_queries() as counter:
        result = jobs.run_reminders(now=TEN, backend=CountingBackend(), batch_size=10)
    assert result.batches == 2 and result.sending.sent == 20
    small_count = len(counter.statements)
    big = _team(make, 60)
    with count_queries() as counter:
        result = jobs.run_reminders(
            now=TEN + timedelta(days=1), backend=CountingBackend(), batch_size=40
        )
    assert result.batches == 2 and result.sending.sent == len(small) + len(big)
    # Claims confirmed and outcomes written a chunk at a time (REMINDER_SEND_CHUNK): the sends
    # cost a fixed number of statements per batch too.
    assert len(counter.statements) == small_count


def test_sending_is_paced_to_the_send_rate(app, make, monkeypatch):
    from api.notifications import delivery

    _team(make, 5)
    clock = {"now": 100.0}
    sleeps: list[float] = []
    monkeypatch.setattr(delivery.time, "monotonic", lambda: clock["now"])

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(delivery.time, "sleep", sleep)

    class Limited(CountingBackend):
        def max_send_rate(self):
            return 2.0

    jobs.run_reminders(now=TEN, backend=Limited())
    assert sleeps == [0.5, 0.5, 0.5, 0.5]  # 5 emails at 2 per second
