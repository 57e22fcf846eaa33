"""The reminders job at scale, under overlap: 100,000 users due across time zones, MariaDB and
moto SES; two reminders runs at once and the outbox job overlapping them.

`python -m bench` runs it after its own table (skip with `--skip-reminders`); alone:

    url=$(TEST_DB_NAME=taskdesk_bench_reminders ./scripts/ensure-mariadb.sh)
    .venv/bin/python -m bench.reminders --database-url "$url" [--users 100000 --tasks-per-user 2]

The database is dropped, migrated and seeded with Core bulk inserts (lists of dicts, a few
thousand rows per statement), not through the API. Users are spread over ZONES, every one of
which has reached REMINDER_HOUR at RUN_AT, so every user is due. Then, as overlapping schedules and
retried events do, two reminders runs start together (threads, each its own session) while the
outbox job runs again and again beside them until both are done, with MAIL_BACKEND=ses against
moto's in-process SES (`mock_aws`). It prints total seconds, whether every user got exactly one
email (counted per recipient in what SES accepted), how the sends split between the three
workers, SQL statements per 1,000 users (counted by a `before_cursor_execute` listener over all
threads; COMMIT is not a statement) and emails per second. moto reports a sandbox send rate of
1 email per second, so the bench sets MAIL_MAX_SEND_RATE high enough that pacing never waits: the
figure is what the jobs, the database and the SES client can do, not what a quota allows.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import secrets
import sys
import textwrap
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.report import Row, render, seconds

DATABASE = "taskdesk_bench_reminders"
SENDER = "no-reply@bench.taskdesk.example"
RUN_AT = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)  # a Monday, just past REMINDER_HOUR in UTC
# Zones whose local time at RUN_AT is between 10:05 (UTC) and 23:05 (Auckland, UTC+13 in March):
# every user is due. Zones west of UTC have not reached 10:00 yet at RUN_AT.
ZONES = (
    "UTC",
    "Europe/London",
    "Africa/Lagos",
    "Europe/Berlin",
    "Europe/Athens",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Auckland",
)
UNPACED = 1_000_000.0  # emails per second: MAIL_MAX_SEND_RATE that never makes the pacer wait
INSERT_CHUNK = 5_000  # rows per bulk INSERT while seeding
OUTBOX_PAUSE = 0.5  # seconds between two outbox job runs while the reminders runs last


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def reminders_url(bench_url: str) -> str:
    """The reminders database on the same server and account as `bench_url`."""
    return sa.make_url(bench_url).set(database=DATABASE).render_as_string(hide_password=False)


def create_bench_app(url: str) -> Any:
    """A production-configured app on `url` that sends through SES (moto must be active)."""
    from api import create_app

    os.environ["TASKDESK_NO_DOTENV"] = "1"
    return create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_BACKEND": "ses",
            "MAIL_FROM": f"taskdesk <{SENDER}>",
            "SES_ENDPOINT_URL": "",
            "SES_CONFIGURATION_SET": "",
            "AWS_REGION": "us-east-1",
            "MAIL_MAX_SEND_RATE": UNPACED,
        }
    )


def seed(app: Any, *, users: int, tasks_per_user: int) -> dict[str, int]:
    """Bulk-insert `users` active employees across ZONES, each with `tasks_per_user` open tasks.

    Each user's first task is overdue at RUN_AT, the rest fall due over the next weeks. Returns
    {"users", "tasks"}.
    """
    from api.extensions import db
    from api.tasks.models import Priority, Task, TaskAssignee, TaskStatus
    from api.users.models import Role, User, UserStatus

    created = RUN_AT - timedelta(days=30)
    priorities = list(Priority)
    with app.app_context():
        user_rows = [
            {
                "email": f"person{n:06d}@bench.example.com",
                "username": f"person{n:06d}",
                "password_hash": "!bench-user-without-a-password",
                "role": Role.EMPLOYEE,
                "requested_role": Role.EMPLOYEE,
                "status": UserStatus.ACTIVE,
                "timezone": ZONES[n % len(ZONES)],
                "created_at": created,
                "approved_at": created,
            }
            for n in range(users)
        ]
        for start in range(0, len(user_rows), INSERT_CHUNK):
            db.session.execute(sa.insert(User), user_rows[start : start + INSERT_CHUNK])
        ids = list(db.session.scalars(sa.select(User.id).order_by(User.id)))
        task_rows = [
            {
                "title": f"Task {k + 1} of {user_id}",
                "description": "Seeded for the reminders bench.",
                "status": TaskStatus.PENDING if k % 2 else TaskStatus.IN_PROGRESS,
                "priority": priorities[(user_id + k) % len(priorities)],
                "deadline": RUN_AT + timedelta(days=-1 if k == 0 else 3 * k),
                "assignee_id": user_id,
                "created_at": created,
                "updated_at": created,
            }
            for user_id in ids
            for k in range(tasks_per_user)
        ]
        for start in range(0, len(task_rows), INSERT_CHUNK):
            db.session.execute(sa.insert(Task), task_rows[start : start + INSERT_CHUNK])
        # reminders go to every assignee (issue 14): task_assignees, one row per task here
        db.session.execute(
            sa.insert(TaskAssignee).from_select(
                ["task_id", "user_id", "position"],
                sa.select(Task.id, Task.assignee_id, sa.literal(0)).where(
                    Task.assignee_id.is_not(None)
                ),
            )
        )
        db.session.commit()
        db.session.remove()
    return {"users": len(ids), "tasks": len(task_rows)}


@dataclass
class Counter:
    """SQL statements sent while attached (every thread), and how many are per-email UPDATEs
    (the claim confirmed before a send, the outcome after it: both by id and claim token)."""

    total: int = 0
    per_email: int = 0
    by_outbox_job: int = 0  # sent by the outbox job's thread (its polls)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        per_email = (
            statement.startswith("UPDATE email_outbox")
            and "email_outbox.id = " in statement
            and "email_outbox.claim_token = " in statement
        )
        outbox_job = threading.current_thread().name == OUTBOX_THREAD
        with self.lock:
            self.total += 1
            self.per_email += per_email
            self.by_outbox_job += outbox_job


@dataclass
class Overlap:
    """What the overlapping workers did: two reminders runs and the outbox job's runs."""

    reminders: list[Any] = field(default_factory=lambda: [None, None])
    outbox: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


OUTBOX_THREAD = "bench-outbox-job"


def run_overlapping(app: Any) -> Overlap:
    """Two reminders runs started together, and the outbox job run again and again beside them
    (every OUTBOX_PAUSE seconds) until both are done, then once more; each in its own thread."""
    from api.extensions import db
    from api.notifications.delivery import run_outbox
    from api.tasks.jobs import run_reminders

    overlap = Overlap()
    start = threading.Barrier(3)
    finished = threading.Event()

    def worker(body: Any) -> None:
        with app.app_context():
            try:
                start.wait()
                body()
            except BaseException as exc:  # reported in the table's notes, with where it came from
                frames = [
                    f for f in traceback.extract_tb(exc.__traceback__) if "/api/" in f.filename
                ]
                where = ", ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames)
                overlap.errors.append(f"{exc!r} in {where}")
            finally:
                db.session.remove()

    def reminders(index: int) -> None:
        overlap.reminders[index] = run_reminders(now=RUN_AT)

    def outbox() -> None:
        while True:
            last = finished.is_set()
            overlap.outbox.append(run_outbox(now=RUN_AT + timedelta(minutes=5)))
            if last:
                return
            finished.wait(OUTBOX_PAUSE)

    runs = [threading.Thread(target=worker, args=(lambda i=i: reminders(i),)) for i in range(2)]
    job = threading.Thread(target=worker, args=(outbox,), name=OUTBOX_THREAD)
    for thread in [*runs, job]:
        thread.start()
    for thread in runs:
        thread.join()
    finished.set()
    job.join()
    return overlap


def measure(
    url: str, *, users: int = 100_000, tasks_per_user: int = 2
) -> tuple[list[Row], list[str]]:
    """Rebuild `url`, seed it, run the overlapping jobs under moto; the table rows and notes."""
    import boto3
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from api.cli import upgrade_database
    from api.extensions import db
    from api.notifications.models import OutboxEmail, OutboxStatus
    from bench.seed import recreate_database

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    section = "(4) reminders job, overlapping"
    with mock_aws():
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(EmailIdentity=SENDER)
        _say(f"reminders: rebuilding {sa.make_url(url).database} through the migrations")
        recreate_database(url)
        app = create_bench_app(url)
        logging.disable(logging.INFO)  # Alembic's lines, and one console line per email
        try:
            upgrade_database(app)
            _say(f"reminders: bulk-seeding {users} users x {tasks_per_user} open tasks")
            started = time.perf_counter()
            facts = seed(app, users=users, tasks_per_user=tasks_per_user)
            seed_s = time.perf_counter() - started
            _say("reminders: two reminders runs and the outbox job at once (SES, moto)")
            with app.app_context():
                counter = Counter()
                sa.event.listen(db.engine, "before_cursor_execute", counter)
                try:
                    started = time.perf_counter()
                    overlap = run_overlapping(app)
                    total_s = time.perf_counter() - started
                finally:
                    sa.event.remove(db.engine, "before_cursor_execute", counter)
                batch_size = app.config["REMINDER_BATCH_SIZE"]
                chunk = app.config["REMINDER_SEND_CHUNK"]
                statuses = dict(
                    db.session.execute(
                        sa.select(OutboxEmail.status, sa.func.count()).group_by(OutboxEmail.status)
                    ).all()
                )
                db.session.remove()
                db.engine.dispose()
        finally:
            logging.disable(logging.NOTSET)
        messages = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        copies = collections.Counter(m.destinations["ToAddresses"][0] for m in messages)

    per_k = 1000 / max(1, facts["users"])
    by_reminders = [r.sending.sent if r else 0 for r in overlap.reminders]
    by_outbox = sum(r.sent for r in overlap.outbox)
    sent = sum(by_reminders) + by_outbox
    once = (
        not overlap.errors
        and len(copies) == facts["users"]
        and set(copies.values()) == {1}
        and statuses == {OutboxStatus.SENT: facts["users"]}
        and sent == facts["users"]
    )
    rows = [
        Row(
            section,
            f"seed {facts['users']} users in {len(ZONES)} zones, {facts['tasks']} tasks",
            seconds(seed_s),
        ),
        Row(section, "total, 2 reminders runs + outbox job at once", seconds(total_s)),
        Row(
            section,
            "users emailed exactly once (SES copies)",
            f"{sum(1 for n in copies.values() if n == 1)} (max {max(copies.values(), default=0)})",
            f"= {facts['users']}, max 1",
            once,
        ),
        Row(
            section,
            "sent by run 1 / run 2 / outbox job",
            " / ".join(str(r.sending.sent) if r else "failed" for r in [*overlap.reminders])
            + f" / {by_outbox}",
        ),
        Row(section, "SQL statements per 1,000 users", f"{counter.total * per_k:.0f}"),
        Row(section, "  of which per-email UPDATEs", f"{counter.per_email * per_k:.0f}"),
        Row(
            section,
            "  of which the two reminders runs",
            f"{(counter.total - counter.by_outbox_job) * per_k:.1f}",
            "<= 20",
            (counter.total - counter.by_outbox_job) * per_k <= 20,
        ),
        Row(section, "  of which the outbox job's polls", f"{counter.by_outbox_job * per_k:.1f}"),
        Row(
            section,
            "  of which per batch (read, queue, claim)",
            f"{(counter.total - counter.per_email) * per_k:.1f}",
        ),
        Row(section, "emails per second", f"{sent / total_s:.0f}" if total_s else "n/a"),
    ]
    notes = [
        f"reminders: two run_reminders(now={RUN_AT.isoformat()}) on {users} users in batches of "
        f"{batch_size}, with run_outbox every {OUTBOX_PAUSE:g} s beside them "
        f"({len(overlap.outbox)} runs); claims are confirmed before the sends and outcomes "
        "written after them a chunk at a time (REMINDER_SEND_CHUNK="
        f"{chunk}: one compare-and-set UPDATE, then one locking SELECT and one UPDATE), so a "
        "crash duplicates at most the chunk's sent reminders; the statements include the outbox "
        f"job's polls; moto in-process SES, pacing off (MAIL_MAX_SEND_RATE={UNPACED:g}).",
    ]
    if overlap.errors:
        notes += [f"reminders: a worker failed: {error}" for error in overlap.errors]
    return rows, notes


def wrap(notes: list[str]) -> list[str]:
    """Notes folded to 100 columns, as the main bench table prints them."""
    return [textwrap.fill(n, 100, subsequent_indent="  ") for n in notes]


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.reminders`: print the reminders table; 0 unless the bench itself fails."""
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("REMINDERS_DATABASE_URL", ""))
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--tasks-per-user", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("pass --database-url (see the module docstring) or set REMINDERS_DATABASE_URL")
    rows, notes = measure(args.database_url, users=args.users, tasks_per_user=args.tasks_per_user)
    where = args.database_url.rsplit("@", 1)[-1].split("?")[0]
    title = f"taskdesk reminders bench (Python {sys.version.split()[0]}, {where})"
    print(render(title, rows, wrap(notes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
