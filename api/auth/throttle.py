"""Sign-in throttling kept in the database, so the limit holds across Lambda containers.

After `LOGIN_MAX_FAILURES` failures within `LOGIN_WINDOW_SECONDS`, counted per account and per
client address, further attempts are refused with 429 and Retry-After until the oldest failure
leaves the window (OWASP ASVS 5.0 6.3.1, RFC 6585 §4).

An account is counted under its id, whichever identifier was typed (email, username, any case),
so the two do not give an attacker two allowances. An identifier that names no account is
counted under itself and, like every attempt, under the client's address.
"""

from __future__ import annotations

import math
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from api.auth.models import LoginAttempt
from api.db import utcnow
from api.errors import TooManyRequests
from api.extensions import db


def keys_for(login: str, address: str | None, user_id: int | None = None) -> list[str]:
    """The throttle keys of an attempt: [the account's, the address's].

    The account key is `user:<id>` when `login` names an account, else `login:<identifier>`.
    """
    account = f"user:{user_id}" if user_id is not None else f"login:{login.strip().lower()[:250]}"
    return [account, f"ip:{address or 'unknown'}"]


def check(keys: list[str]) -> None:
    """Raise TooManyRequests (with Retry-After in seconds) when any key is over its limit."""
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    now = utcnow()
    stmt = (
        sa.select(LoginAttempt.key, sa.func.count(), sa.func.min(LoginAttempt.created_at))
        .where(LoginAttempt.key.in_(keys), LoginAttempt.created_at > now - window)
        .group_by(LoginAttempt.key)
    )
    for _key, count, oldest in db.session.execute(stmt):
        if count >= limit:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            retry = max(1, math.ceil((oldest + window - now).total_seconds()))
            raise TooManyRequests(
                "Too many failed sign-ins; try again later.",
                headers={"Retry-After": str(retry)},
            )


def record_failure(keys: list[str]) -> None:
    """Count one failure for every key and forget failures older than the window."""
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    now = utcnow()
    db.session.execute(
        sa.delete(LoginAttempt).where(
            LoginAttempt.key.in_(keys), LoginAttempt.created_at <= now - window
        )
    )
    db.session.add_all(LoginAttempt(key=key, created_at=now) for key in keys)
    db.session.commit()


def clear(account_key: str) -> None:
    """Forget an account's failures after a successful sign-in."""
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.key == account_key))
