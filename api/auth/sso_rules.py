"""Who may sign in how: passwords, single sign-on, linking and unlinking (capabilities).

Views and the API ask these functions; the services raise with their messages. Settings:
PASSWORD_SIGN_IN (`all` | `admins-only`) and OIDC_PROVIDERS (api/auth/oidc_settings.py).
"""

from __future__ import annotations

import base64
import secrets

from flask import current_app

from api.auth.passwords import hasher
from api.errors import Forbidden
from api.permissions import Capability, can, roles_with
from api.users.models import User

# Accounts created through a provider have no password. Their hash is a real argon2id hash of a
# random secret that is thrown away (so no password verifies, in the same time as a wrong one,
# and code that predates single sign-on works unchanged), made with this fixed salt so that
# `has_password` can tell it apart.
NO_PASSWORD_SALT = b"taskdesk:no-password"
_NO_PASSWORD_MARK = "$" + base64.b64encode(NO_PASSWORD_SALT).decode().rstrip("=") + "$"


def unusable_password_hash() -> str:
    """A password hash that no password matches (see NO_PASSWORD_SALT)."""
    return hasher().hash(secrets.token_urlsafe(32), salt=NO_PASSWORD_SALT)


def has_password(user: User) -> bool:
    """True when the account has a password of its own (set at registration or by a reset)."""
    return _NO_PASSWORD_MARK not in (user.password_hash or "")


def sso_enabled() -> bool:
    """True when at least one OpenID provider is configured."""
    return bool(current_app.config.get("OIDC_PROVIDERS"))


def admins_only() -> bool:
    """PASSWORD_SIGN_IN=admins-only with a provider configured: SSO is required for non-admins."""
    return current_app.config.get("PASSWORD_SIGN_IN") == "admins-only" and sso_enabled()


def provider_labels() -> str:
    """ "Google or Okta": the configured providers' button labels, for messages."""
    return " or ".join(p.label for p in current_app.config.get("OIDC_PROVIDERS", ()))


def may_sign_in_with_password(user: User) -> bool:
    """Everyone, unless PASSWORD_SIGN_IN=admins-only: then administrators only (the roles that
    hold user.admin, api/permissions.py)."""
    return not admins_only() or user.role in roles_with(Capability.USER_ADMIN)


def check_password_sign_in(user: User) -> None:
    """Raise Forbidden when `user` must sign in through a provider (after the password matched)."""
    if not may_sign_in_with_password(user):
        raise Forbidden(
            f"Password sign-in is for administrators only here. Sign in with {provider_labels()}."
        )


def may_register_with_password() -> bool:
    """A password registration is useless when only admins may sign in with a password."""
    return not admins_only()


def check_password_registration() -> None:
    """Raise Forbidden when accounts are to be created through a provider only."""
    if not may_register_with_password():
        raise Forbidden(
            f"Accounts are created by signing in with {provider_labels()}; "
            "registration with a password is turned off."
        )


def may_link(user: User) -> bool:
    """A signed-in person may link a provider account to their own account."""
    return sso_enabled() and user is not None


def may_unlink(user: User, identity_user_id: int, remaining_identities: int) -> bool:
    """A person may unlink one of their own provider accounts when they can still sign in:
    they have a password they may use, or another provider account stays linked.

    `remaining_identities` counts the links that would remain after this one is removed.
    """
    if identity_user_id != user.id:
        return False
    can_use_password = has_password(user) and may_sign_in_with_password(user)
    return can_use_password or remaining_identities > 0


def may_see_linked_identities(actor: User, user_id: int) -> bool:
    """Administrators (user.admin) see every user's linked providers; everyone sees their own."""
    return can(actor, Capability.USER_ADMIN) or actor.id == user_id
