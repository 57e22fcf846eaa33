"""Single sign-on accounts: what a verified OpenID Connect identity signs in to, links or creates.

The rules (README "Single sign-on"):

- a subject already linked signs in to its account, with the same checks and messages as a
  password sign-in (`api.auth.service.open_session`: pending, rejected, disabled are refused);
- an unknown subject whose verified email belongs to an account is NOT linked silently: the
  person must sign in once with that account's password, then the link is made (no account
  takeover by a provider that asserts someone else's address);
- otherwise a new account is created, pending approval with the requested role employee,
  exactly like a registration; when OIDC_AUTO_APPROVE_DOMAINS lists the email's domain it is
  active at once as an employee;
- an email the provider does not mark verified (`email_verified`, OpenID Connect Core 1.0
  §5.1) never creates or matches an account.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from api.activity import service as activity
from api.activity.models import EntityType
from api.auth import service as auth_service
from api.auth import sso_rules
from api.auth.oidc_client import SignInRefused
from api.auth.oidc_models import LinkedIdentity
from api.auth.oidc_settings import Provider
from api.db import utcnow
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.extensions import db
from api.users import emails
from api.users.models import Role, User, UserStatus

PENDING_LINK_SECONDS = 10 * 60  # how long a "sign in with your password to link" offer lasts
USERNAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Outcome:
    """What a provider sign-in led to.

    kind: "signed_in" (tokens: the pair of `issue_pair`), "pending" (a new account waits for
    approval; user), "link_required" (an account has this email: pending_link to keep until
    the person signs in with their password), "linked" (linked to the signed-in person).
    """

    kind: str
    tokens: dict[str, Any] | None = None
    user: User | None = None
    pending_link: dict[str, Any] | None = None


def providers() -> tuple[Provider, ...]:
    """The configured providers, in button order."""
    return tuple(current_app.config.get("OIDC_PROVIDERS", ()))


def get_provider(name: str) -> Provider:
    """The provider called `name`; raises NotFound when none is configured with that name."""
    for provider in providers():
        if provider.name == name:
            return provider
    raise NotFound("There is no such sign-in provider.")


def _verified_email(provider: Provider, claims: dict[str, Any]) -> str:
    """The lower-cased email the provider vouches for; raises SignInRefused otherwise.

    `email_verified` must be true (a JSON boolean; the string "true" that some providers send
    is accepted). Microsoft Entra ID states it as `xms_edov` (email domain owner verified).
    """
    from api.users.service import normalize_email

    email = claims.get("email")
    verified = claims.get("email_verified", claims.get("xms_edov"))
    if not isinstance(email, str) or not email:
        raise SignInRefused(f"{provider.label} did not share your email address.")
    if verified is not True and str(verified).lower() != "true":
        raise SignInRefused(
            f"{provider.label} has not verified the address {email[:254]}, so taskdesk cannot "
            "use it. Verify it there, or register with a password."
        )
    try:
        return normalize_email(email)
    except Unprocessable as exc:  # an address the registration form would refuse too
        raise SignInRefused(f"{provider.label} sent an address taskdesk cannot use.") from exc


def _find(issuer: str, subject: str) -> LinkedIdentity | None:
    return db.session.scalar(
        sa.select(LinkedIdentity).where(
            LinkedIdentity.issuer == issuer, LinkedIdentity.subject == subject
        )
    )


def _subject(claims: dict[str, Any]) -> tuple[str, str]:
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    if not issuer or not subject or len(issuer) > 255 or len(subject) > 255:
        raise SignInRefused("The identity token has no usable issuer and subject.")
    return issuer, subject


def sign_in(
    provider: Provider, claims: dict[str, Any], *, address: str | None, linking: User | None = None
) -> Outcome:
    """Apply the rules above to verified ID token `claims` (from oidc_client.finish).

    `linking`: the signed-in person who asked to link this provider from their profile.
    Raises Forbidden (the account's status, as a password sign-in would), SignInRefused
    (unverified email), Conflict (the provider account is linked to someone else).
    """
    issuer, subject = _subject(claims)
    identity = _find(issuer, subject)
    if linking is not None:
        return _link_signed_in(provider, issuer, subject, claims, identity, linking)
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        identity.last_used_at = utcnow()  # rolled back when the status refuses the sign-in
        return Outcome("signed_in", tokens=auth_service.open_session(user, address=address))
    email = _verified_email(provider, claims)
    existing = db.session.scalar(sa.select(User).where(User.email == email))
    if existing is not None:
        pending = {
            "provider": provider.name,
            "issuer": issuer,
            "subject": subject,
            "email": email,
            "expires": int(time.time()) + PENDING_LINK_SECONDS,
        }
        return Outcome("link_required", pending_link=pending)
    user = _create_account(provider, issuer, subject, email, claims)
    if user.status == UserStatus.ACTIVE:
        return Outcome("signed_in", tokens=auth_service.open_session(user, address=address))
    return Outcome("pending", user=user)


def _username(claims: dict[str, Any], email: str) -> str:
    """A free username (3-32 of letters, digits, . _ -) from preferred_username or the email."""
    raw = claims.get("preferred_username")
    base = USERNAME_RE.sub("", raw.split("@")[0] if isinstance(raw, str) else "")
    if len(base) < 3:
        base = USERNAME_RE.sub("", email.split("@")[0])
    base = (base if len(base) >= 3 else f"user{base}")[:26]
    taken = {
        name.lower()
        for name in db.session.scalars(
            sa.select(User.username).where(sa.func.lower(User.username).like(f"{base.lower()}%"))
        )
    }
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _create_account(
    provider: Provider, issuer: str, subject: str, email: str, claims: dict[str, Any]
) -> User:
    domain = email.rsplit("@", 1)[1]
    auto = domain in current_app.config.get("OIDC_AUTO_APPROVE_DOMAINS", ())
    user = User(
        email=email,
        username=_username(claims, email),
        password_hash=sso_rules.unusable_password_hash(),
        role=Role.EMPLOYEE,
        requested_role=Role.EMPLOYEE,
        status=UserStatus.ACTIVE if auto else UserStatus.PENDING,
        timezone=current_app.config["DEFAULT_TIMEZONE"],
        approved_at=utcnow() if auto else None,
    )
    try:
        db.session.add(user)
        db.session.flush()
        db.session.add(
            LinkedIdentity(
                user_id=user.id, provider=provider.name, issuer=issuer, subject=subject, email=email
            )
        )
        db.session.flush()
    except IntegrityError as exc:  # the same person finished two sign-ins at once
        db.session.rollback()
        raise Conflict("This account is being created already. Sign in again.") from exc
    activity.record(
        actor=user,
        entity_type=EntityType.USER,
        entity_id=user.id,
        action="registered",
        changes={"provider": [None, provider.name]},
    )
    if not auto:
        emails.registration_received(user)
    db.session.commit()
    return user


def _link_signed_in(
    provider: Provider,
    issuer: str,
    subject: str,
    claims: dict[str, Any],
    identity: LinkedIdentity | None,
    user: User,
) -> Outcome:
    if not sso_rules.may_link(user):
        raise Forbidden("You may not link a sign-in provider.")
    if identity is not None:
        if identity.user_id == user.id:
            return Outcome("linked", user=user)
        raise Conflict(f"That {provider.label} account is linked to another taskdesk account.")
    link(user, provider, issuer, subject, claims.get("email"))
    return Outcome("linked", user=user)


def link(user: User, provider: Provider, issuer: str, subject: str, email: Any) -> LinkedIdentity:
    """Link (issuer, subject) to `user` and commit. Raises Conflict when `user` already has an
    account of that provider or the subject is linked elsewhere (the unique keys)."""
    if db.session.scalar(
        sa.select(LinkedIdentity.id).where(
            LinkedIdentity.user_id == user.id, LinkedIdentity.issuer == issuer
        )
    ):
        raise Conflict(f"Your account is linked to another {provider.label} account already.")
    identity = LinkedIdentity(
        user_id=user.id,
        provider=provider.name,
        issuer=issuer,
        subject=subject,
        email=email[:254] if isinstance(email, str) else None,
        last_used_at=utcnow(),
    )
    try:
        db.session.add(identity)
        activity.record(
            actor=user,
            entity_type=EntityType.USER,
            entity_id=user.id,
            action="updated",
            changes={"linked_provider": [None, provider.name]},
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(f"That {provider.label} account is linked to another account.") from exc
    return identity


def link_after_password_sign_in(user: User, pending: Any) -> LinkedIdentity | None:
    """Finish a link offered by `sign_in` ("link_required") once `user` signed in with their
    password. Only when the offer has not expired, names a configured provider and the account
    has the email the provider verified; else None (nothing linked)."""
    if not isinstance(pending, dict) or int(pending.get("expires") or 0) < time.time():
        return None
    if pending.get("email") != user.email:
        return None
    try:
        provider = get_provider(str(pending.get("provider")))
    except NotFound:
        return None
    if _find(str(pending["issuer"]), str(pending["subject"])) is not None:
        return None
    try:
        return link(user, provider, str(pending["issuer"]), str(pending["subject"]), user.email)
    except Conflict:
        return None


def identities_of(user_id: int) -> list[LinkedIdentity]:
    """The provider accounts linked to a user, oldest first."""
    return list(
        db.session.scalars(
            sa.select(LinkedIdentity)
            .where(LinkedIdentity.user_id == user_id)
            .order_by(LinkedIdentity.id)
        )
    )


def provider_names_by_user(user_ids: list[int]) -> dict[int, list[str]]:
    """{user id: [provider name, ...]} for the admin's user list, in one query."""
    found: dict[int, list[str]] = {}
    if not user_ids:
        return found
    rows = db.session.execute(
        sa.select(LinkedIdentity.user_id, LinkedIdentity.provider)
        .where(LinkedIdentity.user_id.in_(user_ids))
        .order_by(LinkedIdentity.id)
    )
    for user_id, name in rows:
        found.setdefault(user_id, []).append(name)
    return found


def unlink(*, user: User, identity_id: int) -> LinkedIdentity:
    """Remove one of `user`'s links. Raises NotFound (not theirs), Forbidden (`may_unlink`:
    without a password they may use and no other link, they could not sign in again)."""
    identity = db.session.get(LinkedIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        raise NotFound("No such linked sign-in.")
    remaining = len(identities_of(user.id)) - 1
    if not sso_rules.may_unlink(user, identity.user_id, remaining):
        raise Forbidden(
            "Set a password first (Forgot your password? on the sign-in page): without it or "
            "this provider you could not sign in."
        )
    db.session.delete(identity)
    activity.record(
        actor=user,
        entity_type=EntityType.USER,
        entity_id=user.id,
        action="updated",
        changes={"linked_provider": [identity.provider, None]},
    )
    db.session.commit()
    return identity
