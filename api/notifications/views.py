"""The admin's email outbox page: what was sent, what failed, and requeueing dead mail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.notifications import service
from api.notifications.models import EmailKind, OutboxStatus
from api.notifications.schemas import OutboxQuery
from api.permissions import Capability
from api.web.forms import attempt
from api.web.session import page_login_required, web_user

blp = Blueprint("outbox_web", __name__, url_prefix="/admin/outbox")

PAGE_SIZE = 25


@blp.get("")
@page_login_required(Capability.OUTBOX_ADMIN)
def index():
    """The outbox, newest first, filtered by status or kind."""
    raw = {
        k: v
        for k in ("status", "kind", "recipient", "page")
        if (v := request.args.get(k, "").strip())
    }
    try:
        query = OutboxQuery().load({**raw, "page_size": PAGE_SIZE})
    except ValidationError:
        query = OutboxQuery().load({"page_size": PAGE_SIZE})
    page = service.list_outbox(
        filters=service.OutboxFilter(
            status=query.get("status"), kind=query.get("kind"), recipient=query.get("recipient")
        ),
        actor=web_user(),
        page=query["page"],
        page_size=query["page_size"],
    )
    return render_template(
        "notifications/outbox.html",
        page=page,
        query=query,
        statuses=list(OutboxStatus),
        kinds=list(EmailKind),
        requeueable=(OutboxStatus.DEAD, OutboxStatus.FAILED),
    )


@blp.get("/<int:outbox_id>")
@page_login_required(Capability.OUTBOX_ADMIN)
def email(outbox_id: int):
    """One email: envelope, status, subject and text body."""
    row = service.get_email(outbox_id=outbox_id, actor=web_user())
    return render_template(
        "notifications/email.html", row=row, requeueable=(OutboxStatus.DEAD, OutboxStatus.FAILED)
    )


@blp.post("/<int:outbox_id>/requeue")
@page_login_required(Capability.OUTBOX_ADMIN)
def requeue(outbox_id: int):
    """Give a dead or failed email a fresh set of attempts."""
    with attempt(flash_refusal=True):
        row = service.requeue(outbox_id=outbox_id, actor=web_user())
        flash(f"Email to {row.recipient} requeued.", "success")
    return redirect(url_for("outbox_web.index"))
