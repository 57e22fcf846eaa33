"""Follow-up tasks of an incident: POST /api/v1/incidents/{public_id}/follow-ups creates a task
in a project (task.create there), the incident lists them with their status, and a task names
the incident it came from (only to those who may see the incident)."""

from __future__ import annotations

import sqlalchemy as sa

from api.activity.models import Activity, EntityType
from api.extensions import db
from api.incidents.models import IncidentFollowUp
from api.tasks.models import Task
from tests.incidents import factories


def _url(incident) -> str:
    return f"/api/v1/incidents/{incident.public_id}/follow-ups"


def _counts() -> tuple[int, int]:
    db.session.expire_all()
    tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    links = db.session.scalar(sa.select(sa.func.count()).select_from(IncidentFollowUp))
    return tasks, links


def test_manager_creates_a_follow_up_that_the_incident_lists_and_the_task_names(client, make, cast):
    make.project("OPS", members={cast["manager"]: "lead", cast["bystander"]: "member"})
    incident = factories.incident(reporter=cast["reporter"], status="resolved")
    created = client.post(
        _url(incident),
        json={"title": "Add a disk alarm", "project": "OPS", "priority": "high"},
        headers=cast.headers["manager"],
    )
    assert created.status_code == 201, created.json
    task_id = created.json["id"]
    assert created.json["ref"] == "OPS-1" and created.json["project"] == "OPS"
    assert created.headers["Location"] == f"/api/v1/tasks/{task_id}"
    link = db.session.get(IncidentFollowUp, task_id)
    assert link is not None and link.incident_id == incident.id
    actions = db.session.scalars(
        sa.select(Activity.action).where(
            Activity.entity_type == EntityType.INCIDENT, Activity.entity_id == incident.id
        )
    ).all()
    assert "follow_up_added" in actions

    listed = client.get(_url(incident), headers=cast.headers["manager"])
    assert listed.status_code == 200
    assert listed.json == [
        {
            "id": task_id,
            "ref": "OPS-1",
            "title": "Add a disk alarm",
            "status": "pending",
            "project": "OPS",
        }
    ]
    task = client.get(f"/api/v1/tasks/{task_id}", headers=cast.headers["bystander"])
    assert task.json["incident"] == {
        "public_id": incident.public_id,
        "title": incident.title,
        "status": "resolved",
    }


def test_a_task_hides_an_incident_its_reader_may_not_see(client, make, cast):
    make.project("OPS", members={cast["manager"]: "lead", cast["bystander"]: "member"})
    incident = factories.incident(reporter=cast["reporter"], visibility="restricted")
    created = client.post(
        _url(incident),
        json={"title": "Rotate keys", "project": "OPS"},
        headers=cast.headers["manager"],
    )
    assert created.status_code == 201
    task = client.get(f"/api/v1/tasks/{created.json['id']}", headers=cast.headers["bystander"])
    assert task.status_code == 200 and "incident" not in task.json
    plain = make.task(created_by=cast["manager"])
    plain_json = client.get(f"/api/v1/tasks/{plain.id}", headers=cast.headers["admin"]).json
    assert "incident" not in plain_json


def test_follow_up_in_a_project_where_one_may_not_create_is_403_and_writes_nothing(
    client, make, cast
):
    # The manager only views OPS: they see it but may not create tasks there.
    make.project("OPS", members={cast["manager"]: "viewer"})
    incident = factories.incident(reporter=cast["reporter"])
    before = _counts()
    refused = client.post(
        _url(incident), json={"title": "Nope", "project": "OPS"}, headers=cast.headers["manager"]
    )
    assert refused.status_code == 403, refused.json
    assert "task.create" in refused.json["message"]
    assert _counts() == before


def test_follow_up_in_a_project_one_cannot_see_is_422_naming_project(client, make, cast):
    make.project("SEC", members={cast["admin"]: "lead"})
    incident = factories.incident(reporter=cast["reporter"])
    before = _counts()
    answer = client.post(
        _url(incident),
        json={"title": "Hidden", "project": "SEC"},
        headers=cast.headers["manager"],
    )
    assert answer.status_code == 422
    assert "project" in answer.json["errors"]["json"]
    assert _counts() == before


def test_who_may_add_follow_ups(client, make, cast):
    make.project(
        "OPS",
        members={
            cast["manager"]: "lead",
            cast["assignee"]: "lead",
            cast["bystander"]: "lead",
            cast["reporter"]: "lead",
        },
    )
    incident = factories.incident(reporter=cast["reporter"], assignee=cast["assignee"])
    expected = {"reporter": 403, "bystander": 403, "assignee": 201, "manager": 201, "admin": 201}
    for name, status in expected.items():
        answer = client.post(
            _url(incident),
            json={"title": f"By {name}", "project": "OPS"},
            headers=cast.headers[name],
        )
        assert answer.status_code == status, (name, answer.json)
    assert _counts() == (3, 3)


def test_follow_up_bad_input_is_422_and_writes_nothing(client, make, cast):
    make.project("OPS", members={cast["manager"]: "lead"})
    incident = factories.incident(reporter=cast["reporter"])
    for body, field in (
        ({"project": "OPS"}, "title"),
        ({"title": "  ", "project": "OPS"}, "title"),
        ({"title": "x", "project": "nope!"}, "project"),
        ({"title": "x", "project": "OPS", "incident_id": 3}, "incident_id"),
    ):
        answer = client.post(_url(incident), json=body, headers=cast.headers["manager"])
        assert answer.status_code == 422, body
        assert field in answer.json["errors"]["json"], answer.json
    bad_id = client.post(
        "/api/v1/incidents/not-a-uuid/follow-ups",
        json={"title": "x"},
        headers=cast.headers["manager"],
    )
    assert bad_id.status_code == 422
    assert _counts() == (0, 0)


def test_the_list_shows_only_tasks_the_reader_sees(client, make, cast):
    make.project("OPS", members={cast["manager"]: "lead", cast["bystander"]: "member"})
    make.project("SEC", members={cast["manager"]: "lead"})
    incident = factories.incident(reporter=cast["reporter"])
    for key in ("OPS", "SEC"):
        client.post(
            _url(incident),
            json={"title": f"In {key}", "project": key},
            headers=cast.headers["manager"],
        )
    seen = client.get(_url(incident), headers=cast.headers["bystander"]).json
    assert [t["title"] for t in seen] == ["In OPS"]
    assert len(client.get(_url(incident), headers=cast.headers["manager"]).json) == 2
