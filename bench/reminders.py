"""The reminders job at scale (issue 4): 10,000 users with 5 open tasks each, MariaDB and moto SES.

`python -m bench` runs it after its own table (skip with `--skip-reminders`); alone:

    url=$(TEST_DB_NAME=taskdesk_bench_reminders ./scripts/ensure-mariadb.sh)
    .venv/bin/python -m bench.reminders --database-url "$url" [--users 10000 --tasks-per-user 5]

The database is dropped, migrated and seeded with Core bulk inserts (lists of dicts, a few
thousand rows per statement), not through the API. The job then runs once, as the hourly Lambda
does, with MAIL_BACKEND=ses against moto's in-process SES (`mock_aws`), and prints total seconds,
SQL statements per 1,000 users (counted by a `before_cursor_execute` listener; COMMIT is not a
statement) and emails per second. moto reports a sandbox send rate of 1 email per second, so the
bench sets MAIL_MAX_SEND_RATE high enough that pacing never waits: the figure is what the job, the
database and the SES client can do, not what an account's quota allows.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.report import Row, render, seconds

DATABASE = "taskdesk_bench_reminders"
SENDER = "no-reply@bench.taskdesk.example"
RUN_AT = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)  # a Monday, just past REMINDER_HOUR in UTC
UNPACED = 1_000_000.0  # emails per second: MAIL_MAX_SEND_RATE that never makes the pacer wait
INSERT_CHUNK = 5_000  # rows per bulk INSERT while seeding


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
    """Bulk-insert `users` active employees in UTC, each with `tasks_per_user` open tasks.

    One task in five is overdue at RUN_AT, the rest fall due over the next weeks. Returns
    {"users", "tasks"}.
    """
    from api.extensions import db
    from api.tasks.models import Priority, Task, TaskStatus
    from api.users.models import Role, User, UserStatus

    created = RUN_AT - timedelta(days=30)
    priorities = list(Priority)
    with app.app_context():
        user_rows = [
            {
                "email": f"person{n:05d}@bench.example.com",
                "username": f"person{n:05d}",
                "password_hash": "!bench-user-without-a-password",
                "role": Role.EMPLOYEE,
                "requested_role": Role.EMPLOYEE,
                "status": UserStatus.ACTIVE,
                "timezone": "UTC",
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
        db.session.commit()
        db.session.remove()
    return {"users": len(ids), "tasks": len(task_rows)}


@dataclass
class Counter:
    """SQL statements sent while attached, split into per-email outcome UPDATEs and the rest."""

    total: int = 0
    outcomes: int = 0

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.total += 1
        if statement.startswith("UPDATE email_outbox") and "claim_token = %(b_token)s" in statement:
            self.outcomes += 1


def measure(
    url: str, *, users: int = 10_000, tasks_per_user: int = 5
) -> tuple[list[Row], list[str]]:
    """Rebuild `url`, seed it, run the reminders job once under moto; the table rows and notes."""
    import boto3
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from api.cli import upgrade_database
    from api.extensions import db
    from api.tasks.jobs import run_reminders
    from bench.seed import recreate_database

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    section = "(4) reminders job"
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
            _say("reminders: running the job (MAIL_BACKEND=ses, moto in-process)")
            with app.app_context():
                counter = Counter()
                sa.event.listen(db.engine, "before_cursor_execute", counter)
                try:
                    started = time.perf_counter()
                    result = run_reminders(now=RUN_AT)
                    total_s = time.perf_counter() - started
                finally:
                    sa.event.remove(db.engine, "before_cursor_execute", counter)
                batch_size = app.config["REMINDER_BATCH_SIZE"]
                db.session.remove()
                db.engine.dispose()
        finally:
            logging.disable(logging.NOTSET)
        delivered = len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)

    per_k = 1000 / max(1, facts["users"])
    sent = result.sending.sent
    rows = [
        Row(
            section,
            f"seed {facts['users']} users, {facts['tasks']} tasks (Core bulk)",
            seconds(seed_s),
        ),
        Row(section, "total, one run", seconds(total_s)),
        Row(section, "SQL statements per 1,000 users", f"{counter.total * per_k:.0f}"),
        Row(
            section,
            "  of which per-email outcome UPDATEs",
            f"{counter.outcomes * per_k:.0f}",
        ),
        Row(
            section,
            "  of which per batch (read, queue, claim)",
            f"{(counter.total - counter.outcomes) * per_k:.1f}",
        ),
        Row(section, "emails per second", f"{sent / total_s:.0f}" if total_s else "n/a"),
        Row(
            section,
            "emails sent / queued / delivered to SES",
            f"{sent} / {result.queued} / {delivered}",
            f"= {facts['users']}",
            sent == result.queued == delivered == facts["users"],
        ),
    ]
    notes = [
        f"reminders: run_reminders(now={RUN_AT.isoformat()}) on {users} users in batches of "
        f"{batch_size} ({result.batches} batches); each email's outcome is one UPDATE and a COMMIT "
        "as SES answers, so a crash duplicates at most one; moto in-process SES, pacing off "
        f"(MAIL_MAX_SEND_RATE={UNPACED:g}).",
    ]
    return rows, notes


def wrap(notes: list[str]) -> list[str]:
    """Notes folded to 100 columns, as the main bench table prints them."""
    return [textwrap.fill(n, 100, subsequent_indent="  ") for n in notes]


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.reminders`: print the reminders table; 0 unless the bench itself fails."""
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("REMINDERS_DATABASE_URL", ""))
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--tasks-per-user", type=int, default=5)
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
