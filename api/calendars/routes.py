"""Calendar feed endpoints: the caller's feed URL (/api/v1/auth/me/calendar-token) and the feed
itself (/calendar/<token>.ics), which the token alone opens."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_smorest import Blueprint as ApiBlueprint

from api.calendars import schemas, service
from api.guards import current, login_required
from api.permissions import Capability

blp = ApiBlueprint(
    "calendar",
    __name__,
    url_prefix="/api/v1/auth/me/calendar-token",
    description="Personal calendar feed",
)
feed_blp = Blueprint("calendar_feed", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@blp.post("")
@login_required(Capability.CALENDAR_USE)
@blp.response(201, schemas.CalendarTokenRead)
def create_token():
    """Make a new calendar feed URL (replacing any earlier one, which stops working).

    The URL is answered once: only a digest of its token is kept. It serves the caller's open
    tasks with a deadline as iCalendar and opens nothing else.
    """
    token, created_at = service.create_token(actor=current())
    body = {"url": service.feed_url(token), "token": token, "created_at": created_at}
    return body, 201, NO_STORE


@blp.delete("")
@login_required(Capability.CALENDAR_USE)
@blp.response(204)
def revoke_token():
    """Revoke the caller's calendar feed URL (it answers 404 from then on); 204 also when
    there was none."""
    service.revoke_token(actor=current())


@feed_blp.get("/calendar/<token>.ics")
def feed(token: str) -> Response:
    """The feed of `token` as text/calendar (RFC 5545); 404 for a revoked or unknown token.
    Rate limited per client address (RATELIMIT_CALENDAR)."""
    body = service.feed(token=token)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="taskdesk.ics"',
            "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex",
        },
    )
