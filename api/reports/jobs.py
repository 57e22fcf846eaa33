"""The weekly summary report job (Monday; `flask jobs reports`, handlers/jobs.py `reports`).

Safe to run twice, or twice at once: the dedupe key `report:<user id>:<ISO year>-W<week>` admits
one email per person and week.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from api.db import utcnow
from api.extensions import db
from api.notifications import delivery
from api.notifications import service as outbox
from api.notifications.backends import Backend, get_backend
from api.notifications.models import EmailKind
from api.permissions import Capability, roles_with
from api.reports.service import summary
from api.users.models import User, UserStatus


def run_weekly(*, now: datetime | None = None, backend: Backend | None = None) -> dict[str, int]:
    """Queue and send this ISO week's report to every active person who holds stats.read
    (managers and admins) and wants it.

    The dedupe key `report:<user id>:<ISO year>-W<week>` makes a rerun in the same week a no-op.
    Returns {"recipients", "queued", "sent", "deferred", "failed", "dead", "lost"}.
    """
    now = now or utcnow()
    report = summary(now=now)
    year, week, _ = now.isocalendar()
    people = list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.status == UserStatus.ACTIVE,
                User.role.in_(roles_with(Capability.STATS_READ)),
                User.notify_reports.is_(True),
            )
            .order_by(User.id)
        )
    )
    rows = []
    for person in people:
        rows.append(
            outbox.build_row(
                kind=EmailKind.SUMMARY_REPORT,
                to=person,
                dedupe_key=f"report:{person.id}:{year}-W{week:02d}",
                context={"report": report},
                now=now,
            )
        )
    queued = outbox.queue_rows(rows)
    db.session.commit()
    db.session.info.pop(outbox.COMMITTED, None)
    app = current_app._get_current_object()
    backend = backend or get_backend(app)
    sent = delivery.send_claimed(
        delivery.claim(keys=[r["dedupe_key"] for r in rows], now=now),
        backend,
        pacer=delivery.Pacer(delivery.send_rate(backend)),
        now=now,
    )
    return {
        "recipients": len(people),
        "queued": queued,
        "sent": sent.sent,
        "deferred": sent.deferred,
        "failed": sent.failed,
        "dead": sent.dead,
        "lost": sent.lost,
    }
