"""Delivering webhooks to a receiver on 127.0.0.1: Standard Webhooks signatures checked with
the `standardwebhooks` package, retries with backoff, the dead letter after 24 h (the job's
clock moved, no sleeping), redirects not followed, DNS rebinding refused at delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook as Verifier

from api.db import unit_of_work, utcnow
from api.extensions import db
from api.jobs import JOBS
from api.webhooks import delivery, events
from api.webhooks.models import DeliveryStatus, EventType, WebhookDelivery


def _rows() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _run(at=None) -> dict:
    return JOBS["outbox"](now=at)["webhooks"]


def _create_task(client, auth, title: str = "Rotate the keys") -> dict:
    _, headers = auth.as_role("admin")
    response = client.post("/api/v1/tasks", json={"title": title}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_signed_delivery_verifies_with_standardwebhooks(
    client, auth, receiver, webhook, development
):
    hook = webhook(receiver.url, ["task.created"])
    task = _create_task(client, auth)
    [row] = _rows()
    assert row.status == DeliveryStatus.PENDING  # written with the task, not yet sent

    assert _run() == {"claimed": 1, "delivered": 1, "failed": 0, "dead": 0, "lost": 0}

    [request] = receiver.requests
    payload = Verifier(hook.secret).verify(request.body, request.headers)
    assert payload["type"] == "task.created"
    assert payload["id"] == request.headers["webhook-id"] == row.message_id
    assert payload["created_at"].endswith("Z")
    assert payload["data"]["task"]["id"] == task["id"]
    assert payload["data"]["task"]["title"] == "Rotate the keys"
    assert payload["data"]["task"]["url"].endswith(f"/tasks/{task['id']}")
    assert request.headers["Content-Type"] == "application/json"
    with pytest.raises(Exception, match="signature"):
        Verifier(hook.secret).verify(request.body.replace(b"Rotate", b"Delete"), request.headers)
    [row] = _rows()
    assert row.status == DeliveryStatus.DELIVERED and row.attempts == 1
    assert row.last_status == 200 and row.delivered_at is not None


def test_only_subscribed_active_webhooks_get_the_event(
    client, auth, receiver, webhook, development
):
    webhook(receiver.url, ["incident.reported"])
    webhook(receiver.url, ["task.created"], active=False)
    _create_task(client, auth)

    assert _rows() == []


def test_a_500_is_retried_then_dead_lettered_after_24_hours(
    client, auth, receiver, webhook, development
):
    hook = webhook(receiver.url, ["task.created"])
    _create_task(client, auth)
    receiver.status = 500
    start = utcnow()

    first = _run(start)
    [row] = _rows()
    assert first["failed"] == 1
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1
    assert row.last_status == 500 and row.last_response.startswith("receiver says: boom")
    assert len(row.last_response) <= 1000
    assert start < row.next_attempt_at <= start + timedelta(seconds=60)  # base 30 s * 2

    assert _run(start)["claimed"] == 0  # not due again within the same run's time
    second = _run(row.next_attempt_at)
    assert second["failed"] == 1 and len(receiver.requests) == 2
    assert {r.headers["webhook-id"] for r in receiver.requests} == {row.message_id}

    last = _run(start + timedelta(hours=24, seconds=1))
    [row] = _rows()
    assert last["dead"] == 1 and len(receiver.requests) == 3
    assert row.status == DeliveryStatus.DEAD and row.attempts == 3
    assert _run(start + timedelta(days=3))["claimed"] == 0
    for request in receiver.requests:  # each retry is signed anew, and verifies
        Verifier(hook.secret).verify(request.body, request.headers)

    _, admin = auth.as_role("admin")
    dead = client.get("/api/v1/webhooks/deliveries?status=dead", headers=admin).get_json()
    assert [(d["id"], d["last_status"]) for d in dead["items"]] == [(row.id, 500)]
    assert dead["items"][0]["last_response"].startswith("receiver says: boom")

    receiver.status = 204
    again = client.post(f"/api/v1/webhooks/deliveries/{row.id}/redeliver", headers=admin)
    assert again.status_code == 200 and again.get_json()["status"] == "pending"
    assert _run()["delivered"] == 1
    [row] = _rows()
    assert row.status == DeliveryStatus.DELIVERED and len(receiver.requests) == 4
    assert receiver.requests[-1].headers["webhook-id"] == row.message_id


def test_the_retry_schedule_never_passes_the_24_hour_window(app, receiver, webhook, development):
    webhook(receiver.url, ["task.created"])
    receiver.status = 503
    events.emit(EventType.TASK_CREATED, {"task": {"id": 7}})
    db.session.commit()
    [row] = _rows()
    at = utcnow()
    for _ in range(30):
        if _run(at)["claimed"] == 0:
            break
        [row] = _rows()
        assert row.next_attempt_at <= row.retry_until
        at = max(row.next_attempt_at, at)
    assert row.status == DeliveryStatus.DEAD
    assert row.retry_until - row.created_at == timedelta(hours=24)


def test_redirects_are_not_followed(app, receiver, webhook, development):
    receiver.status, receiver.location = 302, f"http://127.0.0.1:{receiver.port}/elsewhere"
    webhook(receiver.url, ["task.created"])
    events.emit(EventType.TASK_CREATED, {"task": {"id": 1}})
    db.session.commit()

    assert _run()["failed"] == 1

    assert [r.path for r in receiver.requests] == ["/hooks/taskdesk"]
    [row] = _rows()
    assert row.status == DeliveryStatus.FAILED and row.last_status == 302


def test_a_rolled_back_change_writes_no_delivery(app, receiver, webhook, development):
    webhook(receiver.url, ["task.created"])

    with pytest.raises(RuntimeError), unit_of_work():
        assert events.emit(EventType.TASK_CREATED, {"task": {"id": 1}}) == 1
        raise RuntimeError("the change fails after the event was written")

    assert _rows() == []
    assert not db.session.info.get(events.QUEUED) and not db.session.info.get(events.COMMITTED)
    assert _run()["claimed"] == 0 and receiver.requests == []


def test_a_refused_task_writes_no_delivery(client, auth, receiver, webhook, development):
    webhook(receiver.url, ["task.created"])
    _, headers = auth.as_role("admin")

    response = client.post("/api/v1/tasks", json={"title": "x", "project": "NOPE"}, headers=headers)

    assert response.status_code in (404, 422)
    assert _rows() == []


def test_dns_rebinding_is_refused_at_delivery(app, receiver, webhook, dns):
    """Registered while the name pointed at a public address; at delivery it points at
    127.0.0.1: nothing is sent, the attempt fails with the reason."""
    dns["hooks.example.test"] = "93.184.215.14"
    webhook(f"https://hooks.example.test:{receiver.port}/hooks/taskdesk", ["task.created"])
    events.emit(EventType.TASK_CREATED, {"task": {"id": 1}})
    db.session.commit()
    dns["hooks.example.test"] = "127.0.0.1"

    assert _run()["failed"] == 1

    assert receiver.requests == []
    [row] = _rows()
    assert row.last_status is None
    assert row.last_response.startswith("Refused:") and "127.0.0.1" in row.last_response


@pytest.mark.parametrize("address", ["10.1.2.3", "169.254.169.254", "::1", "127.0.0.1"])
def test_a_private_ip_url_is_refused_at_delivery_outside_development(
    app, receiver, webhook, address
):
    host = f"[{address}]" if ":" in address else address
    webhook(f"https://{host}:{receiver.port}/x", ["task.created"])
    events.emit(EventType.TASK_CREATED, {"task": {"id": 1}})
    db.session.commit()

    assert _run()["failed"] == 1

    [row] = _rows()
    assert row.last_response.startswith("Refused:") and receiver.requests == []


def test_delivery_connects_to_the_address_it_checked(app, receiver, webhook, dns, development):
    """The name is resolved once, checked, and the connection goes to that address with the
    name in the Host header."""
    dns["receiver.example.test"] = "127.0.0.1"
    webhook(f"http://receiver.example.test:{receiver.port}/in", ["task.created"])
    events.emit(EventType.TASK_CREATED, {"task": {"id": 1}})
    db.session.commit()

    assert _run()["delivered"] == 1

    [request] = receiver.requests
    assert request.headers["Host"] == f"receiver.example.test:{receiver.port}"


def test_slack_format_sends_text_with_a_link(client, auth, receiver, webhook, development):
    hook = webhook(receiver.url, ["task.created"], format="slack")
    task = _create_task(client, auth, title="Fix <the> login & signup")

    assert _run()["delivered"] == 1

    [request] = receiver.requests
    body = Verifier(hook.secret).verify(request.body, request.headers)
    assert list(body) == ["text"]
    assert f"/tasks/{task['id']}|" in body["text"]
    assert "Fix &lt;the&gt; login &amp; signup" in body["text"]
    assert "task.created" in body["text"]


def test_after_commit_the_request_delivers_at_once(
    app, client, auth, receiver, webhook, development, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_SEND_AFTER_COMMIT", True)
    webhook(receiver.url, ["task.created"])

    _create_task(client, auth)

    assert len(receiver.requests) == 1
    [row] = _rows()
    assert row.status == DeliveryStatus.DELIVERED
    assert _run()["claimed"] == 0


def test_two_overlapping_runs_deliver_each_event_once(app, receiver, webhook, development):
    """A second run starts while the first is delivering: it finds every row held."""
    from tests.notifications.test_leases import in_another_worker

    webhook(receiver.url, ["task.created"])
    webhook(receiver.url, ["task.created"])
    for n in range(5):
        events.emit(EventType.TASK_CREATED, {"task": {"id": n}})
    db.session.commit()
    overlaps: list[dict] = []
    real_post = delivery.targets.post

    def post_and_overlap(*args, **kwargs):
        if len(receiver.requests) == 3:
            overlaps.append(in_another_worker(app, lambda: _run()))
        return real_post(*args, **kwargs)

    delivery.targets.post = post_and_overlap
    try:
        first = _run()
    finally:
        delivery.targets.post = real_post

    assert overlaps == [{"claimed": 0, "delivered": 0, "failed": 0, "dead": 0, "lost": 0}]
    assert first["delivered"] == 10
    keys = [(r.headers["webhook-id"], r.path) for r in receiver.requests]
    assert len(receiver.requests) == 10
    assert len({r.headers["webhook-signature"] for r in receiver.requests}) == 10
    assert len(set(keys)) == 5  # five events, each once to each of the two webhooks
    assert {row.status for row in _rows()} == {DeliveryStatus.DELIVERED}
