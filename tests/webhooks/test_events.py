"""Which changes write which event, with what data (the deliveries' bodies, not yet sent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from api.extensions import db
from api.incidents import jobs
from api.notifications.backends import ConsoleBackend
from api.webhooks.models import EventType, WebhookDelivery
from tests.incidents import factories

EVERY_EVENT = [e.value for e in EventType]


def _events() -> list[dict]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id))
    return [json.loads(row.body) for row in rows]


def test_task_and_comment_events(client, auth, make, webhook):
    webhook("https://93.184.215.14/in", EVERY_EVENT)
    admin, headers = auth.as_role("admin")
    worker = make.user(role="employee")
    make.project("OPS", members={worker: "member"})

    task = client.post(
        "/api/v1/tasks", json={"title": "Patch", "project": "OPS"}, headers=headers
    ).get_json()
    path = f"/api/v1/tasks/{task['id']}"
    assert client.patch(path, json={"title": "Patch now"}, headers=headers).status_code == 200
    assert client.patch(path, json={"title": "Patch now"}, headers=headers).status_code == 200
    assigned = client.put(f"{path}/assign", json={"assignee_ids": [worker.id]}, headers=headers)
    assert assigned.status_code == 200
    for status in ("in_progress", "completed"):
        moved = client.put(f"{path}/status", json={"status": status}, headers=headers)
        assert moved.status_code == 200
    comment = client.post(f"{path}/comments", json={"body": "Done **today**"}, headers=headers)
    assert comment.status_code == 201

    sent = _events()
    assert [e["type"] for e in sent] == [
        "task.created",
        "task.updated",  # the second, unchanged edit writes nothing
        "task.assigned",
        "task.updated",
        "task.completed",
        "comment.created",
    ]
    assert len({e["id"] for e in sent}) == len(sent)
    assert sent[0]["data"]["task"]["ref"] == task["ref"]
    assert sent[0]["data"]["actor"] == admin.username
    assert sent[1]["data"]["changes"] == {"title": ["Patch", "Patch now"]}
    assert sent[2]["data"]["changes"] == {"assignee_ids": [[], [worker.id]]}
    assert sent[3]["data"]["changes"] == {"status": ["pending", "in_progress"]}
    assert sent[4]["data"]["task"]["status"] == "completed"
    assert sent[5]["data"]["comment"]["body"] == "Done **today**"
    assert "email" not in json.dumps(sent) and "password" not in json.dumps(sent)


def test_incident_events(client, auth, webhook):
    webhook("https://93.184.215.14/in", EVERY_EVENT)
    _, headers = auth.as_role("admin")

    incident = client.post(
        "/api/v1/incidents",
        json={"title": "Database down", "severity": "critical", "visibility": "restricted"},
        headers=headers,
    ).get_json()
    path = f"/api/v1/incidents/{incident['public_id']}"
    assert client.post(f"{path}/responses", json={"body": "On it"}, headers=headers).status_code
    assert client.patch(path, json={"status": "investigating"}, headers=headers).status_code == 200
    assert client.patch(path, json={"severity": "high"}, headers=headers).status_code == 200

    sent = _events()
    assert [e["type"] for e in sent] == [
        "incident.reported",
        "incident.responded",
        "incident.status_changed",
    ]
    assert sent[0]["data"]["incident"]["severity"] == "critical"
    assert sent[0]["data"]["incident"]["url"].endswith(f"/incidents/{incident['public_id']}")
    assert sent[1]["data"]["response"]["body"] == "On it"
    assert sent[2]["data"]["changes"] == {"status": ["reported", "investigating"]}


def test_incident_escalated_is_a_valid_event_type(client, auth):
    _, headers = auth.as_role("admin")

    response = client.post(
        "/api/v1/webhooks",
        json={"url": "https://93.184.215.14/in", "events": ["incident.escalated"]},
        headers=headers,
    )

    assert response.status_code == 201
    assert response.get_json()["events"] == ["incident.escalated"]


def test_an_escalation_writes_incident_escalated_once_per_level(make, webhook):
    webhook("https://93.184.215.14/in", ["incident.escalated"])
    reporter = make.user(role="employee")
    make.user(role="manager")
    reported = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    incident = factories.incident(reporter=reporter, severity="critical", reported_at=reported)

    for minutes in (5, 5, 10, 10):  # each level due twice: the second run finds it taken
        jobs.run_escalations(now=reported + timedelta(minutes=minutes), backend=ConsoleBackend())

    sent = _events()
    assert [e["type"] for e in sent] == ["incident.escalated", "incident.escalated"]
    assert [e["data"]["escalation"]["level"] for e in sent] == [1, 2]
    assert sent[0]["data"]["escalation"]["notified"] == "managers"
    assert sent[1]["data"]["escalation"]["waited"] == 600
    assert sent[0]["data"]["incident"]["id"] == incident.public_id
    assert sent[0]["data"]["actor"] is None
