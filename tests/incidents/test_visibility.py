"""Who sees an incident: the reporter, the assignee, another employee, a manager and an admin,
for public and restricted incidents, on every route that names one, and in lists.

A restricted incident is seen only by its reporter, its assignee, managers and admins; anyone
else gets 404 for the incident, its responses and its timeline, and never finds it in a list.
"""

from __future__ import annotations

import uuid

import pytest

from api.incidents.models import IncidentStatus, Visibility
from tests.incidents import factories
from tests.incidents.helpers import VIEWERS, activity_rows, response_rows, snapshot

SEES = {
    Visibility.PUBLIC: set(VIEWERS),
    Visibility.RESTRICTED: {"reporter", "assignee", "manager", "admin"},
}
CASES = [(v, viewer) for v in Visibility for viewer in VIEWERS]
IDS = [f"{v.value}-{viewer}" for v, viewer in CASES]


@pytest.fixture
def incident_of(cast):
    def build(visibility: Visibility):
        incident = factories.incident(
            reporter=cast["reporter"],
            assignee=cast["assignee"],
            visibility=visibility,
            status=IncidentStatus.INVESTIGATING,
            title="Database failover",
        )
        factories.response(incident, cast["assignee"], "Replica promoted.")
        return incident

    return build


@pytest.mark.parametrize(("visibility", "viewer"), CASES, ids=IDS)
def test_read(client, cast, incident_of, visibility, viewer):
    incident = incident_of(visibility)
    r = client.get(f"/api/v1/incidents/{incident.public_id}", headers=cast.headers[viewer])
    if viewer in SEES[visibility]:
        assert r.status_code == 200
        assert r.json["public_id"] == incident.public_id
        assert r.json["title"] == "Database failover"
        assert r.json["response_count"] == 1
        assert r.headers["ETag"] == incident.etag
    else:
        assert r.status_code == 404
        assert r.json == {"code": 404, "status": "Not Found", "message": "Incident not found."}


@pytest.mark.parametrize(("visibility", "viewer"), CASES, ids=IDS)
def test_responses_list(client, cast, incident_of, visibility, viewer):
    incident = incident_of(visibility)
    r = client.get(
        f"/api/v1/incidents/{incident.public_id}/responses", headers=cast.headers[viewer]
    )
    if viewer in SEES[visibility]:
        assert r.status_code == 200
        assert [(x["body"], x["author"]["username"]) for x in r.json["items"]] == [
            ("Replica promoted.", "assignee")
        ]
    else:
        assert r.status_code == 404
        assert r.json["message"] == "Incident not found."
        assert "items" not in r.json


@pytest.mark.parametrize(("visibility", "viewer"), CASES, ids=IDS)
def test_respond(client, cast, incident_of, visibility, viewer):
    incident = incident_of(visibility)
    before = snapshot()
    r = client.post(
        f"/api/v1/incidents/{incident.public_id}/responses",
        json={"body": f"Note from {viewer}"},
        headers=cast.headers[viewer],
    )
    if viewer in SEES[visibility]:
        assert r.status_code == 201
        assert r.json["author"]["username"] == viewer
        assert [x.body for x in response_rows()] == ["Replica promoted.", f"Note from {viewer}"]
        assert activity_rows(incident)[-1].action == "responded"
    else:
        assert r.status_code == 404
        assert snapshot() == before


@pytest.mark.parametrize(("visibility", "viewer"), CASES, ids=IDS)
def test_timeline(client, cast, incident_of, visibility, viewer):
    incident = incident_of(visibility)
    client.patch(
        f"/api/v1/incidents/{incident.public_id}",
        json={"severity": "critical"},
        headers=cast.headers["manager"],
    )
    r = client.get(f"/api/v1/incidents/{incident.public_id}/activity", headers=cast.headers[viewer])
    if viewer in SEES[visibility]:
        assert r.status_code == 200
        assert [(a["action"], a["actor"]["username"]) for a in r.json] == [("updated", "manager")]
    else:
        assert r.status_code == 404
        assert r.json["message"] == "Incident not found."


@pytest.mark.parametrize(("visibility", "viewer"), CASES, ids=IDS)
def test_update(client, cast, incident_of, visibility, viewer):
    """Severity: managers, admins and the assignee; others who see it get 403, the rest 404."""
    incident = incident_of(visibility)
    before = snapshot()
    r = client.patch(
        f"/api/v1/incidents/{incident.public_id}",
        json={"severity": "critical"},
        headers=cast.headers[viewer],
    )
    if viewer in {"assignee", "manager", "admin"}:
        assert r.status_code == 200
        assert r.json["severity"] == "critical"
    elif viewer in SEES[visibility]:
        assert r.status_code == 403
        assert r.json["message"] == "You may not change: severity."
        assert snapshot() == before
    else:
        assert r.status_code == 404
        assert snapshot() == before


@pytest.mark.parametrize(("visibility", "viewer"), CASES, ids=IDS)
def test_lists_and_counts(client, cast, incident_of, visibility, viewer):
    incident = incident_of(visibility)
    r = client.get("/api/v1/incidents", headers=cast.headers[viewer])
    assert r.status_code == 200
    seen = [i["public_id"] for i in r.json["items"]]
    if viewer in SEES[visibility]:
        assert seen == [incident.public_id] and r.json["total"] == 1
    else:
        assert seen == [] and r.json["total"] == 0
    # The count query must agree with the page when the page is not the last one.
    r = client.get("/api/v1/incidents?page=2&page_size=1", headers=cast.headers[viewer])
    assert r.json["items"] == []
    assert r.json["total"] == (1 if viewer in SEES[visibility] else 0)


def test_restricted_incidents_of_others_never_counted(client, cast):
    """Many restricted incidents of others: the bystander's totals count only what they see."""
    for _ in range(3):
        factories.incident(reporter=cast["reporter"], visibility=Visibility.RESTRICTED)
    visible = [factories.incident(reporter=cast["reporter"]) for _ in range(2)]
    r = client.get("/api/v1/incidents?page_size=1", headers=cast.headers["bystander"])
    assert r.json["total"] == 2 and r.json["pages"] == 2
    r = client.get("/api/v1/incidents?page=2&page_size=1", headers=cast.headers["bystander"])
    assert r.json["total"] == 2
    assert [i["public_id"] for i in r.json["items"]] == [visible[0].public_id]
    r = client.get("/api/v1/incidents?scope=public", headers=cast.headers["bystander"])
    assert r.json["total"] == 2


def test_unknown_and_malformed_ids(client, cast):
    missing = uuid.uuid4()
    for suffix in ("", "/responses", "/activity"):
        r = client.get(f"/api/v1/incidents/{missing}{suffix}", headers=cast.headers["admin"])
        assert r.status_code == 404 and r.json["message"] == "Incident not found."
        r = client.get(f"/api/v1/incidents/not-a-uuid{suffix}", headers=cast.headers["admin"])
        assert r.status_code == 422
        assert r.json["errors"] == {"path": {"public_id": ["That is not an incident id."]}}


def test_public_id_is_case_insensitive(client, cast):
    incident = factories.incident(reporter=cast["reporter"])
    r = client.get(
        f"/api/v1/incidents/{incident.public_id.upper()}", headers=cast.headers["bystander"]
    )
    assert r.status_code == 200 and r.json["public_id"] == incident.public_id
