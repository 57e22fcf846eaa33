"""Personal calendar feeds: a revocable, read-only URL per person serving the open tasks
assigned to them that have a deadline, as iCalendar (RFC 5545, built with `icalendar`).

The URL carries a random token (32 bytes from `secrets`, URL-safe base64: 43 characters). Only
its SHA-256 digest is stored (like a password-reset link, the secret never rests in the
database), so the full URL is shown once, when it is made. The token is no credential anywhere
else: it is looked up only by `owner_of`, which only the feed calls, and the feed only reads.
A person holds at most one token; making a new one replaces (revokes) the old.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from api.calendars.models import CalendarToken
from api.db import unit_of_work, utcnow
from api.errors import NotFound
from api.extensions import db
from api.input_rules import EARLIEST
from api.permissions import Capability, can, require
from api.tasks import queries as task_queries
from api.tasks.filters import TaskFilter
from api.tasks.models import TaskStatus
from api.users.models import User

TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_EVENTS = 1_000  # the soonest deadlines first; a calendar client needs no more
PAGE_SIZE = 100  # MAX_PAGE_SIZE of the task list
NOT_FOUND = "No calendar feed at this address."
PRODID = "-//taskdesk//calendar feed//EN"


def digest(token: str) -> str:
    """The stored form of a token: its SHA-256 digest, 64 hex characters."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_url(token: str) -> str:
    """The feed's absolute URL (APP_BASE_URL + /calendar/<token>.ics)."""
    base = current_app.config["APP_BASE_URL"].rstrip("/")
    return f"{base}/calendar/{token}.ics"


def current_token(*, actor: User) -> CalendarToken | None:
    """The caller's token row (its digest and creation time), or None."""
    return db.session.get(CalendarToken, actor.id)


def create_token(*, actor: User) -> tuple[str, datetime]:
    """Make a new feed token for `actor`, replacing (revoking) any earlier one.

    Returns (token, created_at UTC); the token is not kept and cannot be read again. Raises
    Forbidden for an account that may not use calendar feeds (calendar.use).
    """
    require(actor, Capability.CALENDAR_USE)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    with unit_of_work():
        db.session.execute(sa.delete(CalendarToken).where(CalendarToken.user_id == actor.id))
        db.session.add(CalendarToken(user_id=actor.id, token_hash=digest(token), created_at=now))
    return token, now


def revoke_token(*, actor: User) -> bool:
    """Revoke the caller's feed URL; True when there was one. It answers 404 from then on.
    Raises Forbidden without calendar.use."""
    require(actor, Capability.CALENDAR_USE)
    with unit_of_work():
        deleted = db.session.execute(
            sa.delete(CalendarToken).where(CalendarToken.user_id == actor.id)
        )
    return bool(deleted.rowcount)


def owner_of(token: str) -> User | None:
    """The active person whose feed token this is, or None (malformed, unknown, revoked, or an
    account that is not active or may not use feeds)."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    wanted = digest(token)
    row = db.session.execute(
        sa.select(CalendarToken.token_hash, User)
        .join(User, User.id == CalendarToken.user_id)
        .where(CalendarToken.token_hash == wanted)
    ).first()
    if row is None or not hmac.compare_digest(row[0], wanted):
        return None
    user: User = row[1]
    return user if can(user, Capability.CALENDAR_USE) else None


def feed_tasks(user: User) -> list[Any]:
    """The open tasks (pending, in progress) assigned to `user` that have a deadline and that
    they still see, soonest deadline first, at most MAX_EVENTS: the task list's own query and
    visibility (api.tasks.queries.list_tasks), read page by page."""
    filters = TaskFilter(
        status=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS],
        assignee_id=[user.id],
        deadline_from=EARLIEST,
        sort="deadline",
    )
    found: list[Any] = []
    cursor = None
    while len(found) < MAX_EVENTS:
        page = task_queries.list_tasks(
            filters=filters, actor=user, page_size=PAGE_SIZE, cursor=cursor
        )
        found.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    return found[:MAX_EVENTS]


def feed(*, token: str) -> bytes:
    """The iCalendar document (RFC 5545, UTF-8) of the feed `token` opens.

    One VEVENT per task: UID task-<id>@<host>, DTSTART the deadline in UTC (no DTEND: a
    moment, RFC 5545 §3.6.1), SUMMARY "<ref> <title>", URL the task's page, DESCRIPTION status,
    priority and the URL, LAST-MODIFIED and DTSTAMP the task's last change. Raises NotFound
    for a token that opens no feed (malformed, unknown, revoked).
    """
    import icalendar  # only the feed needs it: kept out of every other request's imports

    user = owner_of(token)
    if user is None:
        raise NotFound(NOT_FOUND)
    base = current_app.config["APP_BASE_URL"].rstrip("/")
    host = re.sub(r"^[a-z]+://", "", base).split("/")[0] or "taskdesk"
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"taskdesk: {user.username}")
    for task in feed_tasks(user):
        url = f"{base}/tasks/{task.id}"
        event = icalendar.Event()
        event.add("uid", f"task-{task.id}@{host}")
        event.add("dtstamp", task.updated_at)
        event.add("last-modified", task.updated_at)
        event.add("dtstart", task.deadline)
        event.add("summary", f"{task.ref} {task.title}" if task.ref else task.title)
        event.add("url", url)
        status = task.status.value.replace("_", " ")
        event.add("description", f"{status}, {task.priority.value} priority\n{url}")
        calendar.add_component(event)
    db.session.rollback()  # a read: end the transaction before the answer goes out
    return calendar.to_ical()
