"""The admin's webhook pages: add (the secret shown once), edit, delete, deliveries and
redelivery of a dead letter."""

from __future__ import annotations

import sqlalchemy as sa

from api.extensions import db
from api.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from tests.route_matrix.webhooks import _delivery
from tests.web.conftest import WebClient

PUBLIC = "https://93.184.215.14/hooks"


def _admin(app, make) -> WebClient:
    return WebClient(app).sign_in(make.user(role="admin"))


def test_add_shows_the_secret_once(app, make):
    web = _admin(app, make)

    added = web.post(
        "/admin/webhooks",
        {"url": PUBLIC, "format": "slack", "events": ["task.created", "incident.reported"]},
    )

    assert added.status_code == 200
    [hook] = db.session.scalars(sa.select(Webhook)).all()
    page = added.get_data(as_text=True)
    assert hook.secret in page and "not shown again" in page
    assert hook.events == ["task.created", "incident.reported"] and hook.format == "slack"
    for path in ("/admin/webhooks", f"/admin/webhooks/{hook.id}", "/admin/webhooks/deliveries"):
        later = web.get(path)
        assert later.status_code == 200
        assert hook.secret not in later.get_data(as_text=True)


def test_add_refuses_bad_input_beside_the_fields(app, make):
    web = _admin(app, make)

    no_events = web.post("/admin/webhooks", {"url": PUBLIC, "format": "standard"})
    private = web.post(
        "/admin/webhooks",
        {"url": "http://10.0.0.1/x", "format": "standard", "events": ["task.created"]},
    )

    assert no_events.status_code == private.status_code == 422
    assert 'id="events-error"' in no_events.get_data(as_text=True)
    assert 'id="url-error"' in private.get_data(as_text=True)
    assert PUBLIC in no_events.get_data(as_text=True)  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Webhook)) == 0


def test_edit_events_and_delete(app, make, webhook):
    web = _admin(app, make)
    hook = webhook(PUBLIC, ["task.created"])

    saved = web.post(
        f"/admin/webhooks/{hook.id}",
        {"url": PUBLIC, "format": "standard", "events": ["comment.created"], "description": "x"},
    )
    emptied = web.post(
        f"/admin/webhooks/{hook.id}", {"url": PUBLIC, "format": "standard", "active": "1"}
    )

    assert saved.status_code == 302
    assert emptied.status_code == 422
    db.session.expire_all()
    stored = db.session.get(Webhook, hook.id)
    assert stored.events == ["comment.created"] and stored.active is False
    assert web.post(f"/admin/webhooks/{hook.id}/delete").status_code == 302
    assert db.session.get(Webhook, hook.id) is None


def test_dead_letters_show_the_last_answer_and_redeliver(app, make, webhook):
    web = _admin(app, make)
    hook = webhook(PUBLIC, ["incident.escalated"])
    dead = _delivery(hook, DeliveryStatus.DEAD, "pagedead")
    db.session.commit()

    page = web.get("/admin/webhooks/deliveries?status=dead")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "HTTP 500" in text and "Internal Server Error" in text and "Redeliver" in text
    redelivered = web.post(f"/admin/webhooks/deliveries/{dead}/redeliver")
    assert redelivered.status_code == 302
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, dead).status == DeliveryStatus.PENDING


def test_the_pages_are_for_admins(app, make):
    for role in ("employee", "manager"):
        web = WebClient(app).sign_in(make.user(role=role))
        assert web.get("/admin/webhooks").status_code == 403
        assert web.get("/admin/webhooks/deliveries").status_code == 403
        assert 'href="/admin/webhooks"' not in web.get("/dashboard").get_data(as_text=True)
    admin = _admin(app, make)
    assert 'href="/admin/webhooks"' in admin.get("/dashboard").get_data(as_text=True)
