"""The inbox page (mark one or all read, links to the task or incident) and the notification
preferences form of the profile page (HTML; the same service as /api/v1/notifications)."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from api.errors import Unprocessable
from api.inbox import service
from api.inbox.models import Channel, NotificationKind
from api.permissions import Capability, can
from api.web import forms
from api.web.session import current_web_user, page_login_required, web_user

log = logging.getLogger(__name__)
blp = Blueprint("inbox_web", __name__)

PAGE_SIZE = 25
KIND_LABELS = {
    NotificationKind.ASSIGNED: "A task is assigned to me",
    NotificationKind.MENTIONED: "Someone mentions me in a comment",
    NotificationKind.COMMENTED: "A comment on a task I watch",
    NotificationKind.STATUS_CHANGED: "A status change on a task I watch",
    NotificationKind.INCIDENT_REPORTED: "An incident is reported (managers and admins)",
    NotificationKind.INCIDENT_RESPONDED: "A response on my incident",
    NotificationKind.INCIDENT_STATUS: "A status change on my incident",
}
CHANNEL_LABELS = {
    Channel.BOTH: "In the app and by email",
    Channel.IN_APP: "In the app only",
    Channel.EMAIL: "By email only",
    Channel.OFF: "Off",
}
VERBS = {
    NotificationKind.ASSIGNED: "assigned you",
    NotificationKind.MENTIONED: "mentioned you on",
    NotificationKind.COMMENTED: "commented on",
    NotificationKind.STATUS_CHANGED: "changed the status of",
    NotificationKind.INCIDENT_REPORTED: "reported",
    NotificationKind.INCIDENT_RESPONDED: "responded to",
    NotificationKind.INCIDENT_STATUS: "changed the status of",
}


@blp.get("/inbox")
@page_login_required(Capability.INBOX_USE)
def index():
    """The person's notifications, newest first; `?unread=1` keeps the unread ones."""
    return _index_page()


def _index_page(status: int = 200):
    unread_only = request.args.get("unread") == "1"
    page_number = forms.as_int(request.args.get("page", "1"))
    page = service.list_notifications(
        actor=web_user(),
        unread=True if unread_only else None,
        page=page_number if isinstance(page_number, int) and 0 < page_number < 100_000 else 1,
        page_size=PAGE_SIZE,
    )
    return render_template(
        "inbox/index.html",
        page=page,
        unread_only=unread_only,
        verbs=VERBS,
        unread=service.unread_count(actor=web_user()),
    ), status


@blp.get("/inbox/<int:notification_id>")
@page_login_required(Capability.INBOX_USE)
def open_one(notification_id: int):
    """Mark one notification read and go to its task or incident (404 if it is not yours)."""
    row = service.open_notification(actor=web_user(), notification_id=notification_id)
    return redirect(row.path)


@blp.post("/inbox/read")
@page_login_required(Capability.INBOX_USE)
def mark_read():
    """Mark the notification named by `id`, or all of them with `all`, as read."""
    everything = request.form.get("all") == "1"
    ident = forms.as_int(request.form.get("id", ""))
    ids = [ident] if isinstance(ident, int) else []
    with forms.attempt(flash_refusal=True) as outcome:
        service.mark_read(actor=web_user(), ids=ids, everything=everything)
        flash("Marked as read.", "success")
        return redirect(url_for("inbox_web.index", unread=request.form.get("unread") or None))
    return _index_page(status=outcome.code)


def preference_rows(user_id: int) -> list[dict[str, object]]:
    """For the profile page: [{"kind", "label", "channel"}] in NotificationKind order."""
    chosen = service.preferences_of(user_id)
    return [
        {"kind": kind.value, "label": KIND_LABELS[kind], "channel": chosen[kind].value}
        for kind in NotificationKind
    ]


@blp.post("/profile/notifications")
@page_login_required(Capability.INBOX_USE)
def preferences():
    """Save where each kind of notification reaches the person."""
    changes = {}
    for kind in NotificationKind:
        value = request.form.get(f"pref_{kind.value}")
        if value is None:
            continue
        if value not in {c.value for c in Channel}:
            raise Unprocessable.field(
                f"pref_{kind.value}", f"Choose where “{KIND_LABELS[kind]}” reaches you."
            )
        changes[kind] = Channel(value)
    if not changes:
        raise Unprocessable("Choose where each kind of notification reaches you.")
    service.update_preferences(actor=web_user(), changes=changes)
    flash("Your notification preferences are saved.", "success")
    return redirect(url_for("auth_web.profile") + "#inbox-preferences")


@blp.app_context_processor
def _inbox_helpers() -> dict[str, object]:
    """Template helpers of every page: the navbar bell's count, the profile's preferences."""

    def unread_notifications() -> int:
        user = current_web_user()
        if user is None or not can(user, Capability.INBOX_USE):
            return 0
        try:
            return service.unread_count(actor=user)
        except SQLAlchemyError:  # an error page while the database is away still renders
            log.warning("unread count unavailable; the bell shows none", exc_info=True)
            return 0

    return {
        "unread_notifications": unread_notifications,
        "notification_preference_rows": preference_rows,
        "channel_labels": CHANNEL_LABELS,
    }
