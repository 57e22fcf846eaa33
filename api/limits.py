"""Rate limits (Flask-Limiter), counted in RATELIMIT_STORAGE_URI.

Storage: `memory://` counts inside one process, which suits a laptop and the tests; every Lambda
container (and every gunicorn worker) has its own memory, so in production the counters must live
in a shared store, `redis://host:6379/0` (ElastiCache or any Redis). If the store is unreachable
the limiter falls back to per-process memory counters (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) rather
than failing requests.

The limits, each a config value in Flask-Limiter's notation ("10 per hour", "300/minute") read
on every request:

- RATELIMIT_DEFAULT: every /api/ request except /api/v1/health and CORS preflights, per client
  address, and the public status page and its feed (/status, /status.atom), counted apart;
- RATELIMIT_REGISTER: POST /api/v1/auth/register and the UI's registration form, per address;
- RATELIMIT_PASSWORD_RESET: POST /api/v1/auth/password-reset (and a UI form of that name), per
  account and, separately, per address;
- RATELIMIT_CALENDAR: GET /calendar/<token>.ics, per feed (a digest of the token: calendar
  services fetch many people's feeds from few addresses); being outside /api/, the feed also
  gets RATELIMIT_DEFAULT per address, like every public API route;
- RATELIMIT_REPORT_EMAIL: POST /api/v1/reports/email, per signed-in user, counting only requests
  that succeed.

A request over a limit answers 429 in the API's error envelope (or the UI's error page) with
Retry-After (seconds) and the X-RateLimit-Limit / -Remaining / -Reset headers. The sign-in
throttle (api/auth/throttle.py) is separate and stays in the database.

The client address is `request.remote_addr`: the API Gateway / ALB source address on Lambda, or
the X-Forwarded-For hop that PROXY_FIX_X_FOR trusts behind a proxy.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from flask_jwt_extended import decode_token
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

log = logging.getLogger(__name__)

EXTENSION_KEY = "taskdesk.limiter"


def client_address() -> str:
    """The caller's address: the key of the default, registration and reset limits."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    """The account named in a password-reset request body (lower-cased email).

    Without a readable email the request is counted under the caller's address instead, so a
    malformed body cannot dodge the limit.
    """
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    if email is None:
        email = request.form.get("email")
    if isinstance(email, str) and email.strip():
        return f"account:{email.strip().lower()}"
    return f"address:{client_address()}"


def user_key() -> str:
    """The signed-in user's id from a valid access token (header or cookie), else the address.

    The limit runs before the view verifies the token, so the token is decoded here (signature,
    expiry, issuer and audience checked; no database statement). A request whose token turns out
    to be revoked answers 401 and is not counted (see `_succeeded`). A personal access token
    (`tdp_…`) is looked up in the database (once per request, shared with the view's check)
    and counts for its owner, like their JWTs.
    """
    from api.guards import personal_access

    try:
        access = personal_access()  # checked once per request; the view reuses the answer
    except Exception:  # an unknown, expired or revoked token: the view answers 401
        access = None
    if access is not None:
        return f"user:{access[1].id}"  # a personal access token counts for its owner
    token = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ").strip()
    else:
        token = request.cookies.get(current_app.config.get("JWT_ACCESS_COOKIE_NAME", ""))
    if token:
        try:
            return f"user:{decode_token(token)['sub']}"
        except Exception:  # any invalid token: the view will refuse it with 401
            log.debug("rate limit key: token not decodable, counting by address")
    return f"address:{client_address()}"


def feed_key() -> str:
    """The calendar feed asked for: a SHA-256 digest of the token in the URL (never the token
    itself, which would then rest in the limiter's store)."""
    token = str((request.view_args or {}).get("token", ""))
    return "feed:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]


def _succeeded(response: Response) -> bool:
    return response.status_code < 400


@dataclass(frozen=True)
class NamedLimit:
    """One configurable limit on named endpoints (endpoints absent from the app are skipped)."""

    config_key: str
    endpoints: tuple[str, ...]
    key_func: Callable[[], str]
    what: str  # completes "Too many ... : at most <limit>."
    methods: tuple[str, ...] = ("POST",)
    only_successes: bool = False


NAMED_LIMITS = (
    NamedLimit(
        "RATELIMIT_REGISTER",
        ("auth.register", "auth_web.register"),
        client_address,
        "registrations from this address",
    ),
    NamedLimit(
        "RATELIMIT_PASSWORD_RESET",
        ("auth.password_reset", "auth_web.password_reset"),
        client_address,
        "password-reset requests from this address",
    ),
    NamedLimit(
        "RATELIMIT_PASSWORD_RESET",
        ("auth.password_reset", "auth_web.password_reset"),
        account_key,
        "password-reset requests for this account",
    ),
    NamedLimit(
        "RATELIMIT_CALENDAR",
        ("calendar_feed.feed",),
        feed_key,
        "requests for this calendar feed",
        methods=("GET",),
    ),
    NamedLimit(
        "RATELIMIT_DEFAULT",
        ("calendar_feed.feed",),
        client_address,
        "requests from this address",
        methods=("GET",),
    ),
    NamedLimit(
        "RATELIMIT_DEFAULT",
        ("status_web.page", "status_web.feed"),
        client_address,
        "status page requests from this address",
        methods=("GET", "HEAD"),
    ),
    NamedLimit(
        "RATELIMIT_REPORT_EMAIL",
        ("reports.email_report",),
        user_key,
        "report emails",
        only_successes=True,
    ),
)


def _exempt_from_default() -> bool:
    path = request.path
    return (
        not path.startswith("/api/")
        or path.startswith("/api/v1/health")
        or request.method == "OPTIONS"
    )


def _config_value(key: str) -> Callable[[], str]:
    return lambda: current_app.config[key]


def _message(limit: NamedLimit) -> Callable[[], str]:
    return lambda: f"Too many {limit.what}: at most {current_app.config[limit.config_key]}."


def _handle_rate_limit(error: RateLimitExceeded) -> Response:
    from api.errors import error_response

    message = error.description
    if not str(message).startswith("Too many"):
        message = f"Too many requests: at most {message}."
    return error_response(429, f"{message} Try again after Retry-After seconds.")


def _retry_after_only_when_refused(response: Response) -> Response:
    """Retry-After only on 429 and 503 (RFC 9110 §10.2.3): flask-limiter adds it to every
    response it counts, where it would tell a client to wait after a success. A 503 that named
    its own wait (`g.retry_after`, api.outage) keeps it: the limiter's window has nothing to do
    with when the database is back."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    elif response.status_code == 503 and g.get("retry_after"):
        response.headers["Retry-After"] = g.retry_after
    return response


def init_app(app: Flask) -> Limiter:
    """Create this app's limiter, attach the default and the named limits, map 429s.

    One Limiter per app (kept in app.extensions), so apps built with different storage (tests
    that use memory:// and Redis side by side) never share counters.
    """
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "taskdesk")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(
        key_func=client_address,
        default_limits=[_config_value("RATELIMIT_DEFAULT")],
        default_limits_exempt_when=_exempt_from_default,
        retry_after="delta-seconds",
    )
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    # Registered after flask-limiter's header hook, so it runs before it: insert at the front
    # of the after-request list instead, so that it runs last.
    app.after_request_funcs.setdefault(None, []).insert(0, _retry_after_only_when_refused)
    app.register_error_handler(RateLimitExceeded, _handle_rate_limit)
    return limiter


def attach_named_limits(app: Flask) -> None:
    """Wrap the named endpoints' view functions with their limits (after blueprints exist)."""
    limiter = get_limiter(app)
    if limiter is None or not limiter.enabled:
        return
    for limit in NAMED_LIMITS:
        for endpoint in limit.endpoints:
            view = app.view_functions.get(endpoint)
            if view is None:
                continue
            app.view_functions[endpoint] = limiter.limit(
                _config_value(limit.config_key),
                key_func=limit.key_func,
                methods=list(limit.methods),
                error_message=_message(limit),
                deduct_when=_succeeded if limit.only_successes else None,
            )(view)


def get_limiter(app: Flask) -> Limiter | None:
    """This app's limiter (None before `init_app`)."""
    return app.extensions.get(EXTENSION_KEY)


def reset(app: Flask) -> None:
    """Forget every counter of this app's limiter (tests; an operator after an incident)."""
    limiter = get_limiter(app)
    if limiter is not None and limiter.enabled:
        limiter.reset()
