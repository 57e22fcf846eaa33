"""The scheduled jobs, one registry: `flask jobs <name>` (api/cli.py), GET /api/v1/jobs/<name>
(Vercel Cron, api/cron.py) and the Lambda handlers (handlers/jobs.py) all run `JOBS[name]`.

Each job lives in its domain and is safe to run twice, or twice at once (shared/design.md §7):
the daily reminder in api/tasks/jobs.py, the weekly report in api/reports/jobs.py, the outbox
retry in api/notifications/jobs.py, the escalation of unacknowledged incidents in
api/incidents/jobs.py. A job takes `now` (aware UTC; None: the current time) and
an optional `progress` callback, and returns its counts as a dict. Imports are deferred to the
run: a Lambda that serves one job loads only that job's code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any


def reminders(now: datetime | None = None, progress: Any = None) -> dict[str, Any]:
    """Run the reminders job (hourly): the daily reminder for users whose local time has
    reached REMINDER_HOUR; returns its counts."""
    from api.tasks.jobs import run_reminders

    return run_reminders(now=now, progress=progress).as_dict()


def reports(now: datetime | None = None, progress: Any = None) -> dict[str, Any]:
    """Run the weekly summary report job (Monday); returns its counts."""
    from api.reports.jobs import run_weekly

    return run_weekly(now=now)


def outbox(now: datetime | None = None, progress: Any = None) -> dict[str, Any]:
    """Run the outbox job (every 5 minutes): email, then webhook deliveries (api/webhooks);
    returns the email counts and, under "webhooks", the deliveries'."""
    from api.notifications.jobs import run_outbox_job
    from api.webhooks.delivery import run_webhooks

    result = run_outbox_job(now=now, progress=progress)
    result["webhooks"] = run_webhooks(now=now).as_dict()
    return result


def escalate(now: datetime | None = None, progress: Any = None) -> dict[str, Any]:
    """Run the incident escalation job (every 5 minutes): notify the next level (managers, then
    admins) about incidents still unacknowledged after their severity's delay; returns its
    counts."""
    from api.incidents.jobs import run_escalations

    return run_escalations(now=now, progress=progress).as_dict()


JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "reminders": reminders,
    "reports": reports,
    "outbox": outbox,
    "escalate": escalate,
}
