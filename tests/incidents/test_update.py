"""PATCH /incidents/{public_id}: who may change which field, If-Match, refused input, timeline."""

from __future__ import annotations

import uuid

import pytest

from api.incidents.models import IncidentStatus, Severity, Visibility
from tests.incidents import factories
from tests.incidents.helpers import activity_rows, incident_rows, snapshot


def _url(incident) -> str:
    return f"/api/v1/incidents/{incident.public_id}"


@pytest.fixture
def incident(cast):
    return factories.incident(
        reporter=cast["reporter"], assignee=cast["assignee"], title="Mail queue stuck"
    )


# field -> value to send; who may change it while the incident is `reported`.
FIELD_RULES = [
    ("title", "Mail queue stuck again", {"reporter", "manager", "admin"}),
    ("description", "Since the deploy.", {"reporter", "manager", "admin"}),
    ("visibility", "restricted", {"reporter", "manager", "admin"}),
    ("severity", "critical", {"assignee", "manager", "admin"}),
    ("status", "investigating", {"assignee", "manager", "admin"}),
    ("assignee_id", "bystander", {"assignee", "manager", "admin"}),
]


@pytest.mark.parametrize(
    ("field", "value", "allowed", "caller"),
    [
        (f, v, a, c)
        for f, v, a in FIELD_RULES
        for c in ("reporter", "assignee", "bystander", "manager", "admin")
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_who_may_change_what(client, cast, incident, field, value, allowed, caller):
    if field == "assignee_id":
        value = cast[value].id
    before = snapshot()

    r = client.patch(_url(incident), json={field: value}, headers=cast.headers[caller])

    [row] = incident_rows()
    if caller in allowed:
        assert r.status_code == 200, r.json
        stored = getattr(row, field)
        assert (stored.value if hasattr(stored, "value") else stored) == value
        assert row.version == 2 and r.json["version"] == 2
        assert r.headers["ETag"] == row.etag
        [entry] = activity_rows(row)
        assert entry.actor_id == cast[caller].id
        assert entry.changes[field][1] == value
    else:
        assert r.status_code == 403
        assert r.json["message"] == f"You may not change: {field}."
        assert snapshot() == before


@pytest.mark.parametrize("field", ["title", "description", "visibility"])
@pytest.mark.parametrize("status", [IncidentStatus.INVESTIGATING, IncidentStatus.RESOLVED])
def test_reporter_edits_the_report_only_while_reported(client, cast, field, status):
    incident = factories.incident(reporter=cast["reporter"], status=status)
    value = {"title": "New title", "description": "More detail", "visibility": "restricted"}[field]
    before = snapshot()

    r = client.patch(_url(incident), json={field: value}, headers=cast.headers["reporter"])

    assert r.status_code == 409
    assert "only while the incident is reported" in r.json["message"]
    assert r.json["errors"] == {"json": {field: ["The incident is no longer reported."]}}
    assert snapshot() == before

    r = client.patch(_url(incident), json={field: value}, headers=cast.headers["manager"])
    assert r.status_code == 200 and r.json[field] == value


def test_unchanged_values_are_not_changes(client, cast, incident):
    """Sending back what the incident holds needs no right and writes nothing."""
    before = snapshot()
    r = client.patch(
        _url(incident),
        json={"title": "Mail queue stuck", "severity": "medium", "status": "reported"},
        headers=cast.headers["bystander"],
    )
    assert r.status_code == 200 and r.json["version"] == 1
    assert snapshot() == before


def test_one_patch_writes_one_row_per_kind_of_change(client, cast, incident):
    r = client.patch(
        _url(incident),
        json={
            "title": "Mail queue stuck for EU",
            "severity": "high",
            "assignee_id": cast["bystander"].id,
            "status": "investigating",
        },
        headers=cast.headers["manager"],
    )
    assert r.status_code == 200
    assert r.json["assignee"] == {"id": cast["bystander"].id, "username": "bystander"}
    [row] = incident_rows()
    assert row.version == 2  # one flush, one version step
    entries = activity_rows(row)
    assert [e.action for e in entries] == ["updated", "assigned", "status_changed"]
    assert all(e.actor_id == cast["manager"].id for e in entries)
    assert entries[0].changes == {
        "title": ["Mail queue stuck", "Mail queue stuck for EU"],
        "severity": ["medium", "high"],
    }
    assert entries[1].changes == {"assignee_id": [cast["assignee"].id, cast["bystander"].id]}
    assert entries[2].changes["status"] == ["reported", "investigating"]
    assert entries[2].changes["acknowledged_at"][0] is None

    r = client.get(f"{_url(incident)}/activity", headers=cast.headers["reporter"])
    assert [(a["action"], a["actor"]["username"]) for a in r.json] == [
        ("updated", "manager"),
        ("assigned", "manager"),
        ("status_changed", "manager"),
    ]
    assert r.json[0]["changes"]["severity"] == ["medium", "high"]


def test_assignee_hands_over_and_unassign(client, cast, incident):
    r = client.patch(
        _url(incident), json={"assignee_id": cast["manager"].id}, headers=cast.headers["assignee"]
    )
    assert r.status_code == 200 and r.json["assignee"]["username"] == "manager"
    # The former assignee has no right left on the incident.
    r = client.patch(_url(incident), json={"severity": "low"}, headers=cast.headers["assignee"])
    assert r.status_code == 403
    r = client.patch(_url(incident), json={"assignee_id": None}, headers=cast.headers["admin"])
    assert r.status_code == 200 and r.json["assignee"] is None
    [row] = incident_rows()
    assert row.assignee_id is None and row.severity == Severity.MEDIUM


def test_if_match(client, cast, incident):
    etag = client.get(_url(incident), headers=cast.headers["manager"]).headers["ETag"]
    assert etag == f'"incident-{incident.public_id}-v1"'

    r = client.patch(
        _url(incident),
        json={"severity": "high"},
        headers={**cast.headers["manager"], "If-Match": etag},
    )
    assert r.status_code == 200 and r.headers["ETag"] == f'"incident-{incident.public_id}-v2"'

    before = snapshot()
    r = client.patch(
        _url(incident),
        json={"severity": "low"},
        headers={**cast.headers["admin"], "If-Match": etag},
    )
    assert r.status_code == 412
    assert r.json["code"] == 412 and "changed since you read it" in r.json["message"]
    assert snapshot() == before
    assert incident_rows()[0].severity == Severity.HIGH

    r = client.patch(
        _url(incident), json={"severity": "low"}, headers={**cast.headers["admin"], "If-Match": "*"}
    )
    assert r.status_code == 200 and r.json["severity"] == "low"


BAD_UPDATES = [
    ({"title": ""}, "title"),
    ({"title": "  "}, "title"),
    ({"title": "t" * 201}, "title"),
    ({"description": "d" * 20_001}, "description"),
    ({"severity": "catastrophic"}, "severity"),
    ({"status": "closed"}, "status"),
    ({"visibility": "secret"}, "visibility"),
    ({"assignee_id": 0}, "assignee_id"),
    ({"assignee_id": "bob"}, "assignee_id"),
    ({"reporter_id": 1}, "reporter_id"),
    ({"public_id": str(uuid.uuid4())}, "public_id"),
    ({"reported_at": "2026-01-01T00:00:00+00:00"}, "reported_at"),
]


@pytest.mark.parametrize(("payload", "field"), BAD_UPDATES)
def test_bad_update_is_refused_and_writes_nothing(client, cast, incident, payload, field):
    before = snapshot()
    r = client.patch(_url(incident), json=payload, headers=cast.headers["admin"])
    assert r.status_code == 422
    assert list(r.json["errors"]["json"]) == [field]
    assert snapshot() == before


@pytest.mark.parametrize("who", ["missing", "pending", "disabled"])
def test_assignee_must_be_an_active_user(client, cast, make, incident, who):
    user_id = 999_999 if who == "missing" else make.user(status=who).id
    before = snapshot()
    r = client.patch(_url(incident), json={"assignee_id": user_id}, headers=cast.headers["manager"])
    assert r.status_code == 422
    assert r.json["errors"] == {
        "json": {"assignee_id": ["Choose an active person as the assignee."]}
    }
    assert snapshot() == before


def test_a_refused_field_refuses_the_whole_patch(client, cast, incident):
    """The reporter may change the title but not the severity: nothing is written."""
    before = snapshot()
    r = client.patch(
        _url(incident),
        json={"title": "Changed", "severity": "low"},
        headers=cast.headers["reporter"],
    )
    assert r.status_code == 403 and r.json["message"] == "You may not change: severity."
    assert snapshot() == before


def test_malformed_and_unknown_ids(client, cast, incident):
    before = snapshot()
    r = client.patch(
        "/api/v1/incidents/12345", json={"severity": "low"}, headers=cast.headers["admin"]
    )
    assert r.status_code == 422
    assert r.json["errors"] == {"path": {"public_id": ["That is not an incident id."]}}
    r = client.patch(
        f"/api/v1/incidents/{uuid.uuid4()}", json={"severity": "low"}, headers=cast.headers["admin"]
    )
    assert r.status_code == 404
    assert snapshot() == before


def test_restricting_hides_from_bystander(client, cast, incident):
    assert client.get(_url(incident), headers=cast.headers["bystander"]).status_code == 200
    r = client.patch(
        _url(incident), json={"visibility": "restricted"}, headers=cast.headers["reporter"]
    )
    assert r.status_code == 200
    assert incident_rows()[0].visibility == Visibility.RESTRICTED
    assert client.get(_url(incident), headers=cast.headers["bystander"]).status_code == 404
