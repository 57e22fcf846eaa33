"""Registering webhooks: admins only, https to public addresses outside development, the
secret shown once, clear 422s that change nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.extensions import db
from api.webhooks.models import Webhook, WebhookDelivery

PUBLIC = "https://93.184.215.14/hooks"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def admin(auth):
    return auth.as_role("admin")[1]


def test_the_secret_is_shown_once(client, admin):
    response = client.post(
        "/api/v1/webhooks",
        json={"url": PUBLIC, "events": ["task.created", "incident.reported"]},
        headers=admin,
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["events"] == ["task.created", "incident.reported"]
    assert body["format"] == "standard" and body["active"] is True
    assert response.headers["Location"] == f"/api/v1/webhooks/{body['id']}"
    stored = db.session.get(Webhook, body["id"])
    assert stored.secret == body["secret"]
    one = client.get(f"/api/v1/webhooks/{body['id']}", headers=admin)
    listed = client.get("/api/v1/webhooks", headers=admin)
    patched = client.patch(
        f"/api/v1/webhooks/{body['id']}", json={"description": "ops"}, headers=admin
    )
    for later in (one, listed, patched):
        assert later.status_code == 200
        assert "secret" not in later.get_data(as_text=True)
        assert body["secret"] not in later.get_data(as_text=True)


def test_two_webhooks_get_different_secrets(client, admin):
    secrets = {
        client.post(
            "/api/v1/webhooks", json={"url": PUBLIC, "events": ["task.created"]}, headers=admin
        ).get_json()["secret"]
        for _ in range(2)
    }
    assert len(secrets) == 2


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"url": "http://93.184.215.14/hooks", "events": ["task.created"]}, "url", "https"),
        ({"url": "ftp://93.184.215.14/hooks", "events": ["task.created"]}, "url", "https://"),
        ({"url": "https://10.0.0.7/hooks", "events": ["task.created"]}, "url", "private"),
        ({"url": "https://169.254.169.254/latest", "events": ["task.created"]}, "url", "private"),
        ({"url": "https://[::1]/hooks", "events": ["task.created"]}, "url", "private"),
        ({"url": "https://127.0.0.1/hooks", "events": ["task.created"]}, "url", "private"),
        ({"url": "https://[::ffff:127.0.0.1]/x", "events": ["task.created"]}, "url", "private"),
        ({"url": "https://192.168.1.1/hooks", "events": ["task.created"]}, "url", "private"),
        ({"url": "https://user:pw@93.184.215.14/", "events": ["task.created"]}, "url", "password"),
        ({"url": "https://", "events": ["task.created"]}, "url", "URL"),
        ({"url": PUBLIC, "events": []}, "events", "at least one"),
        ({"url": PUBLIC, "events": ["task.exploded"]}, "events", "task.created"),
        ({"url": PUBLIC}, "events", ""),
        ({"events": ["task.created"]}, "url", ""),
        ({"url": PUBLIC, "events": ["task.created"], "format": "teams"}, "format", ""),
    ],
)
def test_bad_input_answers_422_naming_the_field(client, admin, body, field, words):
    response = client.post("/api/v1/webhooks", json=body, headers=admin)

    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    assert field in errors
    assert words in str(errors[field])
    assert _count(Webhook) == 0


def test_a_name_resolving_to_loopback_is_refused(client, admin, dns):
    dns["hooks.example.test"] = "127.0.0.1"

    response = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.test/in", "events": ["task.created"]},
        headers=admin,
    )

    assert response.status_code == 422
    assert "127.0.0.1" in response.get_json()["errors"]["json"]["url"][0]
    assert _count(Webhook) == 0


def test_a_name_that_does_not_resolve_is_refused(client, admin):
    response = client.post(
        "/api/v1/webhooks",
        json={"url": "https://no-such-host.invalid/in", "events": ["task.created"]},
        headers=admin,
    )

    assert response.status_code == 422
    assert "could not be resolved" in response.get_json()["errors"]["json"]["url"][0]


def test_development_accepts_http_on_loopback(client, admin, development):
    response = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:8000/in", "events": ["comment.created"]},
        headers=admin,
    )

    assert response.status_code == 201
    assert db.session.get(Webhook, response.get_json()["id"]).url == "http://127.0.0.1:8000/in"


def test_edit_events_and_refuse_an_empty_list(client, admin, webhook):
    hook = webhook(PUBLIC, ["task.created"])

    changed = client.patch(
        f"/api/v1/webhooks/{hook.id}",
        json={"events": ["incident.escalated", "task.completed"], "format": "slack"},
        headers=admin,
    )
    emptied = client.patch(f"/api/v1/webhooks/{hook.id}", json={"events": []}, headers=admin)

    assert changed.status_code == 200
    assert changed.get_json()["events"] == ["task.completed", "incident.escalated"]
    assert emptied.status_code == 422
    assert "events" in emptied.get_json()["errors"]["json"]
    db.session.expire_all()
    stored = db.session.get(Webhook, hook.id)
    assert stored.event_types == "task.completed incident.escalated"
    assert stored.format == "slack"


def test_delete_takes_the_deliveries_along(client, admin, webhook, make):
    hook = webhook(PUBLIC, ["task.created"])
    make.task(created_by=make.user(role="manager"))
    from api.webhooks import events
    from api.webhooks.models import EventType

    events.emit(EventType.TASK_CREATED, {"task": {"id": 1}})
    db.session.commit()
    assert _count(WebhookDelivery) == 1

    response = client.delete(f"/api/v1/webhooks/{hook.id}", headers=admin)

    assert response.status_code == 204
    assert _count(Webhook) == 0 and _count(WebhookDelivery) == 0


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_only_admins_register(client, auth, role):
    _, headers = auth.as_role(role)

    response = client.post(
        "/api/v1/webhooks", json={"url": PUBLIC, "events": ["task.created"]}, headers=headers
    )

    assert response.status_code == 403
    assert _count(Webhook) == 0
