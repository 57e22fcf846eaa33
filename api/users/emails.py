"""The account emails of shared/design.md §6, queued where their trigger happens.

Services call these inside their transaction, before they commit; each function decides the
recipients and the dedupe key (the idempotency mechanism: a second call for the same event
writes nothing). Nobody is emailed about their own action. The task and incident emails are in
api/tasks/emails.py and api/incidents/emails.py; the outbox itself in api/notifications.
"""

from __future__ import annotations

import sqlalchemy as sa

from api.db import utcnow
from api.extensions import db
from api.notifications.models import EmailKind
from api.notifications.service import queue
from api.permissions import Capability, roles_with
from api.users.models import User, UserStatus


def user_by_id(user_id: int | None) -> User | None:
    """The user with `user_id`, or None (a deleted account, or no id)."""
    return db.session.get(User, user_id) if user_id is not None else None


def active_holders(capability: Capability) -> list[User]:
    """Active users whose role holds `capability` on every object, by id."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.status == UserStatus.ACTIVE, User.role.in_(roles_with(capability)))
            .order_by(User.id)
        )
    )


def registration_received(user: User) -> None:
    """Receipt for the registrant; everyone who decides registrations (user.admin) is told."""
    queue(
        kind=EmailKind.REGISTRATION_RECEIVED,
        to=user,
        dedupe_key=f"registered:{user.id}",
        context={"requested_role": user.requested_role.value},
    )
    for admin in active_holders(Capability.USER_ADMIN):
        queue(
            kind=EmailKind.REGISTRATION_WAITING,
            to=admin,
            dedupe_key=f"registration-waiting:{user.id}:{admin.id}",
            context={"registrant": user},
        )


def registration_attempt(user: User) -> None:
    """Tell the owner of an address that someone tried to register with it (once an hour).

    Registration answers the same for a new and a taken address (no account enumeration,
    OWASP ASVS 5.0 6.3.x); this email is how the owner learns of the attempt. The dedupe key
    holds the UTC hour, so repeated attempts cannot flood the mailbox.
    """
    queue(
        kind=EmailKind.REGISTRATION_ATTEMPT,
        to=user,
        dedupe_key=f"registration-attempt:{user.id}:{utcnow():%Y%m%d%H}",
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
