"""Personal access tokens: created, listed and revoked by their owner; checked on API requests.

A token is `tdp_` followed by `secrets.token_urlsafe(32)` (256 random bits), sent as
`Authorization: Bearer tdp_…`. Only its SHA-256 hash is stored: a secret this random cannot be
guessed or brute-forced from its hash, so a slow password hash would add cost and no safety
(OWASP ASVS 5.0 §9 / §11.4, "Password Storage Cheat Sheet": slow hashes are for low-entropy
secrets; NIST SP 800-63B §5.1.1.2 likewise salts and stretches memorised secrets only). Looking
a token up by its hash is also what makes the check constant-time where it matters: the
database compares hashes, and timing that comparison teaches nothing about the secret (finding
a preimage of a SHA-256 prefix is infeasible), so no `hmac.compare_digest` is needed.

A token acts as its owner limited to its scopes (api/permissions.py `SCOPES`); it is refused
after its expiry, once revoked, and when its owner's `tokens_valid_after` (password change,
disable, role change) is later than its creation, exactly like a JWT issued before then.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from api.auth.models import PersonalToken
from api.db import utcnow
from api.errors import NotFound, Unauthorized, Unprocessable
from api.extensions import db
from api.input_rules import is_invisible
from api.permissions import Capability, can, require
from api.scopes import ADMIN_SCOPES, Scope
from api.users.models import User, UserStatus

TOKEN_PREFIX = "tdp_"
PREFIX_SHOWN = 12  # characters of the secret kept for display: "tdp_" and 8 more
# "At most one year": 366 days, so that "a year from today" fits in a leap year as well.
MAX_LIFETIME = timedelta(days=366)
MAX_TOKENS = 50  # live (unrevoked) tokens per person
# last_used_at is written at most once per this interval, so a busy script does not turn
# every read into a write; the shown time is then up to a minute early.
LAST_USED_PRECISION = timedelta(seconds=60)
NOT_FOUND = "Token not found."


def digest(secret: str) -> str:
    """The stored form of a secret: its SHA-256 as 64 hex digits."""
    return hashlib.sha256(secret.encode()).hexdigest()


def status(token: PersonalToken, owner: User, *, now: datetime | None = None) -> str:
    """ "active", "expired" or "revoked" (by its owner, or by a password or account change)."""
    now = now or utcnow()
    if token.revoked_at is not None or (
        owner.tokens_valid_after is not None and token.created_at < owner.tokens_valid_after
    ):
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    return "active"


def scope_choices(actor: User) -> list[str]:
    """The scopes `actor` may give a token: every scope, the admin ones for admins only."""
    admin = can(actor, Capability.USER_ADMIN)
    return [s.value for s in Scope if admin or s not in ADMIN_SCOPES]


def create(
    *, actor: User, name: str, scopes: list[str], expires_at: datetime
) -> tuple[PersonalToken, str]:
    """Create a token for `actor`; return it with its secret (shown this once, never stored).

    `expires_at` is an aware datetime, after now and at most MAX_LIFETIME (366 days) away.
    Raises Forbidden (token.manage; a personal access token may not make another),
    Unprocessable naming `name`, `scopes` (unknown, empty, or `admin` for a non-admin) or
    `expires_at`; Unprocessable naming `name` past MAX_TOKENS live tokens.
    """
    require(actor, Capability.TOKEN_MANAGE)
    name = name.strip()
    if all(is_invisible(char) for char in name):
        raise Unprocessable.field("name", "Enter a name for the token.")
    chosen = list(dict.fromkeys(scopes))
    if not chosen:
        raise Unprocessable.field("scopes", "Choose at least one scope.")
    allowed = scope_choices(actor)
    unknown = [s for s in chosen if s not in {sc.value for sc in Scope}]
    if unknown:
        known = ", ".join(sc.value for sc in Scope)
        raise Unprocessable.field("scopes", f"Choose scopes among {known}.")
    if any(s not in allowed for s in chosen):
        raise Unprocessable.field("scopes", "Only administrators may give a token the admin scope.")
    now = utcnow()
    if expires_at.tzinfo is None:
        raise Unprocessable.field("expires_at", "Give the expiry with its time zone (UTC).")
    if expires_at <= now:
        raise Unprocessable.field("expires_at", "Choose an expiry in the future.")
    if expires_at - now > MAX_LIFETIME:
        raise Unprocessable.field("expires_at", "Choose an expiry at most one year away.")
    if _live_count(actor.id) >= MAX_TOKENS:
        raise Unprocessable.field(
            "name", f"You have {MAX_TOKENS} tokens already: revoke one you no longer use."
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalToken(
        user_id=actor.id,
        name=name,
        prefix=secret[:PREFIX_SHOWN],
        token_hash=digest(secret),
        scopes=" ".join(chosen),
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def _live_count(user_id: int) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(PersonalToken)
        .where(PersonalToken.user_id == user_id, PersonalToken.revoked_at.is_(None))
    )
    return int(db.session.scalar(stmt) or 0)


def list_tokens(*, actor: User) -> list[dict[str, Any]]:
    """`actor`'s tokens not revoked by hand, newest first, each a dict of the token's fields
    plus `status`. Raises Forbidden (token.manage)."""
    require(actor, Capability.TOKEN_MANAGE)
    stmt = (
        sa.select(PersonalToken)
        .where(PersonalToken.user_id == actor.id, PersonalToken.revoked_at.is_(None))
        .order_by(PersonalToken.created_at.desc(), PersonalToken.id.desc())
    )
    now = utcnow()
    return [
        {**_fields(token), "status": status(token, actor, now=now)}
        for token in db.session.scalars(stmt)
    ]


def _fields(token: PersonalToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scope_names,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
    }


def described(token: PersonalToken, owner: User, secret: str | None = None) -> dict[str, Any]:
    """The token as the API shows it (with `token`, the secret, right after creation)."""
    shown = {**_fields(token), "status": status(token, owner)}
    if secret is not None:
        shown["token"] = secret
    return shown


def revoke(*, actor: User, token_id: int) -> None:
    """Revoke one of `actor`'s tokens; it answers 401 from then on.

    Raises Forbidden (token.manage), NotFound for a token that is not theirs or already revoked.
    """
    require(actor, Capability.TOKEN_MANAGE)
    token = db.session.scalar(
        sa.select(PersonalToken).where(
            PersonalToken.id == token_id,
            PersonalToken.user_id == actor.id,
            PersonalToken.revoked_at.is_(None),
        )
    )
    if token is None:
        raise NotFound(NOT_FOUND)
    token.revoked_at = utcnow()
    db.session.commit()


def authenticate(secret: str) -> tuple[PersonalToken, User, list[str]]:
    """The live token whose secret is `secret`, its owner and its scopes; records the last use.

    One statement (the token joined to its owner), plus an UPDATE and a commit at most once per
    LAST_USED_PRECISION per token. Raises Unauthorized: "Invalid token." (unknown), "The token
    has expired.", "The token has been revoked." (by hand, or its owner's password change,
    disable or role change, or an inactive owner).
    """
    row = db.session.execute(
        sa.select(PersonalToken, User)
        .join(User, User.id == PersonalToken.user_id)
        .where(PersonalToken.token_hash == digest(secret))
    ).first()
    if row is None:
        raise Unauthorized("Invalid token.")
    token, user = row
    now = utcnow()
    state = status(token, user, now=now)
    if state == "expired":
        raise Unauthorized("The token has expired.")
    if state == "revoked" or user.status != UserStatus.ACTIVE:
        raise Unauthorized("The token has been revoked.")
    scopes = token.scope_names
    _record_use(token, now)
    return token, user, scopes


def _record_use(token: PersonalToken, now: datetime) -> None:
    """Write `last_used_at` when it is older than LAST_USED_PRECISION, in its own commit.

    The condition is repeated in SQL so that concurrent requests write once between them. The
    commit happens before the request's own work, so a request that later fails or only reads
    still counts as a use.
    """
    last = token.last_used_at
    if last is not None and now - last < LAST_USED_PRECISION:
        return
    db.session.execute(
        sa.update(PersonalToken)
        .where(
            PersonalToken.id == token.id,
            sa.or_(
                PersonalToken.last_used_at.is_(None),
                PersonalToken.last_used_at < now - LAST_USED_PRECISION,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
