"""The public status page, /status, and its Atom feed, /status.atom (RFC 4287).

No sign-in, and no session either: the blueprint is not one of the UI's (api.web.blueprints),
so no cookie is read or set and the page is the same for every viewer. That is what lets it be
cached by anyone for STATUS_CACHE_SECONDS (`Cache-Control: public`), with a strong ETag of the
body for If-None-Match (RFC 9110 §13.1.2). Rate limited per client address (api/limits.py).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from api.db import utcnow
from api.http_cache import body_etag
from api.status import queries

blp = Blueprint("status_web", __name__)

STATUS_CACHE_SECONDS = 30


def _cached(body: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(body_etag(response.get_data()))
    response.headers["Cache-Control"] = f"public, max-age={STATUS_CACHE_SECONDS}"
    return response.make_conditional(request)


@blp.get("/status")
def page():
    """Public incidents that are open or were resolved in the last 14 days, with their public
    updates; times in UTC, shown in the browser's zone by app.js."""
    return _cached(
        render_template(
            "status/page.html",
            incidents=queries.public_incidents(),
            recent_days=queries.RECENT_DAYS,
        ),
        "text/html",
    )


@blp.get("/status.atom")
def feed():
    """The same incidents as an Atom feed: one entry per incident, its public updates inside."""
    incidents = queries.public_incidents()
    updated = max((i.updated_at for i in incidents), default=None) or utcnow().replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return _cached(
        render_template("status/feed.xml", incidents=incidents, updated=updated),
        "application/atom+xml",
    )
