"""Single sign-on pages: "Sign in with <provider>", its callback, linking and unlinking.

Thin: api.auth.oidc_client speaks OpenID Connect (Authlib), api.auth.oidc applies the account
rules, api.auth.sso_rules says who may do what. A provider sign-in ends like a password sign-in:
the same token pair in the same HttpOnly cookies (api.web.session.sign_in_response).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_jwt_extended import decode_token

from api.auth import oidc, oidc_client, sso_rules
from api.errors import DomainError
from api.extensions import db
from api.users.models import User
from api.web import forms
from api.web.session import (
    current_web_user,
    page_login_required,
    safe_next,
    sign_in_response,
    verify_csrf_token,
)
from api.web.session import web_user as signed_in_user

blp = Blueprint("oidc_web", __name__)

NEXT_KEY = "oidc_next"  # where to go after the callback (a safe_next path)
LINKING_KEY = "oidc_linking"  # id of the signed-in person who asked to link a provider
PENDING_LINK_KEY = "oidc_pending_link"  # offer made by oidc.sign_in ("link_required")


@blp.get("/sign-in/oidc/<provider>")
def start(provider: str):
    """Leave for the provider's sign-in page (state, nonce and PKCE kept in the session).

    A link, not a form: CSP form-action 'self' would block the redirect to the provider. The
    link carries the page's CSRF token (`csrf_token`), so no other site can start a sign-in.
    """
    chosen = oidc.get_provider(provider)
    verify_csrf_token(request.args.get("csrf_token", ""))
    if current_web_user() is not None:
        return redirect(safe_next(request.args.get("next")))
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    session.pop(LINKING_KEY, None)
    _forget_earlier_attempts(chosen.name)
    try:
        return oidc_client.begin(chosen)
    except DomainError as error:
        return _sign_in_page(error.message, error.code)


@blp.get("/profile/sign-in-providers/<provider>/link")
def link(provider: str):
    """Leave for the provider to link its account to the signed-in person's (a link with the
    page's CSRF token, like `start`: no other site can make someone link an account).

    Signed out: to the sign-in page, then back to the profile (not to this link, whose token
    belongs to the old session).
    """
    chosen = oidc.get_provider(provider)
    user = current_web_user()
    if user is None:
        return redirect(url_for("auth_web.sign_in", next=url_for("auth_web.profile")))
    verify_csrf_token(request.args.get("csrf_token", ""))
    if not sso_rules.may_link(user):
        flash("You may not link a sign-in provider.", "danger")
        return redirect(url_for("auth_web.profile"))
    session[LINKING_KEY] = user.id
    _forget_earlier_attempts(chosen.name)
    try:
        return oidc_client.begin(chosen)
    except DomainError as error:
        session.pop(LINKING_KEY, None)
        flash(error.message, "danger")
        return redirect(url_for("auth_web.profile"))


@blp.post("/profile/sign-in-providers/<int:identity_id>/unlink")
@page_login_required()
def unlink(identity_id: int):
    """Remove a linked provider account (`sso_rules.may_unlink`)."""
    with forms.attempt(flash_refusal=True):
        identity = oidc.unlink(user=signed_in_user(), identity_id=identity_id)
        flash(f"{_label(identity.provider)} is no longer linked to your account.", "success")
    return redirect(url_for("auth_web.profile"))


@blp.get("/sign-in/oidc/<provider>/callback")
def callback(provider: str):
    """The provider sends the person back here with `code` and `state` (or `error`)."""
    chosen = oidc.get_provider(provider)
    linking_id = session.pop(LINKING_KEY, None)
    nxt = session.pop(NEXT_KEY, None) or safe_next(None)
    user = current_web_user()
    linking = user if user is not None and linking_id == user.id else None
    try:
        claims = oidc_client.finish(chosen)
        outcome = oidc.sign_in(chosen, claims, address=request.remote_addr, linking=linking)
    except DomainError as error:
        db.session.rollback()
        if linking is not None:
            flash(error.message, "danger")
            return redirect(url_for("auth_web.profile"))
        return _sign_in_page(error.message, error.code)
    if outcome.kind == "linked":
        flash(f"{chosen.label} is linked: you can sign in with it from now on.", "success")
        return redirect(url_for("auth_web.profile"))
    if outcome.kind == "pending":
        return redirect(url_for("oidc_web.pending"))
    if outcome.kind == "link_required":
        session[PENDING_LINK_KEY] = outcome.pending_link
        flash(
            f"An account with the address {outcome.pending_link['email']} exists already. "
            f"Sign in with its password once to link {chosen.label}; "
            f"from then on {chosen.label} signs you in.",
            "info",
        )
        return redirect(url_for("auth_web.sign_in"))
    return sign_in_response(redirect(safe_next(nxt)), outcome.tokens)


@blp.get("/sign-in/pending")
def pending():
    """The screen a new single sign-on account sees until an administrator approves it."""
    return render_template("auth/sso_pending.html")


def after_password_sign_in(tokens: dict[str, Any]) -> None:
    """Called by the password sign-in page with the pair it issued: finish a pending link."""
    offer = session.pop(PENDING_LINK_KEY, None)
    if offer is None:
        return
    user = db.session.get(User, int(decode_token(tokens["access_token"])["sub"]))
    identity = oidc.link_after_password_sign_in(user, offer)
    if identity is not None:
        label = _label(identity.provider)
        flash(f"{label} is now linked to your account: next time, sign in with {label}.", "success")


def _forget_earlier_attempts(name: str) -> None:
    """Drop the state of sign-ins started earlier with this provider and never finished.

    Authlib keeps each attempt's state, nonce and code verifier under `_state_<name>_<state>`
    in the session cookie for an hour; without this, a person who starts over and over would
    grow the cookie past the 4 KB browsers keep (RFC 6265 §6.1) and every sign-in would fail.
    The latest attempt is the one that counts.
    """
    prefix = f"_state_{name}_"
    for key in [key for key in session if key.startswith(prefix)]:
        session.pop(key, None)


def _label(name: str) -> str:
    for provider in oidc.providers():
        if provider.name == name:
            return provider.label
    return name


def _sign_in_page(message: str, status: int):
    form = forms.Form()
    form.message = message
    return render_template("auth/sign_in.html", form=form, next=""), status


@blp.app_template_global()
def sso_providers() -> tuple[Any, ...]:
    """The configured providers, for the sign-in and register buttons."""
    return oidc.providers()


@blp.app_template_global()
def password_registration_open() -> bool:
    return sso_rules.may_register_with_password()


@blp.app_template_global()
def has_password(user: Any) -> bool:
    """False for an account created through a provider that never set a password."""
    return sso_rules.has_password(user)


@blp.app_template_global()
def password_sign_in_admins_only() -> bool:
    return sso_rules.admins_only()


@blp.app_template_global()
def sso_names_by_user(people: list[Any]) -> dict[int, list[str]]:
    """{user id: [provider label, ...]} for the admin's user list."""
    actor = current_web_user()
    ids = [p.id for p in people if actor and sso_rules.may_see_linked_identities(actor, p.id)]
    found = oidc.provider_names_by_user(ids)
    return {uid: [_label(name) for name in names] for uid, names in found.items()}


@blp.app_template_global()
def sso_profile_rows(user: Any) -> list[dict[str, Any]]:
    """One row per configured provider (and per linked one no longer configured) for the
    profile: {label, provider, identity, may_unlink, may_link}."""
    identities = oidc.identities_of(user.id)
    rows: list[dict[str, Any]] = []
    for provider in oidc.providers():
        mine = next((i for i in identities if i.issuer == provider.issuer), None)
        rows.append({"label": provider.label, "provider": provider.name, "identity": mine})
    shown = {id(r["identity"]) for r in rows if r["identity"] is not None}
    for identity in identities:
        if id(identity) not in shown:
            rows.append({"label": identity.provider, "provider": None, "identity": identity})
    for row in rows:
        identity = row["identity"]
        remaining = len(identities) - 1
        row["may_unlink"] = identity is not None and sso_rules.may_unlink(
            user, identity.user_id, remaining
        )
        row["may_link"] = identity is None and row["provider"] and sso_rules.may_link(user)
    return rows
