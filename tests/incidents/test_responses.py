"""Responses: create, list (oldest first, paginated), refused input."""

from __future__ import annotations

import uuid

import pytest

from tests.incidents import factories
from tests.incidents.helpers import activity_rows, response_rows, snapshot


@pytest.fixture
def incident(cast):
    return factories.incident(reporter=cast["reporter"], assignee=cast["assignee"])


def test_respond_and_list(client, cast, incident):
    url = f"/api/v1/incidents/{incident.public_id}/responses"
    r = client.post(url, json={"body": "Restarted the worker."}, headers=cast.headers["assignee"])
    assert r.status_code == 201
    assert r.json["body"] == "Restarted the worker."
    assert r.json["author"] == {"id": cast["assignee"].id, "username": "assignee"}
    assert r.json["created_at"].endswith("+00:00")
    [row] = response_rows()
    assert (row.id, row.incident_id, row.author_id) == (
        r.json["id"],
        incident.id,
        cast["assignee"].id,
    )
    [entry] = activity_rows(incident)
    assert entry.action == "responded" and entry.actor_id == cast["assignee"].id
    assert entry.changes == {"response_id": [None, row.id]}

    client.post(url, json={"body": "Queue drained."}, headers=cast.headers["bystander"])
    client.post(url, json={"body": "x" * 10_000}, headers=cast.headers["reporter"])

    r = client.get(f"{url}?page_size=2", headers=cast.headers["reporter"])
    assert r.status_code == 200
    assert [x["body"] for x in r.json["items"]] == ["Restarted the worker.", "Queue drained."]
    assert (r.json["total"], r.json["pages"]) == (3, 2)
    r = client.get(f"{url}?page=2&page_size=2", headers=cast.headers["reporter"])
    assert [x["author"]["username"] for x in r.json["items"]] == ["reporter"]

    r = client.get(f"/api/v1/incidents/{incident.public_id}", headers=cast.headers["reporter"])
    assert r.json["response_count"] == 3
    assert r.json["version"] == 1  # responding does not edit the incident


def test_responses_of_other_incidents_are_not_listed(client, cast, incident):
    other = factories.incident(reporter=cast["bystander"])
    factories.response(other, cast["bystander"], "Elsewhere.")
    r = client.get(
        f"/api/v1/incidents/{incident.public_id}/responses", headers=cast.headers["reporter"]
    )
    assert r.json["items"] == [] and r.json["total"] == 0


BAD_RESPONSES = [
    ({}, "body"),
    ({"body": ""}, "body"),
    ({"body": " \n "}, "body"),
    ({"body": "x" * 10_001}, "body"),
    ({"body": None}, "body"),
    ({"body": 12}, "body"),
    ({"body": "ok", "author_id": 1}, "author_id"),
    ({"body": "ok", "created_at": "2026-01-01T00:00:00+00:00"}, "created_at"),
]


@pytest.mark.parametrize(("payload", "field"), BAD_RESPONSES)
def test_bad_response_is_refused_and_writes_nothing(client, cast, incident, payload, field):
    before = snapshot()
    r = client.post(
        f"/api/v1/incidents/{incident.public_id}/responses",
        json=payload,
        headers=cast.headers["manager"],
    )
    assert r.status_code == 422
    assert list(r.json["errors"]["json"]) == [field]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("public_id", "code"), [("nope", 422), ("1", 422), (str(uuid.uuid4()), 404)]
)
def test_respond_to_a_bad_or_unknown_id(client, cast, incident, public_id, code):
    before = snapshot()
    r = client.post(
        f"/api/v1/incidents/{public_id}/responses",
        json={"body": "Hello"},
        headers=cast.headers["admin"],
    )
    assert r.status_code == code
    if code == 422:
        assert r.json["errors"] == {"path": {"public_id": ["That is not an incident id."]}}
    assert snapshot() == before


def test_bad_page_query(client, cast, incident):
    r = client.get(
        f"/api/v1/incidents/{incident.public_id}/responses?page_size=101",
        headers=cast.headers["admin"],
    )
    assert r.status_code == 422
    assert list(r.json["errors"]["query"]) == ["page_size"]
