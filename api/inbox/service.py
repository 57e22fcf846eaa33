"""Notify people, and read and manage one's own inbox and preferences (issue 14).

`notify()` is called by the domains (api/tasks/events.py, api/comments/service.py,
api/incidents/emails.py) inside their unit of work: it writes one Notification per recipient,
never for the actor, and only in the channels the recipient keeps for that kind
(`channel_for`, defaults in api/inbox/models.py). Rows whose channel includes email and that
concern a task feed the digest email (api/inbox/emails.py). Reading and marking are
`inbox.use` (every active account) on one's own rows only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from api.db import Page, paginate, unit_of_work, utcnow
from api.errors import Unprocessable
from api.extensions import db
from api.inbox import emails
from api.inbox.models import (
    DEFAULT_CHANNELS,
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from api.markup import excerpt as make_excerpt
from api.permissions import Capability, require
from api.users.models import User, UserStatus

MAX_IDS = 100  # ids one "mark as read" request may name


def preferences_of(user_id: int) -> dict[NotificationKind, Channel]:
    """Every kind's channel for `user_id`: their choices over DEFAULT_CHANNELS."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {kind: chosen.get(kind, default) for kind, default in DEFAULT_CHANNELS.items()}


def channel_for(user_id: int, kind: NotificationKind) -> Channel:
    """The channel `user_id` keeps for `kind` (their choice, else the default)."""
    chosen = db.session.scalar(
        sa.select(NotificationPreference.channel).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return chosen or DEFAULT_CHANNELS[kind]


def wants_email(user_id: int, kind: NotificationKind) -> bool:
    """Whether `user_id` keeps email on for `kind` (the per-event emails ask this)."""
    return channel_for(user_id, kind).email


def notify(
    *,
    kind: NotificationKind,
    recipients: Iterable[User],
    actor: User | None,
    title: str,
    path: str,
    task_id: int | None = None,
    incident_id: int | None = None,
    comment_id: int | None = None,
    excerpt: str = "",
    digest: bool = False,
) -> list[Notification]:
    """Write one notification per active recipient (once each, never the actor) in the current
    transaction, in the channels they keep for `kind`; the caller commits.

    `title` and `path` ("/tasks/12#comment-3") are shown and linked as they are now. With
    `digest` (task events whose email is the digest), a recipient keeping email gets the
    task's digest email queued or grown (api/inbox/emails.py). Returns the rows written.
    """
    rows: list[Notification] = []
    emailed: list[User] = []
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.id in seen or person.status != UserStatus.ACTIVE:
            continue
        seen.add(person.id)
        if actor is not None and person.id == actor.id:
            continue
        channel = channel_for(person.id, kind)
        if channel is Channel.OFF:
            continue
        row = Notification(
            user_id=person.id,
            kind=kind,
            actor_id=actor.id if actor else None,
            task_id=task_id,
            incident_id=incident_id,
            comment_id=comment_id,
            title=title[:200],
            path=path[:255],
            excerpt=make_excerpt(excerpt, 250),
            in_app=channel.in_app,
            email=channel.email and digest,
        )
        db.session.add(row)
        rows.append(row)
        if row.email:
            emailed.append(person)
    if emailed and task_id is not None:
        db.session.flush()
        for person in emailed:
            emails.task_digest(person, task_id=task_id, title=title, path=path)
    return rows


def _mine(actor: User) -> sa.ColumnElement[bool]:
    return sa.and_(Notification.user_id == actor.id, Notification.in_app.is_(True))


def list_notifications(
    *, actor: User, unread: bool | None, page: int, page_size: int
) -> Page[Notification]:
    """One page of `actor`'s in-app notifications, newest first (inbox.use; Forbidden for a
    disabled account); `unread` True keeps the unread ones, False the read ones."""
    require(actor, Capability.INBOX_USE)
    stmt = sa.select(Notification).where(_mine(actor))
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    stmt = stmt.order_by(Notification.id.desc())
    return paginate(
        db.session,
        stmt,
        page=page,
        page_size=page_size,
        options=(sa.orm.joinedload(Notification.actor),),
    )


def unread_count(*, actor: User) -> int:
    """How many of `actor`'s in-app notifications are unread (inbox.use)."""
    require(actor, Capability.INBOX_USE)
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(_mine(actor), Notification.read_at.is_(None))
    )


def mark_read(*, actor: User, ids: list[int] | None = None, everything: bool = False) -> int:
    """Mark `ids` (at most MAX_IDS, one's own; others' ids are ignored) or every unread
    notification of `actor` as read (inbox.use). Returns the unread count after.

    Raises Unprocessable (naming `ids`) when neither or both are given.
    """
    require(actor, Capability.INBOX_USE)
    if everything == bool(ids):
        raise Unprocessable.field("ids", 'Give "ids" (a list of notification ids) or "all": true.')
    with unit_of_work():
        stmt = (
            sa.update(Notification)
            .where(_mine(actor), Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        if not everything:
            stmt = stmt.where(Notification.id.in_(list(ids or [])))
        db.session.execute(stmt.execution_options(synchronize_session=False))
    return unread_count(actor=actor)


def open_notification(*, actor: User, notification_id: int) -> Notification:
    """Mark one of `actor`'s notifications read and return it (its `path` is the link).

    Raises NotFound for an id that is not `actor`'s.
    """
    from api.errors import NotFound

    require(actor, Capability.INBOX_USE)
    with unit_of_work():
        row = db.session.scalar(
            sa.select(Notification).where(_mine(actor), Notification.id == notification_id)
        )
        if row is None:
            raise NotFound("Notification not found.")
        if row.read_at is None:
            row.read_at = utcnow()
    return row


def update_preferences(*, actor: User, changes: dict[Any, Any]) -> dict[NotificationKind, Channel]:
    """Set `actor`'s channel for each kind in `changes` ({kind: channel}); return them all.

    A choice equal to the default is stored too (a later change of defaults leaves it).
    """
    require(actor, Capability.INBOX_USE)
    with unit_of_work():
        current = {
            p.kind: p
            for p in db.session.scalars(
                sa.select(NotificationPreference).where(NotificationPreference.user_id == actor.id)
            )
        }
        for kind, channel in changes.items():
            kind, channel = NotificationKind(kind), Channel(channel)
            if kind in current:
                current[kind].channel = channel
            else:
                db.session.add(NotificationPreference(user_id=actor.id, kind=kind, channel=channel))
    return preferences_of(actor.id)


def get_preferences(*, actor: User) -> dict[NotificationKind, Channel]:
    """`actor`'s channel for every kind (inbox.use)."""
    require(actor, Capability.INBOX_USE)
    return preferences_of(actor.id)
