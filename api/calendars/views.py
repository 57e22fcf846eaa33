"""The calendar feed on the profile page: make (or replace) the URL, see it once, revoke it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, session, url_for

from api.calendars import service
from api.permissions import Capability
from api.web.session import page_login_required, web_user

blp = Blueprint("calendars_web", __name__, url_prefix="/profile/calendar")
SHOW_ONCE = "calendar_url"  # the new URL, carried to the next page and dropped there


def _back():
    return redirect(url_for("auth_web.profile") + "#calendar")


@blp.app_template_global()
def calendar_card() -> dict[str, Any]:
    """What the profile's calendar card shows: whether a URL exists (`created_at`, UTC) and,
    right after it was made, the URL itself (`url`; shown this once, then forgotten)."""
    user = web_user()
    row = service.current_token(actor=user) if user is not None else None
    return {
        "created_at": row.created_at if row is not None else None,
        "url": session.pop(SHOW_ONCE, None),
    }


@blp.post("")
@page_login_required(Capability.CALENDAR_USE)
def create():
    """Make a new calendar URL (the earlier one stops working) and show it once."""
    token, _created = service.create_token(actor=web_user())
    session[SHOW_ONCE] = service.feed_url(token)
    flash("Your calendar URL is ready: copy it now, it is shown only this once.", "success")
    return _back()


@blp.post("/revoke")
@page_login_required(Capability.CALENDAR_USE)
def revoke():
    """Revoke the calendar URL: calendars that subscribed to it stop updating."""
    if service.revoke_token(actor=web_user()):
        flash("Your calendar URL is revoked.", "success")
    return _back()
