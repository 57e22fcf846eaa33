"""Security headers on every response, API and UI alike, errors included.

The Content-Security-Policy allows scripts, styles, fonts and images from taskdesk's own origin
only: no inline script, no inline style, no CDN (the UI's Bootstrap is served from
api/static/vendor). `data:` images are allowed because Bootstrap's CSS draws its small icons
(select arrows, the navbar toggler) as data-URI SVGs. `frame-ancestors 'none'` forbids framing
(clickjacking; CSP Level 2 §7.7). HSTS (RFC 6797) is sent outside development, where the app is
only ever reached over HTTPS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, request
from werkzeug.routing import IntegerConverter

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def security_headers(hsts_seconds: int) -> dict[str, str]:
    """The headers every response carries; HSTS only when `hsts_seconds` > 0."""
    headers = dict(STATIC_HEADERS)
    if hsts_seconds > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
    return headers


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response (after_request runs for error pages too)."""
    headers = security_headers(int(app.config.get("HSTS_SECONDS", 0)))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


# TRACE echoes the request back (cross-site tracing); TRACK is IIS's alias. Neither is served.
REFUSED_METHODS = frozenset({"TRACE", "TRACK", "CONNECT"})


def _guard_request() -> None:
    """Refuse TRACE with 405, and a body over MAX_CONTENT_LENGTH with 413 before it is read.

    The declared Content-Length is enough to refuse; a chunked body without one is cut off by
    werkzeug at the same limit when a view reads it.
    """
    if request.method in REFUSED_METHODS:
        abort(405, valid_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    view = current_app.view_functions.get(request.endpoint or "")
    allowance = getattr(view, BODY_ALLOWANCE, None)
    if allowance is not None:
        request.max_content_length = allowance  # this request only; every reader follows it
        request.max_form_memory_size = allowance  # a form field may carry the checked file
    limit = request.max_content_length
    length = request.content_length
    if limit is not None and length is not None and length > limit:
        abort(413, f"The request body is larger than {limit} bytes.")


BODY_ALLOWANCE = "max_body_bytes"
F = TypeVar("F", bound=Callable[..., Any])


def allow_body(limit: int) -> Callable[[F], F]:
    """Let one view take bodies up to `limit` bytes instead of MAX_CONTENT_LENGTH (a file
    upload); the request guard reads the mark before anything reads the body."""

    def mark(view: F) -> F:
        setattr(view, BODY_ALLOWANCE, limit)
        return view

    return mark


def register_request_guard(app: Flask) -> None:
    """Run `_guard_request` before every other before-request hook (rate limits included)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _guard_request)


# Headers a browser script may send to the API and read from its answers.
CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "X-CSRF-TOKEN",
    "X-Request-ID",
)
CORS_EXPOSE_HEADERS = (
    "ETag",
    "Location",
    "Retry-After",
    "X-Request-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)


def cors_origins(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """CORS_ORIGINS as a list: comma-separated exact origins (`https://app.example.com`).

    Raises ConfigError for "*" (an allow-list is the point; and with CORS_SUPPORTS_CREDENTIALS
    the Fetch standard forbids a wildcard anyway) and for anything that is not an origin.
    """
    from api.config import ConfigError

    items = value.split(",") if isinstance(value, str) else list(value)
    origins = [item.strip().rstrip("/") for item in items if item.strip()]
    for origin in origins:
        if origin == "*":
            raise ConfigError("CORS_ORIGINS must list origins explicitly; '*' is refused")
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest:
            raise ConfigError(f"CORS_ORIGINS: {origin!r} is not an origin like https://host")
    return origins


def register_cors(app: Flask) -> None:
    """Answer cross-origin requests to /api/ from the CORS_ORIGINS allow-list only.

    An origin on the list gets Access-Control-Allow-Origin naming it; any other origin gets no
    CORS header at all, so the browser withholds the answer. Preflights are answered by
    flask-cors. Browser clients send the access token as a Bearer header, which needs no
    credentials mode; CORS_SUPPORTS_CREDENTIALS=true also lets listed origins use the cookie
    session (its state-changing requests still need the CSRF header).
    """
    from flask_cors import CORS

    origins = cors_origins(app.config.get("CORS_ORIGINS") or "")
    if not origins:
        return
    CORS(
        app,
        resources={r"/api/*": {"origins": origins}},
        supports_credentials=bool(app.config.get("CORS_SUPPORTS_CREDENTIALS")),
        allow_headers=list(CORS_ALLOW_HEADERS),
        expose_headers=list(CORS_EXPOSE_HEADERS),
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
        vary_header=True,
        always_send=False,  # no Origin header: not a CORS request, no CORS headers
    )


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to a signed 64-bit id: a larger number answers 404, not a 500.

    SQLite cannot bind an integer beyond 2**63 - 1 (OverflowError); no row has such an id anyway.
    """

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_id_converter(app: Flask) -> None:
    """Make `<int:...>` the bounded IdConverter; call before any route is added."""
    app.url_map.converters["int"] = IdConverter
