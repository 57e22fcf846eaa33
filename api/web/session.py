"""Browser sessions: JWTs in HttpOnly cookies, the quiet refresh, CSRF, and the `next` check.

The UI signs in with the same token pair as the API (`api.auth.service.login`) and keeps it in
flask-jwt-extended's cookies. Before every UI request `resolve_session` reads the access cookie;
when it has expired (or is gone) and the refresh cookie is still good, the refresh token is spent
through `api.auth.service.refresh` and the new pair is set on the response, so the person never
sees a sign-in page while their refresh token lives.

CSRF is flask-jwt-extended's double-submit token: each access token carries a random `csrf`
claim, every form renders it in the hidden field `csrf_token`, and a state-changing request must
send back the claim of the access token it was rendered with. After a quiet refresh that is the
expired token (its signature is still verified). Sign-in and register have no token yet; their
forms carry a random value that must match an HttpOnly cookie (the same double-submit idea).
A state-changing request whose Origin header names another origin is refused before any of this.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Response, current_app, g, redirect, request, url_for
from flask_jwt_extended import (
    decode_token,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from jwt import ExpiredSignatureError, InvalidTokenError
from werkzeug.exceptions import Forbidden as HTTPForbidden
from werkzeug.exceptions import HTTPException

from api.auth import service as auth_service
from api.auth.tokens import token_user
from api.errors import Forbidden, Unauthorized
from api.permissions import Capability, role_may
from api.users.models import User
from api.web.blueprints import WEB_BLUEPRINTS, is_web_endpoint, is_web_request

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_CSRF_COOKIE = "taskdesk_form_csrf"
CSRF_MESSAGE = "This form could not be verified. Reload the page and try again."


class CSRFRefused(HTTPForbidden):
    """A state-changing request without a matching CSRF token, or from another origin (403)."""

    description = CSRF_MESSAGE


def _decode(token: str | None, kind: str) -> tuple[dict[str, Any] | None, bool]:
    """Return (payload, expired) for a cookie token of `kind` ("access" | "refresh").

    The signature, issuer and audience are always verified; an expired token comes back with
    `expired=True` so that its CSRF claim can still be checked. Anything else invalid is None.
    """
    if not token:
        return None, False
    try:
        payload = decode_token(token)
        expired = False
    except ExpiredSignatureError:
        try:
            payload = decode_token(token, allow_expired=True)
        except (InvalidTokenError, JWTExtendedException):
            return None, False
        expired = True
    except (InvalidTokenError, JWTExtendedException):
        return None, False
    if payload.get("type") != kind:
        return None, False
    return payload, expired


def resolve_session() -> None:
    """Find the signed-in user of a UI request (before_request); refresh quietly when needed.

    Sets `g.web_user` (User or None), `g.web_payload` (claims of the access token now in use),
    `g.web_csrf_token` (the value forms must carry), `g.web_new_tokens` (a pair to set as
    cookies on the response) and `g.web_clear_cookies` (stale cookies to remove).
    """
    config = current_app.config
    g.web_user = None
    g.web_payload = None
    g.web_new_tokens = None
    g.web_clear_cookies = False
    g.web_rendered_with = None  # the access token string whose CSRF claim a form must match
    access = request.cookies.get(config["JWT_ACCESS_COOKIE_NAME"])
    refresh = request.cookies.get(config["JWT_REFRESH_COOKIE_NAME"])
    payload, expired = _decode(access, "access")
    if payload is not None and not expired:
        user = token_user(payload)
        if user is not None:
            g.web_user, g.web_payload, g.web_rendered_with = user, payload, access
            return
    if refresh:
        refresh_payload, refresh_expired = _decode(refresh, "refresh")
        user = token_user(refresh_payload) if refresh_payload and not refresh_expired else None
        if user is not None:
            try:
                tokens = auth_service.refresh(user=user, payload=refresh_payload)
            except Unauthorized:
                # Two requests raced with the same refresh token and the other one won: its
                # response carries the new cookies, so this one must not clear them.
                log.info("refresh cookie of user %s already spent", user.id)
                return
            else:
                g.web_user = user
                g.web_payload = decode_token(tokens["access_token"])
                g.web_new_tokens = tokens
                g.web_rendered_with = access if payload is not None else None
                return
    if access or refresh:
        g.web_clear_cookies = True


def finish_session(response: Response) -> Response:
    """Set refreshed cookies or clear stale ones (after_request of UI requests)."""
    tokens = g.get("web_new_tokens")
    if tokens:
        set_access_cookies(response, tokens["access_token"])
        set_refresh_cookies(response, tokens["refresh_token"])
    elif g.get("web_clear_cookies"):
        unset_jwt_cookies(response)
    if g.get("web_user") is not None:
        response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    return response


def csrf_token() -> str:
    """The value a form of this page must send in `csrf_token` (a template global).

    Signed in: the `csrf` claim of the current access token. Signed out: the form cookie value,
    created on first use and set on the response by `finish_form_cookie`.
    """
    payload = g.get("web_payload")
    if payload is not None:
        return str(payload.get("csrf", ""))
    if "web_form_csrf" not in g:
        existing = request.cookies.get(FORM_CSRF_COOKIE, "")
        g.web_form_csrf = existing if len(existing) == 43 else secrets.token_urlsafe(32)
        g.web_form_csrf_new = g.web_form_csrf != existing
    return g.web_form_csrf


def finish_form_cookie(response: Response) -> Response:
    """Set the signed-out forms' CSRF cookie when this page created one."""
    if g.get("web_form_csrf_new"):
        response.set_cookie(
            FORM_CSRF_COOKIE,
            g.web_form_csrf,
            httponly=True,
            secure=current_app.config["JWT_COOKIE_SECURE"],
            samesite="Lax",
            path="/",
        )
    return response


def _submitted_csrf() -> str:
    config = current_app.config
    return request.form.get(config["JWT_ACCESS_CSRF_FIELD_NAME"]) or request.headers.get(
        config["JWT_ACCESS_CSRF_HEADER_NAME"], ""
    )


def _same_origin() -> bool:
    """False when the Origin header (RFC 6454) names an origin other than this host's."""
    origin = request.headers.get("Origin")
    if not origin:
        return True
    return origin.rstrip("/") == request.host_url.rstrip("/")


def check_csrf() -> None:
    """Refuse a state-changing UI request from another origin or without its CSRF token.

    Raises CSRFRefused (403). A signed-in request is checked by flask-jwt-extended against the
    `csrf` claim of the access token the form was rendered with; a signed-out one against the
    form cookie.
    """
    if request.method not in UNSAFE_METHODS:
        return
    if not _same_origin():
        log.warning("cross-origin form post refused: %s", request.headers.get("Origin"))
        raise CSRFRefused()
    verify_csrf_token(_submitted_csrf())


def verify_csrf_token(submitted: str) -> None:
    """Raise CSRFRefused unless `submitted` is this page's CSRF token (see `csrf_token`).

    Also for the few GET links that start something (single sign-on leaves for the provider by
    a link: a form's CSP form-action would forbid the redirect to another origin).
    """
    if not submitted:
        raise CSRFRefused()
    if g.get("web_user") is not None:
        rendered_with = g.get("web_rendered_with")
        if not rendered_with:
            raise CSRFRefused()
        try:
            decode_token(rendered_with, csrf_value=submitted, allow_expired=True)
        except (CSRFError, JWTExtendedException, InvalidTokenError) as exc:
            raise CSRFRefused() from exc
        return
    expected = request.cookies.get(FORM_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, submitted):
        raise CSRFRefused()


def current_web_user() -> User | None:
    """The person signed in to the UI for this request, or None."""
    return g.get("web_user")


def web_user() -> User:
    """The signed-in person (inside a view guarded by `page_login_required`)."""
    user = g.get("web_user")
    if user is None:
        raise Unauthorized("Sign in to continue.")
    return user


def page_login_required(capability: Capability | None = None) -> Callable[[F], F]:
    """Require a signed-in person (else: sign-in page with `next`), and a role that may use
    `capability` when given (the table of api/permissions.py, as the JSON routes read it).

    A role without `capability` raises Forbidden, which the UI renders as its 403 page.
    """

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = g.get("web_user")
            if user is None:
                return redirect_to_sign_in()
            if capability is not None and not role_may(user.role, capability):
                raise Forbidden("Your role may not use this page.")
            return fn(*args, **kwargs)

        wrapper.capability = capability  # type: ignore[attr-defined]  # read by the menu
        return wrapper  # type: ignore[return-value]

    return decorator


def redirect_to_sign_in() -> Response:
    """Send the person to the sign-in page, keeping where they were going (GET pages only)."""
    target = request.full_path if request.method == "GET" else request.referrer or ""
    nxt = safe_next(target.rstrip("?") if target else None, default="")
    if nxt:
        return redirect(url_for("auth_web.sign_in", next=nxt))
    return redirect(url_for("auth_web.sign_in"))


def safe_next(value: str | None, default: str | None = None) -> str:
    """Return `value` if it is a path to a GET page of the taskdesk UI, else `default`.

    Only a same-origin path is kept: no scheme or host, no `//` or backslash tricks, no control
    characters, and the path must route to an endpoint of a UI blueprint (never to /api/v1 or a
    static file). `default` None means the dashboard.
    """
    fallback = url_for("web.dashboard") if default is None else default
    if not value or len(value) > 2000:
        return fallback
    if any(ord(ch) < 32 or ch == "\\" for ch in value):
        return fallback
    if not value.startswith("/") or value.startswith("//"):
        return fallback
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return fallback
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(parts.path, method="GET")
    except HTTPException:  # not found, wrong method, or a redirect: not a page of ours
        return fallback
    if not is_web_endpoint(endpoint) or endpoint in ("auth_web.sign_in", "auth_web.register"):
        return fallback
    return value


def sign_in_response(response: Response, tokens: dict[str, Any]) -> Response:
    """Put a freshly issued token pair in the session cookies of `response`."""
    set_access_cookies(response, tokens["access_token"])
    set_refresh_cookies(response, tokens["refresh_token"])
    g.web_new_tokens = None
    g.web_clear_cookies = False
    return response


def sign_out(response: Response) -> Response:
    """Revoke the current access token and its refresh token, and clear the cookies."""
    payload = g.get("web_payload")
    if payload is not None:
        expires = datetime.now(UTC) + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
        auth_service.logout(payload=payload, refresh_expires=expires)
    unset_jwt_cookies(response)
    g.web_new_tokens = None
    g.web_clear_cookies = False
    return response


def register(app: Any) -> None:
    """Resolve the UI session and check CSRF before each UI request; set its cookies after."""

    @app.before_request
    def _web_session() -> None:
        if request.url_rule is not None and request.url_rule.endpoint == "static":
            return
        if is_web_request():
            resolve_session()
            if request.blueprint in WEB_BLUEPRINTS:
                check_csrf()

    @app.after_request
    def _web_cookies(response: Response) -> Response:
        if is_web_request():
            finish_session(response)
            finish_form_cookie(response)
        return response
