"""Each email of shared/design.md §6, queued where its trigger happens.

Services call these inside their transaction, before they commit; each function decides the
recipients and the dedupe key (the idempotency mechanism: a second call for the same event
writes nothing). Nobody is emailed about their own action.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.db import utcnow
from api.extensions import db
from api.notifications.models import EmailKind
from api.notifications.service import queue
from api.users.models import Role, User, UserStatus


def _user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id is not None else None


def _active(*roles: Role) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.status == UserStatus.ACTIVE, User.role.in_(roles))
            .order_by(User.id)
        )
    )


def registration_received(user: User) -> None:
    """Receipt for the registrant; every active admin is told a registration waits."""
    queue(
        kind=EmailKind.REGISTRATION_RECEIVED,
        to=user,
        dedupe_key=f"registered:{user.id}",
        context={"requested_role": user.requested_role.value},
    )
    for admin in _active(Role.ADMIN):
        queue(
            kind=EmailKind.REGISTRATION_WAITING,
            to=admin,
            dedupe_key=f"registration-waiting:{user.id}:{admin.id}",
            context={"registrant": user},
        )


def account_decided(user: User, *, approved: bool) -> None:
    """The admin's decision, to the registrant."""
    kind = EmailKind.ACCOUNT_APPROVED if approved else EmailKind.ACCOUNT_REJECTED
    key = "approved" if approved else "rejected"
    queue(kind=kind, to=user, dedupe_key=f"{key}:{user.id}", context={"role": user.role.value})


def sign_in_alert(user: User, *, address: str | None, token_id: str) -> None:
    """Tell the user about a sign-in, if they keep the preference on."""
    if not user.notify_sign_in:
        return
    queue(
        kind=EmailKind.SIGN_IN_ALERT,
        to=user,
        dedupe_key=f"sign-in:{user.id}:{token_id}",
        context={"when": utcnow().strftime("%Y-%m-%d %H:%M"), "address": address},
    )


def password_reset(user: User, *, reset_url: str, ttl_minutes: int, nonce: str) -> None:
    """The reset link, to the account's address only."""
    queue(
        kind=EmailKind.PASSWORD_RESET,
        to=user,
        dedupe_key=f"password-reset:{user.id}:{nonce}",
        context={"reset_url": reset_url, "ttl_minutes": ttl_minutes},
    )


def task_assigned(task: Any, *, actor: User | None) -> None:
    """To the new assignee (after flush, so `task.version` names this change)."""
    assignee = _user(task.assignee_id)
    if assignee is None or (actor is not None and assignee.id == actor.id):
        return
    queue(
        kind=EmailKind.TASK_ASSIGNED,
        to=assignee,
        dedupe_key=f"task-assigned:{task.id}:{task.version}",
        context={"task": task, "actor": actor},
    )


def task_completed(task: Any, *, actor: User | None) -> None:
    """To the task's creator (after flush, so `task.version` names this change)."""
    creator = _user(task.created_by_id)
    if creator is None or (actor is not None and creator.id == actor.id):
        return
    queue(
        kind=EmailKind.TASK_COMPLETED,
        to=creator,
        dedupe_key=f"task-completed:{task.id}:{task.version}",
        context={"task": task, "actor": actor},
    )


def incident_reported(incident: Any, *, actor: User) -> None:
    """A receipt for the reporter; an alert for every active manager and admin but the reporter."""
    queue(
        kind=EmailKind.INCIDENT_REPORTED,
        to=actor,
        dedupe_key=f"incident-reported:{incident.id}",
        context={"incident": incident},
    )
    for person in _active(Role.ADMIN, Role.MANAGER):
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
        user = _user(user_id)
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
