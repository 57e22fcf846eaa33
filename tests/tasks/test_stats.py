"""GET /api/v1/stats: task figures on hand-made data at a fixed time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from api.tasks.models import TaskStatus

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return NOW + timedelta(days=n)


def test_task_stats(client, make, auth):
    with time_machine.travel(NOW, tick=False):
        alice = make.user(username="alice")
        bob = make.user(username="bob")
        carol = make.user(role="manager", username="carol")
        make.task(assignee=alice, deadline=day(-1))  # overdue
        make.task(assignee=alice, status=TaskStatus.IN_PROGRESS, deadline=day(1))
        make.task(
            assignee=alice, status=TaskStatus.COMPLETED, deadline=day(-10), completed_at=day(-5)
        )
        make.task(assignee=bob, deadline=NOW - timedelta(hours=2))  # overdue
        make.task(assignee=bob, status=TaskStatus.COMPLETED, completed_at=day(-31))
        make.task(status=TaskStatus.IN_PROGRESS, deadline=day(-3))  # overdue, unassigned
        make.task(deadline=None)
        make.task(assignee=carol, status=TaskStatus.COMPLETED, completed_at=day(-29))
        _manager, manager_h = auth.as_role("manager")
        response = client.get("/api/v1/stats", headers=manager_h)

    assert response.status_code == 200
    assert response.get_json()["tasks"] == {
        "by_status": {"pending": 3, "in_progress": 2, "completed": 3},
        "overdue": 3,
        "completed_last_30_days": 2,
        "per_assignee": [
            {"assignee_id": alice.id, "username": "alice", "open": 2, "overdue": 1},
            {"assignee_id": bob.id, "username": "bob", "open": 1, "overdue": 1},
        ],
    }


def test_per_assignee_orders_by_overdue_then_open_then_name(client, make, auth):
    with time_machine.travel(NOW, tick=False):
        zed = make.user(username="zed")
        amy = make.user(username="amy")
        ben = make.user(username="ben")
        make.task(assignee=zed, deadline=day(-1))
        make.task(assignee=zed, deadline=day(-2))
        for _ in range(3):
            make.task(assignee=amy)
        make.task(assignee=ben)
        make.task(assignee=ben)
        make.task(assignee=ben, deadline=day(-1))
        _admin, admin_h = auth.as_role("admin")
        body = client.get("/api/v1/stats", headers=admin_h).get_json()["tasks"]
    assert [(row["username"], row["open"], row["overdue"]) for row in body["per_assignee"]] == [
        ("zed", 2, 2),
        ("ben", 3, 1),
        ("amy", 3, 0),
    ]


def test_empty_stats(client, auth):
    _admin, admin_h = auth.as_role("admin")
    response = client.get("/api/v1/stats", headers=admin_h)
    assert response.status_code == 200
    assert response.get_json()["tasks"] == {
        "by_status": {"pending": 0, "in_progress": 0, "completed": 0},
        "overdue": 0,
        "completed_last_30_days": 0,
        "per_assignee": [],
    }


def test_employees_get_no_stats(client, make, auth):
    make.task()
    _employee, employee_h = auth.as_role("employee")
    response = client.get("/api/v1/stats", headers=employee_h)
    assert response.status_code == 403
    assert "tasks" not in response.get_json()
