"""Status changes and assignment, with their activity rows."""

from __future__ import annotations

import pytest

from api.activity.models import Activity
from api.tasks.models import Task, TaskStatus


def reread(db, task_id: int) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task_id)


def changes(db, task_id: int) -> list[tuple[str, dict]]:
    rows = (
        db.session.query(Activity)
        .filter(Activity.entity_type == "task", Activity.entity_id == task_id)
        .order_by(Activity.id)
    )
    return [(row.action, row.changes) for row in rows]


def put_status(client, task_id: int, status: str, headers):
    return client.put(f"/api/v1/tasks/{task_id}/status", json={"status": status}, headers=headers)


def test_employee_completes_and_reopens_their_task(client, make, auth, db):
    employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=employee)

    started = put_status(client, task.id, "in_progress", employee_h)
    assert started.status_code == 200 and started.get_json()["completed_at"] is None
    done = put_status(client, task.id, "completed", employee_h)
    assert done.status_code == 200
    assert done.headers["ETag"] == f'"task-{task.id}-v3"'
    completed_at = reread(db, task.id).completed_at
    assert completed_at is not None
    assert done.get_json()["completed_at"] == completed_at.isoformat()
    assert done.get_json()["is_overdue"] is False

    reopened = put_status(client, task.id, "pending", employee_h)
    assert reopened.status_code == 200
    stored = reread(db, task.id)
    assert (stored.status, stored.completed_at) == (TaskStatus.PENDING, None)

    assert changes(db, task.id) == [
        ("status_changed", {"status": ["pending", "in_progress"]}),
        (
            "status_changed",
            {
                "status": ["in_progress", "completed"],
                "completed_at": [None, completed_at.isoformat()],
            },
        ),
        (
            "status_changed",
            {"status": ["completed", "pending"], "completed_at": [completed_at.isoformat(), None]},
        ),
    ]
    activity = client.get(f"/api/v1/tasks/{task.id}/activity", headers=employee_h).get_json()
    assert [a["action"] for a in activity] == ["status_changed"] * 3
    assert activity[0]["actor"] == {"id": employee.id, "username": employee.username}
    assert activity[1]["changes"]["status"] == ["in_progress", "completed"]


def test_same_status_writes_nothing(client, make, auth, db):
    employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=employee)
    assert put_status(client, task.id, "pending", employee_h).status_code == 200
    assert reread(db, task.id).version == 1
    assert changes(db, task.id) == []


def test_employee_touching_a_task_of_another_project_gets_404(client, make, auth, db):
    _employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=make.user(), project=make.project("OTH"))
    assert put_status(client, task.id, "completed", employee_h).status_code == 404
    stored = reread(db, task.id)
    assert (stored.status, stored.completed_at) == (TaskStatus.PENDING, None)
    assert changes(db, task.id) == []


def test_member_moving_a_task_not_assigned_to_them_gets_403(client, make, auth, db):
    _employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=make.user())  # General: they see it, it is not theirs
    assert put_status(client, task.id, "completed", employee_h).status_code == 403
    assert reread(db, task.id).status == TaskStatus.PENDING
    assert changes(db, task.id) == []


def test_manager_changes_any_status(client, make, auth, db):
    _manager, manager_h = auth.as_role("manager")
    task = make.task(assignee=make.user())
    assert put_status(client, task.id, "completed", manager_h).status_code == 200
    assert reread(db, task.id).status == TaskStatus.COMPLETED


@pytest.mark.parametrize("status", ["done", "COMPLETED", "", None, 3])
def test_unknown_status_is_refused(client, make, auth, db, status):
    employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=employee)
    response = put_status(client, task.id, status, employee_h)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["status"]
    assert reread(db, task.id).status == TaskStatus.PENDING


def test_assign_reassign_and_unassign(client, make, auth, db):
    manager, manager_h = auth.as_role("manager")
    first, second = make.user(), make.user()
    task = make.task()

    def assign(assignee_id):
        return client.put(
            f"/api/v1/tasks/{task.id}/assign", json={"assignee_id": assignee_id}, headers=manager_h
        )

    response = assign(first.id)
    assert response.status_code == 200
    assert response.get_json()["assignee"] == {"id": first.id, "username": first.username}
    assert assign(second.id).status_code == 200
    assert reread(db, task.id).assignee_id == second.id
    assert assign(None).status_code == 200
    assert reread(db, task.id).assignee_id is None
    assert assign(None).status_code == 200  # no change, no row

    assert changes(db, task.id) == [
        ("assigned", {"assignee_ids": [[], [first.id]]}),
        ("assigned", {"assignee_ids": [[first.id], [second.id]]}),
        ("assigned", {"assignee_ids": [[second.id], []]}),
    ]
    rows = db.session.query(Activity).filter(Activity.entity_id == task.id).all()
    assert {row.actor_id for row in rows} == {manager.id}


@pytest.mark.parametrize("kind", ["pending", "disabled", "rejected", "admin", "missing"])
def test_assign_to_an_unassignable_user_is_422(client, make, auth, db, kind):
    _manager, manager_h = auth.as_role("manager")
    current = make.user()
    task = make.task(assignee=current)
    if kind == "missing":
        assignee_id = 987654
    elif kind == "admin":
        assignee_id = make.user(role="admin").id
    else:
        assignee_id = make.user(status=kind).id
    response = client.put(
        f"/api/v1/tasks/{task.id}/assign", json={"assignee_id": assignee_id}, headers=manager_h
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "json": {
            "assignee_id": [
                "Choose active employees or managers who are members of the task's project."
            ]
        }
    }
    stored = reread(db, task.id)
    assert (stored.assignee_id, stored.version) == (current.id, 1)
    assert changes(db, task.id) == []


def test_employee_cannot_assign(client, make, auth, db):
    employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=employee)
    response = client.put(
        f"/api/v1/tasks/{task.id}/assign", json={"assignee_id": None}, headers=employee_h
    )
    assert response.status_code == 403
    assert reread(db, task.id).assignee_id == employee.id


def test_activity_of_a_whole_life(client, make, auth, db):
    manager, manager_h = auth.as_role("manager")
    employee = make.user()
    created = client.post(
        "/api/v1/tasks", json={"title": "Life", "assignee_id": employee.id}, headers=manager_h
    ).get_json()
    task_id = created["id"]
    client.patch(f"/api/v1/tasks/{task_id}", json={"priority": "low"}, headers=manager_h)
    put_status(client, task_id, "completed", manager_h)
    client.put(f"/api/v1/tasks/{task_id}/assign", json={"assignee_id": None}, headers=manager_h)

    response = client.get(f"/api/v1/tasks/{task_id}/activity", headers=manager_h)
    assert response.status_code == 200
    body = response.get_json()
    assert [a["action"] for a in body] == ["created", "updated", "status_changed", "assigned"]
    assert body[1]["changes"] == {"priority": ["normal", "low"]}
    assert body[3]["changes"] == {"assignee_ids": [[employee.id], []]}
    assert all(a["actor"]["id"] == manager.id for a in body)
    assert all(a["created_at"].endswith("+00:00") for a in body)
