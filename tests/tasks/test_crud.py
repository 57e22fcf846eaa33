"""Tasks: create, read, edit, delete; ETag / If-Match; who may do what to whose task."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.activity.models import Activity
from api.tasks.models import Priority, Task, TaskStatus


def reread(db, task_id: int) -> Task | None:
    db.session.expire_all()
    return db.session.get(Task, task_id)


def timeline(db, task_id: int) -> list[Activity]:
    return (
        db.session.query(Activity)
        .filter(Activity.entity_type == "task", Activity.entity_id == task_id)
        .order_by(Activity.id)
        .all()
    )


@pytest.fixture
def manager(auth):
    return auth.as_role("manager")


def test_create(client, make, manager, db):
    manager_user, manager_h = manager
    employee = make.user()
    response = client.post(
        "/api/v1/tasks",
        json={
            "title": "Write the runbook",
            "description": "Cover restores.",
            "priority": "high",
            "deadline": "2030-05-01T17:30:00+02:00",
            "assignee_id": employee.id,
        },
        headers=manager_h,
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    task_id = data["id"]
    assert response.headers["Location"] == f"/api/v1/tasks/{task_id}"
    assert response.headers["ETag"] == f'"task-{task_id}-v1"'
    assert data["status"] == "pending" and data["priority"] == "high"
    assert data["deadline"] == "2030-05-01T15:30:00+00:00"
    assert data["assignee"] == {"id": employee.id, "username": employee.username}
    assert data["created_by"] == {"id": manager_user.id, "username": manager_user.username}
    assert data["completed_at"] is None and data["version"] == 1

    task = reread(db, task_id)
    assert task.title == "Write the runbook" and task.description == "Cover restores."
    assert task.deadline == datetime(2030, 5, 1, 15, 30, tzinfo=UTC)
    assert task.assignee_id == employee.id and task.created_by_id == manager_user.id
    [row] = timeline(db, task_id)
    assert (row.action, row.actor_id) == ("created", manager_user.id)
    assert row.changes == {
        "title": [None, "Write the runbook"],
        "priority": [None, "high"],
        "status": [None, "pending"],
        "project": [None, "GEN"],
        "assignee_ids": [None, [employee.id]],
    }


def test_create_with_defaults(client, manager, db):
    _manager, manager_h = manager
    response = client.post("/api/v1/tasks", json={"title": "Tidy up"}, headers=manager_h)
    assert response.status_code == 201
    task = reread(db, response.get_json()["id"])
    assert (task.priority, task.status, task.deadline, task.assignee_id, task.description) == (
        Priority.NORMAL,
        TaskStatus.PENDING,
        None,
        None,
        "",
    )


@pytest.mark.parametrize("kind", ["pending", "disabled", "rejected", "admin", "missing"])
def test_create_refuses_an_unassignable_assignee(client, make, manager, db, kind):
    _manager, manager_h = manager
    if kind == "missing":
        assignee_id = 987654
    elif kind == "admin":
        assignee_id = make.user(role="admin").id
    else:
        assignee_id = make.user(status=kind).id
    response = client.post(
        "/api/v1/tasks", json={"title": "Nope", "assignee_id": assignee_id}, headers=manager_h
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["assignee_id"]
    assert db.session.query(Task).count() == 0
    assert db.session.query(Activity).count() == 0


def test_manager_may_be_assigned(client, make, manager, db):
    _manager, manager_h = manager
    other_manager = make.user(role="manager")
    response = client.post(
        "/api/v1/tasks", json={"title": "Ok", "assignee_id": other_manager.id}, headers=manager_h
    )
    assert response.status_code == 201
    assert reread(db, response.get_json()["id"]).assignee_id == other_manager.id


def test_employee_cannot_create(client, auth, db):
    _employee, employee_h = auth.as_role("employee")
    response = client.post("/api/v1/tasks", json={"title": "Mine now"}, headers=employee_h)
    assert response.status_code == 403
    assert db.session.query(Task).count() == 0


def test_get_and_etag(client, make, auth):
    employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=employee, deadline=make.days(-1))
    response = client.get(f"/api/v1/tasks/{task.id}", headers=employee_h)
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"task-{task.id}-v1"'
    data = response.get_json()
    assert data["id"] == task.id and data["is_overdue"] is True
    assert data["assignee"]["id"] == employee.id


def test_employee_sees_only_the_tasks_of_their_projects(client, make, auth):
    employee, employee_h = auth.as_role("employee")
    other = make.user()
    elsewhere = make.project("OTH", members={other: "member"})
    others_task = make.task(assignee=other, project=elsewhere)
    unassigned = make.task(project=elsewhere)
    in_general = make.task(assignee=other)  # General: the employee is a member
    assert client.get(f"/api/v1/tasks/{in_general.id}", headers=employee_h).status_code == 200
    for task in (others_task, unassigned):
        response = client.get(f"/api/v1/tasks/{task.id}", headers=employee_h)
        assert response.status_code == 404
        assert response.get_json()["message"] == "Task not found."
        assert (
            client.get(f"/api/v1/tasks/{task.id}/activity", headers=employee_h).status_code == 404
        )


def test_update_with_activity_and_a_new_etag(client, make, manager, db):
    manager_user, manager_h = manager
    task = make.task(title="Old title", priority=Priority.LOW)
    response = client.patch(
        f"/api/v1/tasks/{task.id}",
        json={
            "title": "New title",
            "priority": "urgent",
            "deadline": "2031-01-02T03:04:05Z",
            "description": "",
        },
        headers={**manager_h, "If-Match": f'"task-{task.id}-v1"'},
    )
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == f'"task-{task.id}-v2"'
    assert response.get_json()["version"] == 2

    stored = reread(db, task.id)
    assert (stored.title, stored.priority, stored.version) == ("New title", Priority.URGENT, 2)
    assert stored.deadline == datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
    [row] = timeline(db, task.id)
    assert (row.action, row.actor_id) == ("updated", manager_user.id)
    assert row.changes == {
        "title": ["Old title", "New title"],
        "priority": ["low", "urgent"],
        "deadline": [None, "2031-01-02T03:04:05+00:00"],
    }
    assert client.get(f"/api/v1/tasks/{task.id}", headers=manager_h).headers["ETag"] == (
        f'"task-{task.id}-v2"'
    )


def test_update_clears_the_deadline(client, make, manager, db):
    _manager, manager_h = manager
    task = make.task(deadline=make.days(3))
    response = client.patch(f"/api/v1/tasks/{task.id}", json={"deadline": None}, headers=manager_h)
    assert response.status_code == 200
    assert reread(db, task.id).deadline is None


def test_update_without_changes_writes_nothing(client, make, manager, db):
    _manager, manager_h = manager
    task = make.task(title="Same")
    response = client.patch(f"/api/v1/tasks/{task.id}", json={"title": "Same"}, headers=manager_h)
    assert response.status_code == 200
    assert reread(db, task.id).version == 1
    assert timeline(db, task.id) == []


@pytest.mark.parametrize(
    "if_match",
    ['"task-{id}-v1"', '"task-{id}-v3", "task-{id}-v1"', 'W/"task-{id}-v2"', "task-{id}-v2"],
)
def test_stale_if_match_is_412_and_changes_nothing(client, make, manager, db, if_match):
    _manager, manager_h = manager
    task = make.task(title="Before")
    assert (
        client.patch(
            f"/api/v1/tasks/{task.id}", json={"priority": "high"}, headers=manager_h
        ).status_code
        == 200
    )  # now at version 2

    header = if_match.format(id=task.id)
    response = client.patch(
        f"/api/v1/tasks/{task.id}",
        json={"title": "After"},
        headers={**manager_h, "If-Match": header},
    )
    assert response.status_code == 412
    assert response.get_json()["code"] == 412
    stored = reread(db, task.id)
    assert (stored.title, stored.version) == ("Before", 2)
    assert [row.action for row in timeline(db, task.id)] == ["updated"]


@pytest.mark.parametrize("if_match", ['"task-{id}-v1"', "*", '"other", "task-{id}-v1"'])
def test_current_if_match_is_accepted(client, make, manager, db, if_match):
    _manager, manager_h = manager
    task = make.task(title="Before")
    response = client.patch(
        f"/api/v1/tasks/{task.id}",
        json={"title": "After"},
        headers={**manager_h, "If-Match": if_match.format(id=task.id)},
    )
    assert response.status_code == 200
    assert reread(db, task.id).title == "After"


@pytest.mark.parametrize(
    ("path", "body"),
    [("status", {"status": "completed"}), ("assign", {"assignee_id": None})],
)
def test_stale_if_match_on_status_and_assign(client, make, manager, db, path, body):
    _manager, manager_h = manager
    employee = make.user()
    task = make.task(assignee=employee)
    client.patch(f"/api/v1/tasks/{task.id}", json={"priority": "high"}, headers=manager_h)
    response = client.put(
        f"/api/v1/tasks/{task.id}/{path}",
        json=body,
        headers={**manager_h, "If-Match": f'"task-{task.id}-v1"'},
    )
    assert response.status_code == 412
    stored = reread(db, task.id)
    assert (stored.status, stored.assignee_id, stored.version) == (
        TaskStatus.PENDING,
        employee.id,
        2,
    )


def test_employee_cannot_edit_even_their_own_task(client, make, auth, db):
    employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=employee, title="Theirs")
    response = client.patch(f"/api/v1/tasks/{task.id}", json={"title": "x"}, headers=employee_h)
    assert response.status_code == 403
    assert reread(db, task.id).title == "Theirs"


def test_leads_and_admins_delete(client, make, auth, db):
    admin, admin_h = auth.as_role("admin")
    _employee, employee_h = auth.as_role("employee")  # a member of General, not a lead
    task = make.task(title="Doomed")
    assert client.delete(f"/api/v1/tasks/{task.id}", headers=employee_h).status_code == 403
    assert reread(db, task.id) is not None

    response = client.delete(f"/api/v1/tasks/{task.id}", headers=admin_h)
    assert response.status_code == 204
    assert reread(db, task.id) is None
    [row] = timeline(db, task.id)
    assert (row.action, row.actor_id, row.changes) == (
        "deleted",
        admin.id,
        {"title": ["Doomed", None]},
    )
    assert client.delete(f"/api/v1/tasks/{task.id}", headers=admin_h).status_code == 404
