"""The admin's webhook pages: the webhooks (add — the secret shown once —, edit, delete) and
their deliveries, dead letters first to hand (redeliver)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.permissions import Capability
from api.web import forms
from api.web.session import page_login_required, web_user
from api.webhooks import schemas, service
from api.webhooks.models import DeliveryStatus, EventType, WebhookFormat

blp = Blueprint("webhooks_web", __name__, url_prefix="/admin/webhooks")

PAGE_SIZE = 25
FIELDS = ("url", "description", "format")
REDELIVERABLE = (DeliveryStatus.DEAD, DeliveryStatus.FAILED)


def _read() -> tuple[forms.Form, dict[str, Any]]:
    """The submitted form: its values to show again, and the raw input for the schema."""
    raw: dict[str, Any] = {name: request.form.get(name, "").strip() for name in FIELDS}
    raw["events"] = request.form.getlist("events")
    return forms.Form(dict(raw)), raw


def _options() -> dict[str, Any]:
    return {
        "event_types": list(EventType),
        "formats": [
            (f.value, "Slack message" if f == WebhookFormat.SLACK else "Standard JSON")
            for f in WebhookFormat
        ],
    }


@blp.route("", methods=["GET", "POST"])
@page_login_required(Capability.WEBHOOK_ADMIN)
def index():
    """Every webhook, and the form that adds one; a new webhook's secret is shown on the page
    that answers the form, and never again."""
    user = web_user()
    form, status, created = forms.Form({"format": "standard"}), 200, None
    if request.method == "POST":
        form, raw = _read()
        data = forms.load(form, schemas.WebhookIn(), raw)
        if data is not None:
            with forms.attempt(form):
                created = service.create(data=data, actor=user)
                form = forms.Form({"format": "standard"})
        status = 200 if created else 422
    return render_template(
        "webhooks/index.html",
        hooks=service.list_webhooks(actor=user),
        form=form,
        created=created,
        **_options(),
    ), status


@blp.route("/<int:webhook_id>", methods=["GET", "POST"])
@page_login_required(Capability.WEBHOOK_ADMIN)
def edit(webhook_id: int):
    """One webhook: change its URL, events, format or description; pause it."""
    user = web_user()
    hook = service.get_webhook(webhook_id=webhook_id, actor=user)
    form = forms.Form(
        {
            "url": hook.url,
            "description": hook.description,
            "format": hook.format.value,
            "events": hook.events,
            "active": hook.active,
        }
    )
    if request.method == "GET":
        return render_template("webhooks/edit.html", hook=hook, form=form, **_options())
    form, raw = _read()
    raw["active"] = forms.checkbox("active")
    form.values["active"] = raw["active"]
    data = forms.load(form, schemas.WebhookUpdate(), raw)
    if data is not None:
        with forms.attempt(form):
            service.update(webhook_id=webhook_id, changes=data, actor=user)
            flash("Webhook saved.", "success")
            return redirect(url_for("webhooks_web.index"))
    return render_template("webhooks/edit.html", hook=hook, form=form, **_options()), 422


@blp.post("/<int:webhook_id>/delete")
@page_login_required(Capability.WEBHOOK_ADMIN)
def delete(webhook_id: int):
    """Delete a webhook and its deliveries."""
    service.delete(webhook_id=webhook_id, actor=web_user())
    flash("Webhook deleted.", "success")
    return redirect(url_for("webhooks_web.index"))


@blp.get("/deliveries")
@page_login_required(Capability.WEBHOOK_ADMIN)
def deliveries():
    """Deliveries, newest first, filtered by status (dead: the dead letters)."""
    raw = {k: v for k in ("status", "webhook_id", "page") if (v := request.args.get(k, "").strip())}
    try:
        query = schemas.DeliveryQuery().load({**raw, "page_size": PAGE_SIZE})
    except ValidationError:
        query = schemas.DeliveryQuery().load({"page_size": PAGE_SIZE})
    user = web_user()
    page = service.list_deliveries(
        filters=service.DeliveryFilter(
            status=query.get("status"), webhook_id=query.get("webhook_id")
        ),
        actor=user,
        page=query["page"],
        page_size=query["page_size"],
    )
    hooks = {hook.id: hook for hook in service.list_webhooks(actor=user)}
    return render_template(
        "webhooks/deliveries.html",
        page=page,
        query=query,
        hooks=hooks,
        statuses=list(DeliveryStatus),
        redeliverable=REDELIVERABLE,
    )


@blp.post("/deliveries/<int:delivery_id>/redeliver")
@page_login_required(Capability.WEBHOOK_ADMIN)
def redeliver(delivery_id: int):
    """Send a dead or failed delivery again."""
    with forms.attempt(flash_refusal=True):
        service.redeliver(delivery_id=delivery_id, actor=web_user())
        flash("Delivery queued again; it is tried within minutes.", "success")
    return redirect(url_for("webhooks_web.deliveries"))
