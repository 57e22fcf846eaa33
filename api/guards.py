"""The JSON routes' gate: who the caller is, and `login_required` reading the role table.

`login_required(capability)` answers 401 without a valid access token and 403 when the
caller's role holds `capability` on no object at all (api/permissions.py `role_may`). Whether
they hold it on this object is the service's `require` (404 for an object they may not see).

The Bearer token is a JWT access token, or a personal access token (`tdp_…`,
api/auth/personal_tokens.py): the latter acts as its owner limited to its scopes, which
api/permissions.py applies to every capability check of the request (`limit_to_scopes`).
Routes that manage the account's credentials refuse personal access tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import has_request_context, request
from flask_jwt_extended import get_current_user, verify_jwt_in_request

from api.auth import personal_tokens as pats
from api.errors import Forbidden, Unauthorized
from api.permissions import Capability, require_scope, role_may
from api.scopes import limit_to_scopes
from api.users.models import User

PERSONAL_ACCESS_KEY = "taskdesk.personal_access"  # request.environ: (token, user, scopes)
PERSONAL_REFUSED = (
    "A personal access token cannot be used here: sign in with your password to manage "
    "tokens, your password or your session."
)

F = TypeVar("F", bound=Callable[..., Any])


def current() -> User:
    """The signed-in user of this request (after `authenticate`): the owner of its personal
    access token, or the subject of its JWT.

    The User itself, not flask-jwt-extended's `current_user` proxy: every attribute read through
    the proxy costs a context lookup, and marshmallow probes a proxy for item access first (it
    has `__getitem__`), paying a raised TypeError per field. Raises RuntimeError outside a
    request whose token was verified.
    """
    held = request.environ.get(PERSONAL_ACCESS_KEY) if has_request_context() else None
    if held is not None and not isinstance(held, Unauthorized):
        return held[1]
    return get_current_user()


def personal_secret() -> str | None:
    """The personal access token of the Authorization header (`Bearer tdp_…`), if any."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value.startswith(pats.TOKEN_PREFIX):
        return value
    return None


def personal_access() -> tuple[Any, User, list[str]] | None:
    """(token, owner, scopes) of this request's personal access token; None without one.

    Checked once per request (the rate limiter may ask first); raises Unauthorized for an
    unknown, expired or revoked token.
    """
    secret = personal_secret()
    if secret is None:
        return None
    held = request.environ.get(PERSONAL_ACCESS_KEY)
    if held is None:
        try:
            held = pats.authenticate(secret)
        except Unauthorized as refused:
            held = refused
        request.environ[PERSONAL_ACCESS_KEY] = held
    if isinstance(held, Unauthorized):
        raise held
    return held


def authenticate(*, personal: bool = True) -> User:
    """Check the Bearer token (JWT or personal) and return its user. Raises Unauthorized;
    Forbidden for a personal access token when `personal` is False."""
    access = personal_access()
    if access is None:
        verify_jwt_in_request()
        return current()
    if not personal:
        raise Forbidden(PERSONAL_REFUSED)
    _token, user, scopes = access
    limit_to_scopes(user.id, scopes)
    return user


def refuse_personal_tokens(fn: F) -> F:
    """Answer 403 to a personal access token (routes guarded by flask-jwt-extended alone)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if personal_secret() is not None:
            raise Forbidden(PERSONAL_REFUSED)
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def login_required(
    capability: Capability | None = None, *, personal_tokens: bool = True
) -> Callable[[F], F]:
    """Require a valid access token, and a role that may use `capability` when given.

    Missing or invalid tokens answer 401 (RFC 6750 §3.1); a role without `capability` 403; a
    personal access token 403 when `personal_tokens` is False, or when its scopes lack
    `capability` (the message names the scope).
    """

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = authenticate(personal=personal_tokens)
            if capability is not None:
                if not role_may(user.role, capability):
                    raise Forbidden("Your role may not use this resource.")
                require_scope(user, capability)
            return fn(*args, **kwargs)

        wrapper.capability = capability  # type: ignore[attr-defined]  # for tests and docs
        wrapper.personal_tokens = personal_tokens  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
