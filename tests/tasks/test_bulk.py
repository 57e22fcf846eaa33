"""Bulk changes (POST /api/v1/tasks/bulk): each task checked and changed on its own, per-id
results, activity and notifications as for single changes, one email per person."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.activity.models import Activity
from api.inbox.models import Notification, NotificationKind
from api.notifications.models import EmailKind, OutboxEmail
from api.tasks.models import Priority, Task, TaskStatus

URL = "/api/v1/tasks/bulk"


def stored(db, task_id: int) -> Task | None:
    db.session.expire_all()
    return db.session.get(Task, task_id)


def emails(db, kind: EmailKind | None = None) -> list[OutboxEmail]:
    db.session.expire_all()
    stmt = sa.select(OutboxEmail).order_by(OutboxEmail.id)
    if kind is not None:
        stmt = stmt.where(OutboxEmail.kind == kind)
    return list(db.session.scalars(stmt))


@pytest.fixture
def scene(make, auth):
    """The manager leads OPS (the employee is a member), only views DOCS and is no member of
    HID: OPS tasks are theirs to change, the DOCS task is seen but forbidden, HID's unseen."""
    manager, manager_h = auth.as_role("manager")
    employee, other = make.user(role="employee"), make.user(role="employee")
    ops = make.project("OPS", members={manager: "lead", employee: "member"})
    docs = make.project("DOCS", members={manager: "viewer", employee: "member", other: "lead"})
    hid = make.project("HID", members={other: "lead"})
    return {
        "manager": manager,
        "headers": manager_h,
        "employee": employee,
        "other": other,
        "ops": [make.task(project=ops, created_by=manager) for _ in range(2)],
        "docs": make.task(project=docs, created_by=other),
        "hidden": make.task(project=hid, created_by=other),
        "ops_project": ops,
    }


def test_bulk_assign_reports_each_task_and_keeps_the_allowed_changes(client, db, scene):
    ops, docs, hidden = scene["ops"], scene["docs"], scene["hidden"]
    employee = scene["employee"]
    ids = [ops[0].id, docs.id, ops[1].id, hidden.id, 999_999_999]

    response = client.post(
        URL,
        json={"ids": ids, "set": {"assignee_ids": [employee.id]}},
        headers=scene["headers"],
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(r["id"], r["result"]) for r in body["results"]] == [
        (ops[0].id, "updated"),
        (docs.id, "forbidden"),
        (ops[1].id, "updated"),
        (hidden.id, "not_found"),
        (999_999_999, "not_found"),
    ]
    assert body["counts"]["updated"] == 2 and body["counts"]["forbidden"] == 1
    assert body["results"][0]["version"] == stored(db, ops[0].id).version
    assert stored(db, ops[0].id).assignee_ids == [employee.id]
    assert stored(db, ops[1].id).assignee_ids == [employee.id]
    assert stored(db, docs.id).assignee_ids == []
    # Activity and in-app notifications as for single changes, one each per changed task.
    assigned = db.session.scalars(
        sa.select(Activity.entity_id).where(Activity.action == "assigned")
    ).all()
    assert sorted(assigned) == sorted([ops[0].id, ops[1].id])
    told = db.session.scalars(
        sa.select(Notification.task_id).where(
            Notification.user_id == employee.id, Notification.kind == NotificationKind.ASSIGNED
        )
    ).all()
    assert sorted(told) == sorted([ops[0].id, ops[1].id])
    # One email for the whole batch, naming both tasks; no per-task assignment email.
    assert emails(db, EmailKind.TASK_ASSIGNED) == []
    [batch] = emails(db, EmailKind.TASK_BATCH)
    assert batch.user_id == employee.id
    assert ops[0].title in batch.body_text and ops[1].title in batch.body_text
    assert docs.title not in batch.body_text
    assert "changed 2 tasks" in batch.subject


def test_a_refused_task_keeps_every_part_of_its_change(client, db, scene, make):
    """Priority and assignees in one request: the task whose project does not have the person
    keeps its old priority too (one transaction per task); the other task changes."""
    outsider = make.user(role="employee")
    ops = scene["ops"]
    response = client.post(
        URL,
        json={
            "ids": [ops[0].id, ops[1].id],
            "set": {"priority": "urgent", "assignee_ids": [scene["employee"].id]},
        },
        headers=scene["headers"],
    )
    assert response.status_code == 200
    # Both succeed: the employee is a member of OPS.
    assert [r["result"] for r in response.get_json()["results"]] == ["updated", "updated"]

    response = client.post(
        URL,
        json={
            "ids": [ops[0].id, ops[1].id],
            "set": {"priority": "low", "assignee_ids": [outsider.id]},
        },
        headers=scene["headers"],
    )
    results = response.get_json()["results"]
    assert [r["result"] for r in results] == ["conflict", "conflict"]
    assert "members" in results[0]["message"]
    for task in ops:
        after = stored(db, task.id)
        assert after.priority == Priority.URGENT
        assert after.assignee_ids == [scene["employee"].id]


def test_status_and_labels_in_bulk(client, db, scene, make):
    ops = scene["ops"]
    make.label(scene["ops_project"], "bug")
    make.label(scene["ops_project"], "ui")
    response = client.post(
        URL,
        json={"ids": [t.id for t in ops], "set": {"labels": ["bug"]}},
        headers=scene["headers"],
    )
    assert [r["result"] for r in response.get_json()["results"]] == ["updated", "updated"]
    response = client.post(
        URL,
        json={
            "ids": [t.id for t in ops],
            "set": {"add_labels": ["ui"], "status": "completed", "deadline": None},
        },
        headers=scene["headers"],
    )
    assert [r["result"] for r in response.get_json()["results"]] == ["updated", "updated"]
    for task in ops:
        after = stored(db, task.id)
        assert sorted(label.name for label in after.labels) == ["bug", "ui"]
        assert after.status == TaskStatus.COMPLETED and after.completed_at is not None
    # The creator completed them: nobody else to tell, no email.
    assert emails(db, EmailKind.TASK_COMPLETED) == []


def test_completion_by_an_assignee_sends_the_creator_one_email(client, db, make, auth):
    employee, employee_h = auth.as_role("employee")
    creator = make.user(role="manager")
    project = make.project("WRK", members={creator: "lead", employee: "member"})
    tasks = [make.task(project=project, created_by=creator, assignee=employee) for _ in range(3)]
    response = client.post(
        URL, json={"ids": [t.id for t in tasks], "set": {"status": "completed"}}, headers=employee_h
    )
    assert [r["result"] for r in response.get_json()["results"]] == ["updated"] * 3
    assert emails(db, EmailKind.TASK_COMPLETED) == []
    [batch] = emails(db, EmailKind.TASK_BATCH)
    assert batch.user_id == creator.id
    assert all(task.title in batch.body_text for task in tasks)
    assert batch.body_text.count("completed the task") == 3


def test_bulk_delete(client, db, scene, auth):
    admin, admin_h = auth.as_role("admin")
    ops, docs = scene["ops"], scene["docs"]
    response = client.post(
        URL, json={"ids": [ops[0].id, docs.id], "delete": True}, headers=scene["headers"]
    )
    assert [r["result"] for r in response.get_json()["results"]] == ["deleted", "forbidden"]
    assert stored(db, ops[0].id) is None and stored(db, docs.id) is not None
    response = client.post(URL, json={"ids": [docs.id], "delete": True}, headers=admin_h)
    assert response.get_json()["results"][0]["result"] == "deleted"
    assert stored(db, docs.id) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ids": list(range(1, 102)), "set": {"priority": "high"}}, "ids"),
        ({"ids": [], "set": {"priority": "high"}}, "ids"),
        ({"ids": [1], "set": {"colour": "red"}}, "set"),
        ({"ids": [1], "set": {"priority": "high"}, "delete": True}, "delete"),
        ({"ids": [1]}, "set"),
        ({"ids": [1], "set": {}}, "set"),
        ({"ids": [1], "set": {"priority": "sky-high"}}, "set"),
        ({"ids": ["1"], "set": {"priority": "high"}}, "ids"),
        ({"ids": [1], "set": {"labels": ["a"], "add_labels": ["b"]}}, "set"),
        ({"set": {"priority": "high"}}, "ids"),
    ],
)
def test_bad_bulk_input_is_422_and_changes_nothing(client, db, scene, body, field):
    task = scene["ops"][0]
    body = (
        {**body, "ids": [task.id if i == 1 else i for i in body["ids"]]} if "ids" in body else body
    )
    before = stored(db, task.id).version
    response = client.post(URL, json=body, headers=scene["headers"])
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    assert field in errors, errors
    assert stored(db, task.id).version == before
