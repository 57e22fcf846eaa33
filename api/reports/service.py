"""The summary report: tasks by status, overdue by assignee, incidents opened and resolved,
MTTA and MTTR, for managers and admins (weekly on Monday, and on request).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from api.db import utcnow
from api.extensions import db
from api.incidents import queries as incidents
from api.incidents.models import Incident
from api.notifications import service as outbox
from api.notifications.models import EmailKind
from api.permissions import Capability, require
from api.tasks import queries as tasks
from api.users.models import User

PERIOD = timedelta(days=7)


def _duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def summary(*, now: datetime | None = None, period: timedelta = PERIOD) -> dict[str, Any]:
    """The report for [now - period, now): a dict the summary_report templates render.

    MTTA is the median of reported → first acknowledged over incidents acknowledged in the
    period; MTTR the median of reported → resolved over incidents resolved in the period
    (seconds, None when there are none). Task figures are as of `now`.
    """
    now = now or utcnow()
    since = now - period
    task_stats = tasks.stats(now=now)
    in_period = [
        sa.and_(column >= since, column < now)
        for column in (Incident.reported_at, Incident.resolved_at)
    ]
    opened, resolved = db.session.execute(
        sa.select(*(sa.func.sum(sa.case((cond, 1), else_=0)) for cond in in_period))
    ).one()
    times = incidents.response_times(since=since, now=now)
    mtta, mttr = (
        None if times[key]["median_seconds"] is None else round(times[key]["median_seconds"], 1)
        for key in ("mtta", "mttr")
    )
    return {
        "period_start": since.strftime("%Y-%m-%d"),
        "period_end": now.strftime("%Y-%m-%d"),
        "tasks": {
            "by_status": task_stats["by_status"],
            "overdue": task_stats["overdue"],
            "overdue_by_assignee": [
                row for row in task_stats["per_assignee"] if row["overdue"] > 0
            ],
        },
        "incidents": {
            "opened": int(opened or 0),
            "resolved": int(resolved or 0),
            "mtta_seconds": mtta,
            "mttr_seconds": mttr,
            "mtta_display": _duration_text(mtta),
            "mttr_display": _duration_text(mttr),
        },
    }


def email_now(*, actor: User, now: datetime | None = None) -> dict[str, Any]:
    """Queue the summary report to `actor` (stats.read) now; it is sent right after the
    request commits. Raises Forbidden.

    The route's rate limit (RATELIMIT_REPORT_EMAIL per user, api/limits.py) bounds how often.
    """
    require(actor, Capability.STATS_READ)
    now = now or utcnow()
    key = f"report-request:{actor.id}:{now.strftime('%Y%m%dT%H%M%S')}:{secrets.token_hex(4)}"
    report = summary(now=now)
    outbox.queue(
        kind=EmailKind.SUMMARY_REPORT, to=actor, dedupe_key=key, context={"report": report}
    )
    db.session.commit()
    return {"message": "The summary report is on its way.", "recipient": actor.email}
