"""The task counters (api/tasks/counters.py) stay equal to a recount through every write path:
create, status change, assignment, edit, task delete, user delete; and the stats read them."""

from __future__ import annotations

import random

from api.extensions import db
from api.tasks import counters

URL = "/api/v1/tasks"


def _etag(client, h, task_id):
    return client.get(f"{URL}/{task_id}", headers=h).headers["ETag"]


def test_random_operations_keep_the_counters_equal_to_a_recount(client, auth, make):
    rng = random.Random(17)
    admin, h = auth.as_role("admin")
    people = [make.user(role="employee") for _ in range(4)] + [make.user(role="manager")]
    tasks: list[int] = []
    for _step in range(80):
        op = rng.choice(["create", "create", "status", "assign", "edit", "delete", "user"])
        if op == "create" or not tasks:
            body = {"title": f"Task {_step}"}
            if rng.random() < 0.6:
                body["deadline"] = f"2026-01-0{rng.randint(1, 3)}T23:30:00+00:00"
            if rng.random() < 0.7:
                body["assignee_id"] = rng.choice(people).id
            response = client.post(URL, json=body, headers=h)
            assert response.status_code == 201, response.get_json()
            tasks.append(response.get_json()["id"])
            continue
        task_id = rng.choice(tasks)
        headers = {**h, "If-Match": _etag(client, h, task_id)}
        if op == "status":
            status = rng.choice(["pending", "in_progress", "completed"])
            response = client.put(
                f"{URL}/{task_id}/status", json={"status": status}, headers=headers
            )
        elif op == "assign":
            assignee = rng.choice([*people, None])
            response = client.put(
                f"{URL}/{task_id}/assign",
                json={"assignee_id": assignee.id if assignee else None},
                headers=headers,
            )
        elif op == "edit":
            deadline = rng.choice([None, f"2026-01-0{rng.randint(1, 3)}T09:00:00Z"])
            response = client.patch(
                f"{URL}/{task_id}", json={"title": "Edited", "deadline": deadline}, headers=headers
            )
        elif op == "delete":
            response = client.delete(f"{URL}/{task_id}", headers=h)
            tasks.remove(task_id)
        else:
            if len(people) < 3:
                continue
            gone = people.pop(rng.randrange(len(people)))
            response = client.delete(f"/api/v1/users/{gone.id}", headers=h)
        assert response.status_code in (200, 204), (op, response.get_json())
        db.session.expire_all()
        assert counters.counted(db.session) == counters.actual(db.session), (_step, op)
        assert counters.counted_days(db.session) == counters.actual_days(db.session), (_step, op)
    assert sum(counters.counted(db.session).values()) == len(tasks)


def test_recount_rebuilds_the_counters(make, app):
    someone = make.user()
    make.task(assignee=someone)
    make.task()
    db.session.execute(counters.TaskCount.__table__.delete())
    db.session.commit()
    assert counters.counted(db.session) == {}
    counters.recount(db.session)
    db.session.commit()
    assert counters.counted(db.session) == counters.actual(db.session)
    assert counters.counted(db.session) == {(someone.id, "pending"): 1, (0, "pending"): 1}


def test_stats_read_the_counters(client, auth, make):
    someone = make.user()
    make.task(assignee=someone)
    # A count no task backs shows that /stats reads the counters, not the table.
    counters.apply(db.session, {(someone.id, "in_progress"): 5})
    db.session.commit()
    h = auth.as_role("manager")[1]
    figures = client.get("/api/v1/stats", headers=h).get_json()["tasks"]
    assert figures["by_status"]["in_progress"] == 5
    assert {"assignee_id": someone.id, "username": someone.username, "open": 6, "overdue": 0} in (
        figures["per_assignee"]
    )
