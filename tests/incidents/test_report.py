"""Reporting an incident: what is stored, the first timeline row, and refused input."""

from __future__ import annotations

import uuid

import pytest

from api.incidents.models import IncidentStatus, Severity, Visibility
from tests.incidents.helpers import activity_rows, incident_rows, snapshot

URL = "/api/v1/incidents"


@pytest.mark.parametrize("role", ["employee", "manager", "admin"])
def test_anyone_signed_in_reports(client, auth, db, role):
    user, headers = auth.as_role(role)

    r = client.post(
        URL,
        json={
            "title": "Checkout returns 500",
            "description": "Since 09:10 UTC, every card payment fails.",
            "severity": "high",
            "visibility": "restricted",
        },
        headers=headers,
    )

    assert r.status_code == 201, r.json
    body = r.json
    assert str(uuid.UUID(body["public_id"])) == body["public_id"]
    assert r.headers["Location"] == f"/api/v1/incidents/{body['public_id']}"
    assert r.headers["ETag"] == f'"incident-{body["public_id"]}-v1"'
    assert body["status"] == "reported"
    assert body["severity"] == "high" and body["visibility"] == "restricted"
    assert body["reporter"] == {"id": user.id, "username": user.username}
    assert body["assignee"] is None
    assert body["acknowledged_at"] is None and body["resolved_at"] is None
    assert body["reported_at"].endswith("+00:00")
    assert body["response_count"] == 0 and body["version"] == 1
    assert "id" not in body  # the integer key never leaves the server

    [row] = incident_rows()
    assert row.public_id == body["public_id"]
    assert row.reporter_id == user.id and row.assignee_id is None
    assert (row.status, row.severity, row.visibility) == (
        IncidentStatus.REPORTED,
        Severity.HIGH,
        Visibility.RESTRICTED,
    )
    assert row.description == "Since 09:10 UTC, every card payment fails."
    [entry] = activity_rows(row)
    assert entry.action == "reported" and entry.actor_id == user.id
    assert entry.changes == {
        "title": [None, "Checkout returns 500"],
        "severity": [None, "high"],
        "status": [None, "reported"],
        "visibility": [None, "restricted"],
    }


def test_defaults_are_medium_and_public(client, auth):
    _, headers = auth.as_role("employee")
    r = client.post(URL, json={"title": "Printer on fire"}, headers=headers)
    assert r.status_code == 201
    assert (r.json["severity"], r.json["visibility"], r.json["description"]) == (
        "medium",
        "public",
        "",
    )
    [row] = incident_rows()
    assert (row.severity, row.visibility) == (Severity.MEDIUM, Visibility.PUBLIC)


def test_limits_are_inclusive(client, auth):
    _, headers = auth.as_role("employee")
    r = client.post(URL, json={"title": "t" * 200, "description": "d" * 20_000}, headers=headers)
    assert r.status_code == 201
    [row] = incident_rows()
    assert len(row.title) == 200 and len(row.description) == 20_000


BAD_REPORTS = [
    ({}, "title", "Enter a title."),
    ({"title": ""}, "title", "Enter a title."),
    ({"title": "   "}, "title", "Enter a title."),
    ({"title": "t" * 201}, "title", "Title must be at most 200 characters."),
    ({"title": 7}, "title", "Title must be text."),
    ({"title": "ok", "description": "d" * 20_001}, "description", None),
    ({"title": "ok", "severity": "catastrophic"}, "severity", None),
    ({"title": "ok", "severity": None}, "severity", None),
    ({"title": "ok", "visibility": "secret"}, "visibility", None),
    ({"title": "ok", "status": "resolved"}, "status", "Unknown field."),
    ({"title": "ok", "reporter_id": 1}, "reporter_id", "Unknown field."),
    ({"title": "ok", "assignee_id": 1}, "assignee_id", "Unknown field."),
    ({"title": "ok", "public_id": str(uuid.uuid4())}, "public_id", "Unknown field."),
]


@pytest.mark.parametrize(("payload", "field", "message"), BAD_REPORTS)
def test_bad_report_is_refused_and_writes_nothing(client, auth, payload, field, message):
    _, headers = auth.as_role("employee")

    r = client.post(URL, json=payload, headers=headers)

    assert r.status_code == 422
    assert r.json["code"] == 422 and r.json["status"] == "Unprocessable Entity"
    assert list(r.json["errors"]["json"]) == [field]
    if message:
        assert r.json["errors"]["json"][field] == [message]
    assert snapshot() == {"incidents": [], "responses": [], "activity": []}


def test_body_that_is_not_json_is_refused(client, auth):
    _, headers = auth.as_role("employee")
    r = client.post(URL, data="{title", headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json["code"] == 400
    assert incident_rows() == []


def test_anonymous_cannot_report(client):
    r = client.post(URL, json={"title": "x"})
    assert r.status_code == 401
    assert incident_rows() == []
