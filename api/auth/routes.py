"""Authentication endpoints under /api/v1/auth."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request
from flask_jwt_extended import get_jwt, jwt_required
from flask_smorest import Blueprint

from api.auth import personal_tokens, schemas, service, sso_rules
from api.guards import current, login_required, refuse_personal_tokens
from api.permissions import Capability
from api.users import service as users

PUBLIC: list = []  # OpenAPI: no bearer token needed
SESSION_ONLY = [{"bearerAuth": []}]  # OpenAPI: a JWT access token; personal tokens get 403
blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-in and profile")
NO_STORE = {"Cache-Control": "no-store"}


@blp.post("/register")
@blp.doc(security=PUBLIC)
@blp.arguments(schemas.RegisterIn())
@blp.response(202, schemas.Accepted)
@blp.alt_response(409, description="The username is taken (usernames are public to staff).")
def register(data: dict):
    """Register; an admin approves the pending account and decides the role.

    The answer is the same whether or not the email address already has an account (no account
    enumeration): the address gets an email either way, a receipt or a note to its owner.
    403 when PASSWORD_SIGN_IN=admins-only: accounts are then created through single sign-on.
    """
    sso_rules.check_password_registration()
    users.register(**data)
    return {"message": service.REGISTERED}


@blp.post("/login")
@blp.doc(security=PUBLIC)
@blp.arguments(schemas.LoginIn())
@blp.response(200, schemas.TokenPair)
def login(data: dict):
    """Sign in with email or username; returns an access and a refresh token."""
    tokens = service.login(
        login=data["login"], password=data["password"], address=request.remote_addr
    )
    return tokens, 200, NO_STORE


@blp.post("/refresh")
@blp.doc(security=SESSION_ONLY)
@refuse_personal_tokens
@jwt_required(refresh=True)
@blp.response(200, schemas.TokenPair)
def refresh():
    """Spend a refresh token (as the Bearer token) for a new token pair."""
    return service.refresh(user=current(), payload=get_jwt()), 200, NO_STORE


@blp.post("/logout")
@blp.doc(security=SESSION_ONLY)
@login_required(personal_tokens=False)
@blp.response(204)
def logout():
    """Revoke the access token and its refresh token."""
    expires = datetime.now(UTC) + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    service.logout(payload=get_jwt(), refresh_expires=expires)


@blp.get("/me")
@login_required()
@blp.response(200, schemas.Me)
def me():
    """The caller's profile."""
    return current()


@blp.patch("/me")
@blp.doc(security=SESSION_ONLY)
@login_required(personal_tokens=False)
@blp.arguments(schemas.ProfileUpdate())
@blp.response(200, schemas.Me)
def update_me(data: dict):
    """Change time zone (IANA name) and email preferences."""
    return service.update_profile(user=current(), changes=data)


@blp.post("/password")
@blp.doc(security=SESSION_ONLY)
@login_required(personal_tokens=False)
@blp.arguments(schemas.PasswordChange())
@blp.response(200, schemas.TokenPair)
def change_password(data: dict):
    """Change password; every other token is revoked and a fresh pair returned."""
    tokens = service.change_password(
        user=current(), current=data["current_password"], new=data["new_password"]
    )
    return tokens, 200, NO_STORE


@blp.post("/password-reset")
@blp.doc(security=PUBLIC)
@blp.arguments(schemas.PasswordResetRequest())
@blp.response(202, schemas.Accepted)
def password_reset(data: dict):
    """Ask for a password reset link; always 202, whether or not the address has an account."""
    service.request_password_reset(email=data["email"])
    return {"message": "If the address belongs to an active account, a reset link is on its way."}


@blp.post("/password-reset/confirm")
@blp.doc(security=PUBLIC)
@blp.arguments(schemas.PasswordResetConfirm())
@blp.response(204)
def password_reset_confirm(data: dict):
    """Set a new password with the emailed single-use token; other sessions are signed out."""
    service.confirm_password_reset(token=data["token"], new_password=data["new_password"])


@blp.get("/tokens")
@blp.doc(security=SESSION_ONLY)
@login_required(Capability.TOKEN_MANAGE)
@blp.response(200, schemas.TokenRead(many=True))
def list_tokens():
    """Your personal access tokens (not those you revoked), newest first; never the secrets.

    A personal access token cannot call this (403): tokens are managed from a signed-in session.
    """
    return personal_tokens.list_tokens(actor=current()), 200, NO_STORE


@blp.post("/tokens")
@blp.doc(security=SESSION_ONLY)
@login_required(Capability.TOKEN_MANAGE)
@blp.arguments(schemas.TokenCreate())
@blp.response(201, schemas.TokenCreated)
def create_token(data: dict):
    """Create a personal access token; the answer carries its secret, shown this once.

    Send it as `Authorization: Bearer tdp_…`. It acts as you, limited to its scopes, until
    `expires_at`, until revoked, or until your password, role or account status changes.
    422 for an expiry missing, past or more than 366 days away, an unknown scope, or `admin`
    asked by someone who is not an administrator.
    """
    user = current()
    token, secret = personal_tokens.create(actor=user, **data)
    return personal_tokens.described(token, user, secret), 201, NO_STORE


@blp.delete("/tokens/<int:token_id>")
@blp.doc(security=SESSION_ONLY)
@login_required(Capability.TOKEN_MANAGE)
@blp.response(204)
@blp.alt_response(404, description="Not one of your tokens, or revoked already.")
def revoke_token(token_id: int):
    """Revoke one of your personal access tokens: it answers 401 from now on."""
    personal_tokens.revoke(actor=current(), token_id=token_id)
