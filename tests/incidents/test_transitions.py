"""The status workflow: reported → investigating → resolved, reopening by managers and admins,
acknowledged_at and resolved_at, and the 409 that names the allowed moves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.db import utcnow
from api.incidents.models import IncidentStatus
from tests.incidents import factories
from tests.incidents.helpers import activity_rows, incident_rows, snapshot

REP, INV, RES = "reported", "investigating", "resolved"
ALLOWED = {REP: [INV], INV: [RES], RES: [INV]}

# (from, to, caller) -> status code. The assignee is an employee; staff are manager and admin.
TABLE = [
    (REP, INV, "manager", 200),
    (REP, INV, "admin", 200),
    (REP, INV, "assignee", 200),
    (REP, RES, "manager", 409),
    (REP, RES, "assignee", 409),
    (INV, RES, "manager", 200),
    (INV, RES, "admin", 200),
    (INV, RES, "assignee", 200),
    (INV, REP, "manager", 409),
    (INV, REP, "assignee", 409),
    (RES, INV, "manager", 200),
    (RES, INV, "admin", 200),
    (RES, INV, "assignee", 403),
    (RES, REP, "admin", 409),
    (RES, REP, "assignee", 403),
    (REP, INV, "reporter", 403),
    (INV, RES, "bystander", 403),
]


@pytest.mark.parametrize(("old", "new", "caller", "code"), TABLE)
def test_transition_table(client, cast, old, new, caller, code):
    reported_at = utcnow() - timedelta(hours=3)
    incident = factories.incident(
        reporter=cast["reporter"],
        assignee=cast["assignee"],
        status=old,
        reported_at=reported_at,
        acknowledged_at=reported_at + timedelta(minutes=5) if old != REP else None,
        resolved_at=reported_at + timedelta(hours=1) if old == RES else None,
    )
    before = snapshot()

    r = client.patch(
        f"/api/v1/incidents/{incident.public_id}",
        json={"status": new},
        headers=cast.headers[caller],
    )

    assert r.status_code == code, r.json
    [row] = incident_rows()
    if code == 200:
        assert row.status == IncidentStatus(new) and r.json["status"] == new
        [entry] = activity_rows(row)
        assert entry.action == "status_changed" and entry.actor_id == cast[caller].id
        assert entry.changes["status"] == [old, new]
        return
    assert snapshot() == before
    if code == 409:
        allowed = ", ".join(ALLOWED[old])
        assert r.json["message"] == (
            f"An incident cannot move from {old} to {new}; allowed: {allowed}."
        )
        assert r.json["errors"] == {"json": {"status": [f"Allowed from {old}: {allowed}."]}}
    else:
        assert r.json["code"] == 403


def test_timestamps_and_reopening_keep_the_whole_story(client, cast):
    incident = factories.incident(reporter=cast["reporter"], assignee=cast["assignee"])
    url = f"/api/v1/incidents/{incident.public_id}"

    def move(status: str, caller: str) -> dict:
        r = client.patch(url, json={"status": status}, headers=cast.headers[caller])
        assert r.status_code == 200, r.json
        return r.json

    body = move(INV, "assignee")
    acknowledged = body["acknowledged_at"]
    assert acknowledged is not None and body["resolved_at"] is None
    first_resolution = move(RES, "assignee")["resolved_at"]
    assert first_resolution is not None

    body = move(INV, "manager")  # reopen
    assert body["acknowledged_at"] == acknowledged  # the first acknowledgement stays
    assert body["resolved_at"] is None

    body = move(RES, "admin")
    assert body["resolved_at"] is not None and body["resolved_at"] >= first_resolution
    [row] = incident_rows()
    assert row.acknowledged_at.isoformat() == acknowledged
    assert row.version == 5

    r = client.get(f"{url}/activity", headers=cast.headers["reporter"])
    assert [(a["changes"]["status"], a["actor"]["username"]) for a in r.json] == [
        ([REP, INV], "assignee"),
        ([INV, RES], "assignee"),
        ([RES, INV], "manager"),
        ([INV, RES], "admin"),
    ]
    assert "acknowledged_at" in r.json[0]["changes"]
    assert "acknowledged_at" not in r.json[2]["changes"]  # reopening is not a new acknowledgement
    assert r.json[2]["changes"]["resolved_at"] == [first_resolution, None]


def test_moving_to_the_current_status_is_no_change(client, cast):
    incident = factories.incident(reporter=cast["reporter"], status=INV)
    before = snapshot()
    r = client.patch(
        f"/api/v1/incidents/{incident.public_id}",
        json={"status": INV},
        headers=cast.headers["manager"],
    )
    assert r.status_code == 200 and r.json["version"] == 1
    assert snapshot() == before
