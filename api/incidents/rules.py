"""The object rule of incidents (design §2).

Anyone sees public incidents; restricted ones only their reporter, their assignee and their lead
(managers and admins see all: api/permissions.py). The reporter edits the report (title,
description, visibility); the assignee and the lead triage (severity, assignee, lead), move the
status and add follow-up tasks; the post-incident review is written by the lead (`_leads`) and by
managers and admins. Who may BE a lead is incident.lead in GRANTS (managers and admins). Whether
the report is still open to edits and which moves the workflow allows are the service's state
rules (api/incidents/service.py), not permissions.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.incidents.models import Incident, Visibility
from api.permissions import Actor, Capability, ObjectRule, register_rule


def _is(person_id: int | None, actor: Actor) -> bool:
    return person_id is not None and person_id == actor.id


def _leads(incident: Any, actor: Actor) -> bool:
    """Whether `actor` leads the response to `incident`: they triage it, move it, add follow-ups
    and write its review (managers and admins hold those on every incident anyway)."""
    return _is(getattr(incident, "lead_id", None), actor)


def _lead_clause(actor_id: Any) -> sa.ColumnElement[bool]:
    """`_leads` as SQL."""
    return Incident.lead_id == actor_id


def _owns(actor: Actor, capability: Capability, incident: Any) -> bool:
    if capability is Capability.INCIDENT_READ:
        return (
            incident.visibility == Visibility.PUBLIC
            or _is(incident.reporter_id, actor)
            or _is(incident.assignee_id, actor)
            or _is(getattr(incident, "lead_id", None), actor)
        )
    if capability is Capability.INCIDENT_EDIT_REPORT:
        return _is(incident.reporter_id, actor)
    if capability in (Capability.INCIDENT_TRIAGE, Capability.INCIDENT_SET_STATUS):
        return _is(incident.assignee_id, actor) or _leads(incident, actor)
    if capability is Capability.INCIDENT_FOLLOW_UP:
        return _is(incident.assignee_id, actor) or _leads(incident, actor)
    if capability is Capability.INCIDENT_REVIEW:
        return _leads(incident, actor)
    return False


def _clause(actor_id: Any, capability: Capability) -> sa.ColumnElement[bool]:
    if capability is Capability.INCIDENT_READ:
        return sa.or_(
            Incident.visibility == Visibility.PUBLIC,
            Incident.reporter_id == actor_id,
            Incident.assignee_id == actor_id,
            Incident.lead_id == actor_id,
        )
    if capability is Capability.INCIDENT_EDIT_REPORT:
        return Incident.reporter_id == actor_id
    if capability in (Capability.INCIDENT_TRIAGE, Capability.INCIDENT_SET_STATUS):
        return sa.or_(Incident.assignee_id == actor_id, _lead_clause(actor_id))
    if capability is Capability.INCIDENT_FOLLOW_UP:
        return sa.or_(Incident.assignee_id == actor_id, _lead_clause(actor_id))
    if capability is Capability.INCIDENT_REVIEW:
        return _lead_clause(actor_id)
    return sa.false()


RULE = register_rule(
    "incident",
    ObjectRule(
        read=Capability.INCIDENT_READ, owns=_owns, clause=_clause, not_found="Incident not found."
    ),
)
