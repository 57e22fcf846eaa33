"""The incident emails of shared/design.md §6: reported (a receipt, and an alert to everyone
who triages every incident), a response and a status change (to the reporter and the assignee).
Called by api/incidents/service.py inside its unit of work; nobody is emailed about their own
action."""

from __future__ import annotations

from typing import Any

from api.notifications.models import EmailKind
from api.notifications.service import queue
from api.permissions import Capability
from api.users.emails import active_holders, user_by_id
from api.users.models import User, UserStatus


def incident_reported(incident: Any, *, actor: User) -> None:
    """A receipt for the reporter; an alert for every active manager and admin but the reporter."""
    queue(
        kind=EmailKind.INCIDENT_REPORTED,
        to=actor,
        dedupe_key=f"incident-reported:{incident.id}",
        context={"incident": incident},
    )
    for person in active_holders(Capability.INCIDENT_TRIAGE):
        if person.id == actor.id:
            continue
        queue(
            kind=EmailKind.INCIDENT_ALERT,
            to=person,
            dedupe_key=f"incident-alert:{incident.id}:{person.id}",
            context={"incident": incident, "reporter": actor},
        )


def _followers(incident: Any, actor: User) -> list[User]:
    """The reporter and the assignee, once each, never the actor."""
    people: list[User] = []
    for user_id in (incident.reporter_id, incident.assignee_id):
        user = user_by_id(user_id)
        if user and user.id != actor.id and user.status == UserStatus.ACTIVE and user not in people:
            people.append(user)
    return people


def incident_response(incident: Any, response: Any, *, actor: User) -> None:
    """A new response, to the reporter and the assignee (not its author)."""
    for person in _followers(incident, actor):
        queue(
            kind=EmailKind.INCIDENT_RESPONSE,
            to=person,
            dedupe_key=f"incident-response:{response.id}:{person.id}",
            context={"incident": incident, "author": actor, "body": response.body},
        )


def incident_status(incident: Any, *, old: str, new: str, actor: User) -> None:
    """A status change, to the reporter and the assignee (not the actor); after flush."""
    for person in _followers(incident, actor):
        queue(
            kind=EmailKind.INCIDENT_STATUS,
            to=person,
            dedupe_key=f"incident-status:{incident.id}:{incident.version}:{person.id}",
            context={"incident": incident, "actor": actor, "old_status": old, "new_status": new},
        )
