"""Accounts: registration, the admin's decisions, and user management (shared/design.md §2)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from api.activity import service as activity
from api.auth.passwords import hash_password, password_problem
from api.db import Page, paginate, text_search, unit_of_work, utcnow
from api.errors import Conflict, NotFound, Unprocessable
from api.extensions import db
from api.notifications.after_response import run_after_response
from api.permissions import Capability, can, require
from api.projects.service import join_general
from api.users import emails
from api.users.models import Role, User, UserStatus

log = logging.getLogger(__name__)

REQUESTABLE_ROLES = (Role.EMPLOYEE, Role.MANAGER)


def normalize_email(raw: str) -> str:
    """Validate an address with email-validator (RFC 5321/5322 syntax) and lower-case it.

    Raises Unprocessable naming the `email` field. Deliverability (DNS) is not checked.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Unprocessable.field("email", f"Enter a valid email address. {exc}") from exc
    return result.normalized.lower()


def check_timezone(name: str, field: str = "timezone") -> str:
    """Return `name` if it is an IANA time zone name; raise Unprocessable otherwise."""
    message = f"Choose a time zone such as Europe/Berlin (IANA); {name!r} is not one."
    if name in ("localtime", "Factory") or name not in _zones():
        raise Unprocessable.field(field, message)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable.field(field, message) from exc
    return name


@cache
def time_zones() -> tuple[str, ...]:
    """Every name `check_timezone` accepts (IANA tzdata, "localtime" and "Factory" left out),
    sorted: what the register and profile forms offer."""
    return tuple(sorted(_zones() - {"localtime", "Factory"}))


@cache
def _zones() -> frozenset[str]:
    """The IANA names tzdata ships (read once: scanning them takes tens of milliseconds)."""
    return frozenset(available_timezones())


def check_password_policy(
    password: str, email: str, username: str, field: str = "password"
) -> None:
    problem = password_problem(password, context=(email, username, email.split("@")[0]))
    if problem:
        raise Unprocessable.field(field, problem)


USERNAME_TAKEN = "That username is taken; choose another."
EMAIL_TAKEN = "That email address is already registered."


def account_problems(
    *,
    email: str | None = None,
    username: str | None = None,
    password: str | None = None,
    requested_role: Role | None = None,
    timezone: str | None = None,
    email_must_be_free: bool = False,
) -> dict[str, list[str]]:
    """Every problem of a new account's fields at once, {field: [message]} (empty: none).

    A field given as None is not checked. The username's form is the register form's
    (`USERNAME`, api/auth/schemas.py) and is unique case-insensitively; the email is checked by
    email-validator (RFC 5321/5322) and, with `email_must_be_free`, must not be registered
    (the CLI; registration itself must not tell, OWASP ASVS 5.0 6.3.x). Used by `register`,
    `create_admin` and `flask users create-admin`, so all three accept the same accounts.
    """
    from marshmallow import ValidationError

    from api.auth.schemas import USERNAME

    problems: dict[str, list[str]] = {}
    normalized = email
    if email is not None:
        try:
            normalized = normalize_email(email)
        except Unprocessable as exc:
            problems["email"] = [exc.message]
        else:
            if email_must_be_free and db.session.scalar(
                sa.select(User.id).where(User.email == normalized)
            ):
                problems["email"] = [EMAIL_TAKEN]
    if username is not None:
        try:
            USERNAME(username)
        except ValidationError as exc:
            problems["username"] = [str(m) for m in exc.messages]
        else:
            taken = sa.select(User.id).where(sa.func.lower(User.username) == username.lower())
            if db.session.scalar(taken) is not None:
                problems["username"] = [USERNAME_TAKEN]
    if password is not None:
        context = (normalized or "", username or "", (normalized or "").split("@")[0])
        problem = "Enter a password." if not password else None
        problem = problem or password_problem(password, context=tuple(c for c in context if c))
        if problem:
            problems["password"] = [problem]
    if requested_role is not None and requested_role not in REQUESTABLE_ROLES:
        problems["requested_role"] = ["Choose employee or manager."]
    if timezone:
        try:
            check_timezone(timezone)
        except Unprocessable as exc:
            problems["timezone"] = [exc.message]
    return problems


def refuse(problems: dict[str, list[str]]) -> None:
    """Raise the error for `account_problems`' answer: Conflict when the only problem is a
    taken username (409, as before), else Unprocessable naming every field; nothing if none."""
    if not problems:
        return
    if problems == {"username": [USERNAME_TAKEN]}:
        raise Conflict(USERNAME_TAKEN, errors={"json": problems})
    messages = [m for field in problems.values() for m in field]
    message = messages[0] if len(messages) == 1 else "Please correct the fields marked below."
    raise Unprocessable(message, errors={"json": problems})


def register(
    *,
    email: str,
    username: str,
    password: str,
    requested_role: Role = Role.EMPLOYEE,
    timezone: str | None = None,
) -> None:
    """Register an address: a pending account, or an email to the owner of a taken address.

    Both outcomes look alike to the caller, in answer and in time (OWASP ASVS 5.0 6.3.x, the
    password-reset pattern): before the response, every registration is validated, its
    username checked and its password hashed (the costly step); what differs is done after the
    response has gone out (api/notifications/after_response.py): the pending account is
    created and its receipt sent, or the owner of the taken address is told someone tried to
    register with it. An admin approves the account and decides the role.

    Raises Unprocessable (bad email, weak password, unknown time zone, a role that cannot be
    requested) and Conflict when the username is taken (usernames are public to staff).
    """
    from flask import current_app

    refuse(
        account_problems(
            email=email,
            username=username,
            password=password,
            requested_role=requested_role,
            timezone=timezone,
        )
    )
    email = normalize_email(email)
    tz = timezone or current_app.config["DEFAULT_TIMEZONE"]
    fields = {
        "email": email,
        "username": username,
        "password_hash": hash_password(password),
        "role": requested_role,
        "requested_role": requested_role,
        "timezone": tz,
    }
    db.session.rollback()  # end the reads; the registration has its own transaction
    run_after_response(_create_or_notify, fields)


def _create_or_notify(fields: dict[str, Any]) -> None:
    """Create the pending account, or email the owner of the taken address; commit; send."""
    from flask import current_app

    from api.notifications.delivery import send_committed

    owner = db.session.scalar(sa.select(User).where(User.email == fields["email"]))
    if owner is None:
        user = User(status=UserStatus.PENDING, **fields)
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent registration took the address or the name
            db.session.rollback()
            owner = db.session.scalar(sa.select(User).where(User.email == fields["email"]))
            if owner is None:
                log.warning("registration of %r lost a race for its username", fields["username"])
                return
        else:
            activity.record_change(user, "registered", None, user)
            emails.registration_received(user)
    if owner is not None:
        emails.registration_attempt(owner)
    db.session.commit()
    if current_app.config["MAIL_SEND_AFTER_COMMIT"]:
        send_committed()


def create_admin(*, email: str, username: str, password: str) -> User:
    """Create an active admin (the first one comes from the command line): the same email,
    username and password rules as a registration (`account_problems`). Raises Unprocessable
    naming every bad field, Conflict (username or email taken)."""
    problems = account_problems(
        email=email, username=username, password=password, email_must_be_free=True
    )
    if problems.get("email") == [EMAIL_TAKEN] and len(problems) == 1:
        raise Conflict(EMAIL_TAKEN, errors={"json": problems})
    refuse(problems)
    email = normalize_email(email)
    user = User(
        email=email,
        username=username,
        password_hash=hash_password(password),
        role=Role.ADMIN,
        requested_role=Role.ADMIN,
        status=UserStatus.ACTIVE,
        approved_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    join_general(user)
    activity.record_change(user, "created", None, None)
    db.session.commit()
    return user


def get(user_id: int, *, actor: User) -> User:
    """Return a user with every field (user.admin). Raises Forbidden, NotFound."""
    require(actor, Capability.USER_ADMIN)
    return _get(user_id)


def _get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


@dataclass(frozen=True)
class UserFilter:
    status: UserStatus | None = None
    role: Role | None = None
    q: str | None = None


def list_users(*, actor: User, filters: UserFilter, page: int, page_size: int) -> Page[User]:
    """List users by username (user.list): everyone for user.admin, else active users only
    (the routes then show their public fields). Raises Forbidden."""
    require(actor, Capability.USER_LIST)
    stmt = sa.select(User)
    if not can(actor, Capability.USER_ADMIN):
        stmt = stmt.where(User.status == UserStatus.ACTIVE)
    elif filters.status:
        stmt = stmt.where(User.status == filters.status)
    if filters.role:
        stmt = stmt.where(User.role == filters.role)
    if filters.q:
        stmt = stmt.where(text_search(filters.q.lower(), sa.func.lower(User.username), User.email))
    stmt = stmt.order_by(User.username, User.id)
    return paginate(db.session, stmt, page=page, page_size=page_size)


def _revoke_tokens(user: User) -> None:
    user.tokens_valid_after = utcnow()


def _guard_self(user: User, actor: User) -> None:
    if user.id == actor.id:
        raise Conflict("You cannot change or remove your own admin account here.")


def approve(*, user_id: int, role: Role, actor: User) -> User:
    """Activate a pending account with `role`, which the admin names explicitly.

    user.admin. Raises Forbidden, NotFound, Conflict if the account is not pending.
    """
    require(actor, Capability.USER_ADMIN)
    with unit_of_work():
        user = _get(user_id)
        if user.status != UserStatus.PENDING:
            raise Conflict(f"Only pending accounts can be approved; this one is {user.status}.")
        changes = activity.apply(user, {"status": UserStatus.ACTIVE, "role": role})
        user.approved_at, user.approved_by_id = utcnow(), actor.id
        join_general(user)  # every active account is a member of General (issue 14)
        activity.record_change(user, "approved", changes, actor)
        emails.account_decided(user, approved=True)
    return user


def reject(*, user_id: int, actor: User) -> User:
    """Reject a pending registration (user.admin). Raises Forbidden, NotFound, Conflict if not
    pending."""
    require(actor, Capability.USER_ADMIN)
    with unit_of_work():
        user = _get(user_id)
        if user.status != UserStatus.PENDING:
            raise Conflict(f"Only pending accounts can be rejected; this one is {user.status}.")
        changes = activity.apply(user, {"status": UserStatus.REJECTED})
        activity.record_change(user, "rejected", changes, actor)
        emails.account_decided(user, approved=False)
    return user


ADMIN_SETTABLE_STATUSES = (UserStatus.ACTIVE, UserStatus.DISABLED)


def update(*, user_id: int, changes: dict[str, Any], actor: User) -> User:
    """Change a user's role or status (active | disabled). Revokes their tokens on either.

    user.admin. Raises Forbidden, NotFound, Conflict (self-change, or a pending account:
    approve it instead), Unprocessable (a status that is not settable).
    """
    require(actor, Capability.USER_ADMIN)
    with unit_of_work():
        user = _get(user_id)
        _guard_self(user, actor)
        status = changes.get("status")
        if status is not None and status not in ADMIN_SETTABLE_STATUSES:
            raise Unprocessable.field("status", "Choose active or disabled as the status.")
        if status is not None and user.status in (UserStatus.PENDING, UserStatus.REJECTED):
            raise Conflict("Decide a registration with approve or reject.")
        delta = activity.apply(user, changes)
        if delta:
            _revoke_tokens(user)
            activity.record_change(user, "updated", delta, actor)
    return user


def delete(*, user_id: int, actor: User) -> None:
    """Delete a user (user.admin); their tasks stay, with no assignee or creator.

    Raises Forbidden, NotFound, Conflict (your own account)."""
    require(actor, Capability.USER_ADMIN)
    with unit_of_work():
        user = _get(user_id)
        _guard_self(user, actor)
        activity.record_change(user, "deleted", {"username": [user.username, None]}, actor)
        db.session.delete(user)


def pending_count(*, actor: User) -> int:
    """How many registrations wait for an admin's decision (user.list: the dashboards show it
    to managers and admins). Raises Forbidden."""
    require(actor, Capability.USER_LIST)
    stmt = sa.select(sa.func.count()).select_from(User).where(User.status == UserStatus.PENDING)
    return int(db.session.scalar(stmt) or 0)
