"""The incident emails of shared/design.md §6: reported (a receipt, and an alert to everyone
who triages every incident), a response and a status change (to the reporter and the assignee),
and an escalation (api/incidents/jobs.py). The alert and the escalation carry each recipient's
own acknowledge link (api/incidents/links.py) when they may acknowledge the incident.
Called by api/incidents/service.py inside its unit of work; nobody is emailed about their own
action."""

from __future__ import annotations

from typing import Any

from flask import current_app

from api.inbox import service as inbox
from api.inbox.models import NotificationKind
from api.incidents import links
from api.notifications.models import EmailKind
from api.notifications.service import queue
from api.permissions import Capability, can
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
    alerted = [p for p in active_holders(Capability.INCIDENT_TRIAGE) if p.id != actor.id]
    _notify(NotificationKind.INCIDENT_REPORTED, incident, alerted, actor)
    for person in alerted:
        if not inbox.wants_email(person.id, NotificationKind.INCIDENT_REPORTED):
            continue
        queue(
            kind=EmailKind.INCIDENT_ALERT,
            to=person,
            dedupe_key=f"incident-alert:{incident.id}:{person.id}",
            context={"incident": incident, "reporter": actor, **_acknowledge(incident, person)},
        )


def _acknowledge(incident: Any, person: User) -> dict[str, Any]:
    """The template values of `person`'s acknowledge link: none unless the incident waits for
    its acknowledgement and `person` may move it (incident.set_status)."""
    if incident.acknowledged_at is not None or not can(
        person, Capability.INCIDENT_SET_STATUS, incident
    ):
        return {"acknowledge_path": None}
    return {
        "acknowledge_path": links.acknowledge_path(incident.public_id, person.id),
        "link_hours": current_app.config["INCIDENT_ACK_LINK_TTL"] // 3600,
    }


def _duration(seconds: int) -> str:
    """ "5 minutes", "1 hour", "2 hours 30 minutes"."""
    hours, minutes = divmod(seconds // 60, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(parts) or f"{seconds} seconds"


def incident_escalated(
    incident: Any, *, level: int, audience: str, waited_seconds: int, people: list[User]
) -> None:
    """Escalation `level` of an unacknowledged incident, to each of `people` (the `audience`,
    "managers" or "admins"), whatever their preferences: the incident waits for someone.
    Dedupe key `incident-escalation:<incident id>:<level>:<user id>`."""
    for person in people:
        queue(
            kind=EmailKind.INCIDENT_ESCALATED,
            to=person,
            dedupe_key=f"incident-escalation:{incident.id}:{level}:{person.id}",
            context={
                "incident": incident,
                "level": level,
                "audience": audience,
                "waited": _duration(waited_seconds),
                **_acknowledge(incident, person),
            },
        )


def _notify(
    kind: NotificationKind, incident: Any, people: list[User], actor: User, excerpt: str = ""
) -> None:
    """The in-app notifications of the same people (api/inbox), written beside the emails."""
    inbox.notify(
        kind=kind,
        recipients=people,
        actor=actor,
        title=incident.title,
        path=f"/incidents/{incident.public_id}",
        incident_id=incident.id,
        excerpt=excerpt,
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
    people = _followers(incident, actor)
    _notify(NotificationKind.INCIDENT_RESPONDED, incident, people, actor, response.body)
    for person in people:
        if not inbox.wants_email(person.id, NotificationKind.INCIDENT_RESPONDED):
            continue
        queue(
            kind=EmailKind.INCIDENT_RESPONSE,
            to=person,
            dedupe_key=f"incident-response:{response.id}:{person.id}",
            context={"incident": incident, "author": actor, "body": response.body},
        )


def incident_status(incident: Any, *, old: str, new: str, actor: User) -> None:
    """A status change, to the reporter and the assignee (not the actor); after flush."""
    people = _followers(incident, actor)
    _notify(NotificationKind.INCIDENT_STATUS, incident, people, actor, f"{old} → {new}")
    for person in people:
        if not inbox.wants_email(person.id, NotificationKind.INCIDENT_STATUS):
            continue
        queue(
            kind=EmailKind.INCIDENT_STATUS,
            to=person,
            dedupe_key=f"incident-status:{incident.id}:{incident.version}:{person.id}",
            context={"incident": incident, "actor": actor, "old_status": old, "new_status": new},
        )
