"""Matrix cases for email (issue 4): the admin outbox, the report on request, the cron jobs.

Rules: only admins read the outbox and requeue (a dead or failed row: 200; any other: 409;
missing: 404); managers and admins ask for the report (202); the job
endpoints open for `Authorization: Bearer $CRON_SECRET` only. The runner sends each caller's
user token in that same header, and CRON_SECRET is unset in tests, so every caller gets 401,
unknown job names included (the secret is checked before the name).
"""

from __future__ import annotations

from typing import Any

from api.db import utcnow
from api.extensions import db
from api.notifications.models import EmailKind, OutboxEmail, OutboxStatus
from api.users.models import User
from tests.route_matrix.base import Case, expect


def _email(to: User, status: OutboxStatus, key: str) -> int:
    now = utcnow()
    row = OutboxEmail(
        kind=EmailKind.ACCOUNT_APPROVED,
        dedupe_key=key,
        user_id=to.id,
        recipient=to.email,
        subject="Your taskdesk account is approved",
        body_text="An administrator approved your account.",
        body_html="<p>An administrator approved your account.</p>",
        status=status,
        attempts=5 if status == OutboxStatus.DEAD else 1,
        next_attempt_at=now,
        last_error="SES error: InternalFailure" if status == OutboxStatus.DEAD else None,
        sent_at=now if status == OutboxStatus.SENT else None,
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """A dead email (requeueable) and a sent one (not), both to the employee caller."""
    employee = people["employee"]
    return {
        "dead_email": _email(employee, OutboxStatus.DEAD, f"matrix-dead:{employee.id}"),
        "sent_email": _email(employee, OutboxStatus.SENT, f"matrix-sent:{employee.id}"),
    }


def admin_only(admin: int) -> dict[str, int]:
    """Anonymous and pending callers 401, employees and managers 403, admins `admin`."""
    return expect(401, 401, 403, 403, admin)


NO_CRON_SECRET = expect(401, 401, 401, 401, 401)

CASES: list[Case] = [
    Case(
        "GET", "/api/v1/outbox?status=dead&kind=account_approved", admin_only(200), label="filters"
    ),
    Case("GET", "/api/v1/outbox?status=lost", admin_only(422), label="bad filter"),
    Case("GET", "/api/v1/outbox/{sent_email}", admin_only(200), label="one email"),
    Case("GET", "/api/v1/outbox/999999999", admin_only(404), label="missing email"),
    Case("POST", "/api/v1/outbox/{dead_email}/requeue", admin_only(200), label="dead email"),
    Case("POST", "/api/v1/outbox/{sent_email}/requeue", admin_only(409), label="sent email"),
    Case("POST", "/api/v1/outbox/999999999/requeue", admin_only(404), label="missing email"),
    Case("POST", "/api/v1/reports/email", expect(401, 401, 403, 202, 202), label="to the caller"),
    *(
        Case("GET", f"/api/v1/jobs/{name}", NO_CRON_SECRET, label="user token, no cron secret")
        for name in ("reminders", "reports", "outbox", "escalate", "no-such-job")
    ),
]
