"""Escalation of unacknowledged incidents (every 5 minutes; api/jobs.py `escalate`).

An incident that is still `reported` (nobody acknowledged it: `acknowledged_at` is empty) reaches
escalation level n once `n * delay` seconds have passed since it was reported, where the delay is
its severity's ESCALATE_AFTER_<SEVERITY> (api/config.py: critical 5 minutes, high 15, medium 60,
low 0 = never). Level n notifies the people of LEVELS[n - 1] (managers, then admins); a run takes
each incident at most one level further, so levels are reached in order.

Exactly once, however the runs overlap: each level is one row of `incident_escalations`, unique
per (incident, level), written in the same transaction as its timeline entry and its emails, with
the incident's row locked (`FOR UPDATE` on MySQL / MariaDB) so that a concurrent run, or a
concurrent acknowledgement, waits for it. The run that loses the race finds the level taken (or
its insert refused by the unique key) and writes nothing; the emails' dedupe keys
`incident-escalation:<incident id>:<level>:<user id>` are a second guard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from api.activity import service as activity
from api.db import unit_of_work, utcnow
from api.extensions import db
from api.incidents import emails
from api.incidents.models import Incident, IncidentEscalation, IncidentStatus, Severity
from api.notifications import delivery
from api.notifications import service as outbox
from api.notifications.backends import Backend, get_backend
from api.notifications.models import OutboxEmail
from api.permissions import Capability, can
from api.users.models import User, UserStatus
from api.webhooks import events as webhooks
from api.webhooks.models import EventType

log = logging.getLogger(__name__)

# Who each escalation level notifies, in order: level 1 the managers, level 2 the admins.
LEVELS: tuple[str, ...] = ("manager", "admin")
BATCH = 200  # incidents read per statement


def delays(config: Any = None) -> dict[Severity, int]:
    """The escalation delay of each severity that escalates, in seconds (0 is left out)."""
    config = config or current_app.config
    found = {s: int(config[f"ESCALATE_AFTER_{s.value.upper()}"]) for s in Severity}
    return {severity: seconds for severity, seconds in found.items() if seconds > 0}


def _unacknowledged(now: datetime, waits: dict[Severity, int]) -> sa.ColumnElement[bool]:
    """Still reported, and past the first level's delay of its severity."""
    return sa.and_(
        Incident.status == IncidentStatus.REPORTED,
        Incident.acknowledged_at.is_(None),
        sa.or_(
            *(
                sa.and_(
                    Incident.severity == severity,
                    Incident.reported_at <= now - timedelta(seconds=seconds),
                )
                for severity, seconds in waits.items()
            )
        ),
    )


def due_escalations(
    *, now: datetime, after_id: int = 0, limit: int = BATCH
) -> list[tuple[int, int]]:
    """[(incident id, next level)] of the unacknowledged incidents past their severity's first
    delay at `now` (aware UTC), in id order after `after_id`, at most `limit`; the level is 0
    when the next one is not due yet (or every level was reached). Two statements."""
    waits = delays()
    if not waits:
        return []
    rows = db.session.execute(
        sa.select(Incident.id, Incident.severity, Incident.reported_at)
        .where(Incident.id > after_id, _unacknowledged(now, waits))
        .order_by(Incident.id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    reached = dict(
        db.session.execute(
            sa.select(IncidentEscalation.incident_id, sa.func.max(IncidentEscalation.level))
            .where(IncidentEscalation.incident_id.in_([r.id for r in rows]))
            .group_by(IncidentEscalation.incident_id)
        ).all()
    )
    found = []
    for row in rows:
        level = reached.get(row.id, 0) + 1
        wait = timedelta(seconds=waits[Severity(row.severity)] * level)
        found.append(
            (row.id, level if level <= len(LEVELS) and row.reported_at + wait <= now else 0)
        )
    return found


def escalation_audience(incident: Incident, level: int) -> list[User]:
    """The people escalation `level` (1-based) of `incident` notifies: the active holders of
    LEVELS[level - 1]'s role who may acknowledge the incident (incident.set_status), by id."""
    people = db.session.scalars(
        sa.select(User)
        .where(User.status == UserStatus.ACTIVE, User.role == LEVELS[level - 1])
        .order_by(User.id)
    )
    return [p for p in people if can(p, Capability.INCIDENT_SET_STATUS, incident)]


def record_escalation(incident: Incident, *, level: int, now: datetime) -> IncidentEscalation:
    """Record that `incident` reached escalation `level` at `now`, in the caller's transaction:
    the `incident_escalations` row (flushed: raises IntegrityError when another run recorded
    this level first), the "escalated" timeline entry, and one email per person notified.

    The one place an escalation happens: whatever else must follow one belongs here.
    """
    people = escalation_audience(incident, level)
    row = IncidentEscalation(
        incident_id=incident.id, level=level, escalated_at=now, notified=len(people)
    )
    db.session.add(row)
    db.session.flush()
    activity.record_change(
        incident,
        "escalated",
        {"escalation_level": [level - 1, level], "notified": [None, f"{LEVELS[level - 1]}s"]},
        None,
    )
    waited = int((now - incident.reported_at).total_seconds())
    emails.incident_escalated(
        incident,
        level=level,
        audience=f"{LEVELS[level - 1]}s",
        waited_seconds=waited,
        people=people,
    )
    webhooks.emit(
        EventType.INCIDENT_ESCALATED,
        webhooks.incident_data(
            incident,
            None,
            escalation={"level": level, "notified": f"{LEVELS[level - 1]}s", "waited": waited},
        ),
    )
    return row


def escalate(incident_id: int, level: int, *, now: datetime) -> bool:
    """Take incident `incident_id` to escalation `level` in one transaction, unless it was
    acknowledged meanwhile or another run took it there first. True when this call did."""
    try:
        with unit_of_work():
            incident = db.session.scalar(
                sa.select(Incident).where(Incident.id == incident_id).with_for_update()
            )
            if (
                incident is None
                or incident.status != IncidentStatus.REPORTED
                or incident.acknowledged_at is not None
            ):
                return False
            taken = db.session.scalar(
                sa.select(IncidentEscalation.id).where(
                    IncidentEscalation.incident_id == incident_id,
                    IncidentEscalation.level >= level,
                )
            )
            if taken is not None:
                return False
            record_escalation(incident, level=level, now=now)
    except IntegrityError:
        log.info("incident %s level %s was escalated by another run", incident_id, level)
        return False
    return True


@dataclass
class EscalationResult:
    """What one run did: incidents looked at, levels this run recorded, and the sending counts
    of the emails it queued (`lost`: taken over by another worker)."""

    looked_at: int = 0
    escalated: int = 0
    sending: delivery.SendResult = field(default_factory=delivery.SendResult)

    def as_dict(self) -> dict[str, int]:
        """The counts as flat JSON-friendly numbers."""
        return {
            "looked_at": self.looked_at,
            "escalated": self.escalated,
            "sent": self.sending.sent,
            "deferred": self.sending.deferred,
            "failed": self.sending.failed,
            "dead": self.sending.dead,
            "lost": self.sending.lost,
        }


def run_escalations(
    *,
    now: datetime | None = None,
    backend: Backend | None = None,
    progress: Callable[[EscalationResult], None] | None = None,
) -> EscalationResult:
    """Escalate every incident due at `now` (aware UTC; default the clock) by one level, then
    send the emails this run queued. Safe to run twice, or twice at once (see the module).
    """
    now = now or utcnow()
    result = EscalationResult()
    keys: list[str] = []
    last_id = 0
    while True:
        found = due_escalations(now=now, after_id=last_id)
        db.session.commit()  # a fresh snapshot for each escalation's own transaction
        if not found:
            break
        last_id = found[-1][0]
        result.looked_at += len(found)
        for incident_id, level in found:
            if level and escalate(incident_id, level, now=now):
                result.escalated += 1
                prefix = f"incident-escalation:{incident_id}:{level}:"
                keys.extend(
                    db.session.scalars(
                        sa.select(OutboxEmail.dedupe_key).where(
                            OutboxEmail.dedupe_key.startswith(prefix, autoescape=True)
                        )
                    )
                )
        if progress:
            progress(result)
    db.session.info.pop(outbox.COMMITTED, None)  # sent below, by this run
    if keys:
        backend = backend or get_backend(current_app._get_current_object())
        # The emails were queued on the wall clock (`now` may be the schedule's time, earlier).
        result.sending = delivery.send_claimed(delivery.claim(keys=keys), backend)
    db.session.commit()
    return result
