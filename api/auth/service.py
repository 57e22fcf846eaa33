"""Signing in and out, token refresh, the caller's profile and password."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from api.auth import sso_rules, throttle
from api.auth.passwords import burn_verify_time, hash_password, hasher, verify_password
from api.auth.tokens import issue_pair, revoke
from api.db import utcnow
from api.errors import Forbidden, Unauthorized, Unprocessable
from api.extensions import db
from api.notifications.after_response import run_after_response
from api.users import emails
from api.users import service as users
from api.users.models import User, UserStatus

BAD_CREDENTIALS = "Invalid credentials."
REGISTERED = (
    "Thanks. Check your inbox: we have sent a message to that address. A new account waits "
    "for an administrator's approval."
)
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
    ident = login.strip().lower()
    user = db.session.scalar(
        sa.select(User).where(sa.or_(User.email == ident, sa.func.lower(User.username) == ident))
    )
    keys = throttle.keys_for(login, address, user.id if user is not None else None)
    throttle.check(keys)
    if user is None:
        burn_verify_time(password)
        throttle.record_failure(keys)
        raise Unauthorized(BAD_CREDENTIALS)
    if not verify_password(user.password_hash, password):
        throttle.record_failure(keys)
        raise Unauthorized(BAD_CREDENTIALS)
    ensure_may_sign_in(user)
    sso_rules.check_password_sign_in(user)
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.clear(keys[0])
    return open_session(user, address=address)


def ensure_may_sign_in(user: User) -> None:
    """Raise Forbidden naming the status when `user` is not active (every way of signing in)."""
    if user.status != UserStatus.ACTIVE:
        db.session.rollback()
        raise Forbidden(STATUS_MESSAGES[user.status])


def open_session(user: User, *, address: str | None) -> dict[str, Any]:
    """Issue a token pair to an active `user` who proved who they are (password or provider).

    Sends the sign-in alert when the user wants it and commits. Raises Forbidden (status).
    """
    ensure_may_sign_in(user)
    tokens = issue_pair(user)
    emails.sign_in_alert(user, address=address, token_id=secrets.token_hex(8))
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
        raise Unprocessable.field("current_password", "Enter your current password correctly.")
    users.check_password_policy(new, user.email, user.username, field="new_password")
    user.password_hash = hash_password(new)
    user.tokens_valid_after = utcnow()
    db.session.flush()
    tokens = issue_pair(user)
    db.session.commit()
    return tokens


RESET_SALT = "taskdesk-password-reset"
RESET_INVALID = "The reset link is invalid or has expired."


def _reset_fingerprint(user: User) -> str:
    """Changes whenever the password or the token cut-off changes: a used link stops working."""
    material = f"{user.password_hash}|{user.tokens_valid_after}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def _reset_serializer() -> Any:
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def request_password_reset(*, email: str) -> None:
    """Email a single-use reset link to an active account with that address; else do nothing.

    The caller answers 202 either way (OWASP ASVS 5.0 6.4: no account enumeration), and in the
    same time: before the response, both cases look the account up and sign a link (a throwaway
    one for an unknown address); the email is queued, committed and sent only after the response
    has gone out (api/notifications/after_response.py). The link is an itsdangerous token signed
    with SECRET_KEY carrying the user id and a fingerprint of the password hash; it expires
    after PASSWORD_RESET_TTL seconds (30 minutes) and stops working once the password changes,
    which makes it single-use.
    """
    try:
        address = users.normalize_email(email)
    except Unprocessable:
        return
    user = db.session.scalar(sa.select(User).where(User.email == address))
    known = user is not None and user.status == UserStatus.ACTIVE
    user_id = user.id if known else 0
    nonce = secrets.token_hex(8)
    link = _reset_link(user_id, _reset_fingerprint(user) if known else "", nonce)
    db.session.rollback()  # end the read (no statement after it); the email has its own
    if known:
        run_after_response(_send_reset_email, user_id, nonce, link)


def _send_reset_email(user_id: int, nonce: str, link: dict[str, Any]) -> None:
    """Queue the reset email and commit; send it unless MAIL_SEND_AFTER_COMMIT is off."""
    from flask import current_app

    from api.notifications.delivery import send_committed

    user = db.session.get(User, user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        return
    emails.password_reset(user, nonce=nonce, **link)
    db.session.commit()
    if current_app.config["MAIL_SEND_AFTER_COMMIT"]:
        send_committed()


def _reset_link(user_id: int, fingerprint: str, nonce: str) -> dict[str, Any]:
    from flask import current_app

    token = _reset_serializer().dumps({"uid": user_id, "fp": fingerprint, "n": nonce})
    base = current_app.config["APP_BASE_URL"].rstrip("/")
    return {
        "reset_url": f"{base}/password-reset/confirm?token={token}",
        "ttl_minutes": current_app.config["PASSWORD_RESET_TTL"] // 60,
    }


def confirm_password_reset(*, token: str, new_password: str) -> User:
    """Set a new password from a reset link; every token issued before is revoked.

    Raises Unprocessable naming `token` (bad signature, expired, already used, account not
    active) or `new_password` (policy).
    """
    from flask import current_app
    from itsdangerous import BadData

    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_TTL"])
        user_id, fingerprint = int(data["uid"]), str(data["fp"])
    except (BadData, KeyError, TypeError, ValueError) as exc:
        raise Unprocessable.field("token", RESET_INVALID) from exc
    user = db.session.get(User, user_id)
    if (
        user is None
        or user.status != UserStatus.ACTIVE
        or not hmac.compare_digest(fingerprint, _reset_fingerprint(user))
    ):
        raise Unprocessable.field("token", RESET_INVALID)
    users.check_password_policy(new_password, user.email, user.username, field="new_password")
    user.password_hash = hash_password(new_password)
    user.tokens_valid_after = utcnow()
    db.session.commit()
    return user
