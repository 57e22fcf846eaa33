"""What the public status page (/status) and its Atom feed show: public incidents that are open
or were resolved in the last RECENT_DAYS days, with the responses staff marked public.

Nothing here knows a viewer: the page is the same for everyone, signed in or not. No person is
read (no reporter, assignee or author), so no name can reach the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from api.db import utcnow
from api.extensions import db
from api.incidents.models import (
    SEVERITY_RANK,
    Incident,
    IncidentResponse,
    IncidentStatus,
    Severity,
    Visibility,
)

RECENT_DAYS = 14
MAX_INCIDENTS = 50  # the newest; an outage with more open incidents than this is rare
MAX_UPDATES = 20  # per incident, the newest


@dataclass(frozen=True)
class PublicUpdate:
    """A response marked public: its sanitized HTML body and when it was written (UTC)."""

    body_html: str
    created_at: datetime


@dataclass(frozen=True)
class PublicIncident:
    """An incident as the public sees it: no description, no people."""

    public_id: str
    title: str
    severity: Severity
    status: IncidentStatus
    reported_at: datetime
    resolved_at: datetime | None
    updated_at: datetime  # the latest of the incident's own change and its public updates
    updates: list[PublicUpdate]  # newest first

    @property
    def is_open(self) -> bool:
        """Whether the incident is not resolved."""
        return self.status != IncidentStatus.RESOLVED


def public_incidents(*, now: datetime | None = None) -> list[PublicIncident]:
    """The public incidents not resolved, and those resolved in the last RECENT_DAYS days
    (before `now`, aware UTC), open ones first, then the most severe, then the newest: at most
    MAX_INCIDENTS, each
    with its newest MAX_UPDATES public responses. Two statements."""
    now = now or utcnow()
    since = now - timedelta(days=RECENT_DAYS)
    incidents = db.session.scalars(
        sa.select(Incident)
        .options(
            load_only(
                Incident.public_id,
                Incident.title,
                Incident.severity,
                Incident.status,
                Incident.reported_at,
                Incident.resolved_at,
                Incident.updated_at,
            )
        )
        .where(
            Incident.visibility == Visibility.PUBLIC,
            sa.or_(Incident.status != IncidentStatus.RESOLVED, Incident.resolved_at >= since),
        )
        .order_by(
            (Incident.status == IncidentStatus.RESOLVED).asc(),
            sa.case(
                {s.value: rank for s, rank in SEVERITY_RANK.items()},
                value=Incident.severity,
                else_=0,
            ).desc(),
            Incident.reported_at.desc(),
            Incident.id.desc(),
        )
        .limit(MAX_INCIDENTS)
    ).all()
    updates: dict[int, list[PublicUpdate]] = {incident.id: [] for incident in incidents}
    if incidents:
        rows = db.session.scalars(
            sa.select(IncidentResponse)
            .options(
                load_only(
                    IncidentResponse.incident_id,
                    IncidentResponse.body,
                    IncidentResponse.created_at,
                )
            )
            .where(
                IncidentResponse.incident_id.in_(list(updates)),
                IncidentResponse.public.is_(True),
            )
            .order_by(IncidentResponse.id.desc())
        )
        for row in rows:
            bucket = updates[row.incident_id]
            if len(bucket) < MAX_UPDATES:
                bucket.append(PublicUpdate(str(row.body_html), row.created_at))
    return [
        PublicIncident(
            public_id=incident.public_id,
            title=incident.title,
            severity=incident.severity,
            status=incident.status,
            reported_at=incident.reported_at,
            resolved_at=incident.resolved_at,
            updated_at=max([incident.updated_at, *(u.created_at for u in updates[incident.id])]),
            updates=updates[incident.id],
        )
        for incident in incidents
    ]
