"""The caller's notifications under /api/v1/notifications."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.guards import current, login_required
from api.inbox import schemas, service
from api.permissions import Capability

blp = Blueprint(
    "inbox", __name__, url_prefix="/api/v1/notifications", description="In-app notifications"
)


def _plain(preferences: dict) -> dict[str, object]:
    return {kind.value: channel for kind, channel in preferences.items()}


@blp.get("")
@login_required(Capability.INBOX_USE)
@blp.arguments(schemas.NotificationQuery(), location="query")
@blp.response(200, schemas.NotificationPage)
def list_notifications(query: dict):
    """Your notifications, newest first (`unread=true` for the unread ones), paginated."""
    return service.list_notifications(
        actor=current(),
        unread=query.get("unread"),
        page=query["page"],
        page_size=query["page_size"],
    )


@blp.post("/read")
@login_required(Capability.INBOX_USE)
@blp.arguments(schemas.MarkRead())
@blp.response(200, schemas.UnreadCount)
def mark_read(data: dict):
    """Mark some (`ids`) or all (`all: true`) of your notifications read; the unread count."""
    unread = service.mark_read(
        actor=current(), ids=data.get("ids"), everything=bool(data.get("all"))
    )
    return {"unread": unread}


@blp.get("/unread-count")
@login_required(Capability.INBOX_USE)
@blp.response(200, schemas.UnreadCount)
def unread_count():
    """How many of your notifications are unread."""
    return {"unread": service.unread_count(actor=current())}


@blp.get("/preferences")
@login_required(Capability.INBOX_USE)
@blp.response(200, schemas.Preferences)
def get_preferences():
    """Where each kind of notification reaches you: in_app, email, both or off."""
    return _plain(service.get_preferences(actor=current()))


@blp.patch("/preferences")
@login_required(Capability.INBOX_USE)
@blp.arguments(schemas.Preferences())
@blp.response(200, schemas.Preferences)
def update_preferences(data: dict):
    """Change where some kinds of notification reach you; the others keep their setting."""
    return _plain(service.update_preferences(actor=current(), changes=data))
