"""Incident and response factories: rows written straight through the ORM, committed."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from api.db import utcnow
from api.extensions import db
from api.incidents.models import (
    Incident,
    IncidentResponse,
    IncidentStatus,
    Severity,
    Visibility,
)
from api.users.models import User

_seq = itertools.count(1)


def incident(
    *,
    reporter: User | None,
    assignee: User | None = None,
    status: IncidentStatus | str = IncidentStatus.REPORTED,
    visibility: Visibility | str = Visibility.PUBLIC,
    severity: Severity | str = Severity.MEDIUM,
    reported_at: datetime | None = None,
    **fields: Any,
) -> Incident:
    """An incident; acknowledged_at / resolved_at default to "now" when the status implies them."""
    status = IncidentStatus(status)
    now = utcnow()
    if status != IncidentStatus.REPORTED:
        fields.setdefault("acknowledged_at", now)
    if status == IncidentStatus.RESOLVED:
        fields.setdefault("resolved_at", now)
    fields.setdefault("title", f"Incident {next(_seq)}")
    row = Incident(
        reporter=reporter,
        assignee=assignee,
        status=status,
        visibility=Visibility(visibility),
        severity=Severity(severity),
        reported_at=reported_at or now,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def response(incident: Incident, author: User, body: str = "Looking into it.") -> IncidentResponse:
    """A response to `incident` by `author`."""
    row = IncidentResponse(incident_id=incident.id, author=author, body=body)
    db.session.add(row)
    db.session.commit()
    return row
