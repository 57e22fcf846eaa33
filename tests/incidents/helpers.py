"""Helpers for the incident tests: the five kinds of caller, and what the tables hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from api.activity.models import Activity, EntityType
from api.extensions import db
from api.incidents.models import Incident, IncidentResponse
from api.users.models import User

# The callers of the issue: the reporter, the assignee, another employee, a manager, an admin.
ROLES = {
    "reporter": "employee",
    "assignee": "employee",
    "bystander": "employee",
    "manager": "manager",
    "admin": "admin",
}
VIEWERS = tuple(ROLES)


@dataclass
class Cast:
    """One user per name of ROLES, with request headers carrying their access token."""

    users: dict[str, User]
    headers: dict[str, dict[str, str]]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def incident_rows() -> list[Incident]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Incident).order_by(Incident.id)))


def response_rows() -> list[IncidentResponse]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(IncidentResponse).order_by(IncidentResponse.id)))


def activity_rows(incident: Incident | None = None) -> list[Activity]:
    db.session.expire_all()
    stmt = sa.select(Activity).where(Activity.entity_type == EntityType.INCIDENT)
    if incident is not None:
        stmt = stmt.where(Activity.entity_id == incident.id)
    return list(db.session.scalars(stmt.order_by(Activity.id)))


def snapshot() -> dict[str, Any]:
    """What the incident tables hold, to prove that a refused write changed nothing."""
    return {
        "incidents": [
            (
                i.id,
                i.title,
                i.description,
                i.severity,
                i.status,
                i.visibility,
                i.assignee_id,
                i.version,
                i.acknowledged_at,
                i.resolved_at,
            )
            for i in incident_rows()
        ],
        "responses": [(r.id, r.body) for r in response_rows()],
        "activity": [(a.id, a.action) for a in activity_rows()],
    }
