"""Signing in and out, token refresh, the caller's profile and password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from api.auth import throttle
from api.auth.passwords import burn_verify_time, hash_password, hasher, verify_password
from api.auth.tokens import issue_pair, revoke
from api.db import utcnow
from api.errors import Forbidden, Unauthorized, Unprocessable
from api.extensions import db
from api.users import service as users
from api.users.models import User, UserStatus

BAD_CREDENTIALS = "Invalid credentials."
STATUS_MESSAGES = {
    UserStatus.PENDING: "Your account is awaiting approval by an administrator.",
    UserStatus.REJECTED: "Your registration was not approved.",
    UserStatus.DISABLED: "Your account has been disabled.",
}


def login(*, login: str, password: str, address: str | None) -> dict[str, Any]:
    """Check credentials and return a token pair (see `issue_pair`).

    Raises TooManyRequests when the account or the address is throttled (even with the right
    password), Unauthorized for an unknown account or a wrong password (one message for both),
    Forbidden naming the account status for a right password on a non-active account.
    """
    keys = throttle.keys_for(login, address)
    throttle.check(keys)
    ident = login.strip().lower()
    user = db.session.scalar(
        sa.select(User).where(sa.or_(User.email == ident, sa.func.lower(User.username) == ident))
    )
    if user is None:
        burn_verify_time(password)
        throttle.record_failure(keys)
        raise Unauthorized(BAD_CREDENTIALS)
    if not verify_password(user.password_hash, password):
        throttle.record_failure(keys)
        raise Unauthorized(BAD_CREDENTIALS)
    if user.status != UserStatus.ACTIVE:
        db.session.rollback()
        raise Forbidden(STATUS_MESSAGES[user.status])
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.clear(keys[0])
    tokens = issue_pair(user)
    db.session.commit()
    return tokens


def refresh(*, user: User, payload: dict[str, Any]) -> dict[str, Any]:
    """Spend a refresh token and return a new pair. A replayed refresh token raises Unauthorized."""
    try:
        revoke(payload["jti"], datetime.fromtimestamp(payload["exp"], UTC))
    except IntegrityError as exc:
        db.session.rollback()
        raise Unauthorized("The token has been revoked.") from exc
    tokens = issue_pair(user)
    db.session.commit()
    return tokens


def logout(*, payload: dict[str, Any], refresh_expires: datetime) -> None:
    """Revoke the access token and the refresh token issued with it (claim `rjti`)."""
    revoke(payload["jti"], datetime.fromtimestamp(payload["exp"], UTC))
    refresh_jti = payload.get("rjti")
    if refresh_jti:
        try:
            with db.session.begin_nested():
                revoke(refresh_jti, refresh_expires)
        except IntegrityError:
            pass  # already spent or revoked
    db.session.commit()


PROFILE_FIELDS = (
    "timezone",
    "notify_daily_reminder",
    "notify_reports",
    "notify_sign_in",
)


def update_profile(*, user: User, changes: dict[str, Any]) -> User:
    """Change the caller's time zone or email preferences. Raises Unprocessable."""
    if "timezone" in changes:
        users.check_timezone(changes["timezone"])
    for name in PROFILE_FIELDS:
        if name in changes:
            setattr(user, name, changes[name])
    db.session.commit()
    return user


def change_password(*, user: User, current: str, new: str) -> dict[str, Any]:
    """Replace the password and revoke every token issued before; return a fresh pair.

    Raises Unprocessable naming `current_password` (wrong) or `new_password` (policy).
    """
    if not verify_password(user.password_hash, current):
        raise Unprocessable.field("current_password", "Does not match your password.")
    users.check_password_policy(new, user.email, user.username, field="new_password")
    user.password_hash = hash_password(new)
    user.tokens_valid_after = utcnow()
    db.session.flush()
    tokens = issue_pair(user)
    db.session.commit()
    return tokens
