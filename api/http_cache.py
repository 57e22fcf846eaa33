"""HTTP caching of API reads: ETag, If-None-Match → 304, and Cache-Control (RFC 9111).

One after-request hook, not per-route code:

- A 200 JSON answer to GET or HEAD under /api/v1 gets a strong ETag, the SHA-256 of its body
  (RFC 9110 §8.8.3), unless the route set one already: GET /tasks/{id} names the task's version
  (`"task-<id>-v<version>"`), the same tag that If-Match on PATCH checks.
- When the request's If-None-Match matches that tag (weak comparison, RFC 9110 §13.1.2), the
  answer becomes 304 Not Modified with no body; the ETag and caching headers stay.
- Authenticated reads get `Cache-Control: private, no-cache` and `Vary: Authorization, Cookie`: a
  browser may keep them, must revalidate every time, and no shared cache stores them. Anything
  under /api/v1/auth/ other than a read (token pairs from login, refresh and password change) and
  the health and cron endpoints get `no-store`.

Register it before CORS: after-request hooks run in reverse order, so this one sees (and merges
into one header) the Vary that flask-cors adds.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, request

API_PREFIX = "/api/v1/"
NO_STORE_PREFIXES = ("/api/v1/health", "/api/v1/jobs/")
READS = ("GET", "HEAD")


def body_etag(body: bytes) -> str:
    """The strong entity tag of a response body: 32 hex digits of its SHA-256 (unquoted)."""
    return hashlib.sha256(body).hexdigest()[:32]


def _authenticated() -> bool:
    if request.headers.get("Authorization"):
        return True
    cookie = current_app.config.get("JWT_ACCESS_COOKIE_NAME", "access_token_cookie")
    return cookie in request.cookies


def _cache_control(response: Response) -> None:
    if "Cache-Control" in response.headers:
        return
    path = request.path
    if path.startswith(NO_STORE_PREFIXES) or (
        path.startswith(f"{API_PREFIX}auth/") and request.method not in READS
    ):
        response.headers["Cache-Control"] = "no-store"
    elif request.method in READS and _authenticated():
        response.headers["Cache-Control"] = "private, no-cache"
        _vary(response, "Authorization", "Cookie")


def _vary(response: Response, *names: str) -> None:
    """Merge every Vary line (flask-cors adds its own) and `names` into one header."""
    values: list[str] = []
    for line in response.headers.getlist("Vary"):
        values.extend(item.strip() for item in line.split(",") if item.strip())
    for name in names:
        values.append(name)
    if values:
        response.headers["Vary"] = ", ".join(dict.fromkeys(values))


def _conditional(response: Response) -> Response:
    if (
        request.method not in READS
        or response.status_code != 200
        or response.mimetype != "application/json"
        or response.direct_passthrough
        or request.path.startswith(NO_STORE_PREFIXES)
    ):
        return response
    if response.get_etag() == (None, None):
        response.set_etag(body_etag(response.get_data()))
    return response.make_conditional(request)


def register_http_caching(app: Flask) -> None:
    """Add ETags, 304 answers and Cache-Control to the API's responses."""

    @app.after_request
    def _http_caching(response: Response) -> Response:
        if not request.path.startswith(API_PREFIX):
            return response
        if app.config.get("CORS_ORIGINS"):
            _vary(response, "Origin")  # the CORS headers differ by Origin, whatever it is
        _cache_control(response)
        return _conditional(response)
