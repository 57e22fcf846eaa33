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
        op = rng.choice(
            ["create", "create", "status", "assign", "several", "edit", "delete", "user"]
        )
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
        elif op == "several":  # any of task_assignees counts, once per assignee
            chosen = rng.sample(people, rng.randint(0, min(3, len(people))))
            response = client.put(
                f"{URL}/{task_id}/assign",
                json={"assignee_ids": [p.id for p in chosen]},
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
    every = {k: n for k, n in counters.counted(db.session).items() if k[1] == counters.EVERY_TASK}
    assert sum(every.values()) == len(tasks)


def test_recount_rebuilds_the_counters(make, app):
    someone = make.user()
    one = make.task(assignee=someone)
    make.task()
    db.session.execute(counters.TaskCount.__table__.delete())
    db.session.commit()
    assert counters.counted(db.session) == {}
    counters.recount(db.session)
    db.session.commit()
    assert counters.counted(db.session) == counters.actual(db.session)
    project = one.project_id or counters.NO_PROJECT
    assert counters.counted(db.session) == {
        (project, someone.id, "pending"): 1,
        (project, counters.EVERY_TASK, "pending"): 2,
    }


def test_stats_read_the_counters(client, auth, make):
    someone = make.user()
    task = make.task(assignee=someone)
    project = task.project_id or counters.NO_PROJECT
    # A count no task backs shows that /stats reads the counters, not the table.
    counters.apply(
        db.session,
        {(project, someone.id, "in_progress"): 5, (project, counters.EVERY_TASK, "in_progress"): 5},
    )
    db.session.commit()
    h = auth.as_role("manager")[1]
    figures = client.get("/api/v1/stats", headers=h).get_json()["tasks"]
    assert figures["by_status"]["in_progress"] == 5
    assert {"assignee_id": someone.id, "username": someone.username, "open": 6, "overdue": 0} in (
        figures["per_assignee"]
    )


def test_stats_of_a_project_read_its_counters_and_count_each_assignee(client, auth, make):
    admin, h = auth.as_role("admin")
    first, second = make.user(role="employee"), make.user(role="employee")
    created = client.post(
        "/api/v1/projects", json={"key": "CNT", "name": "Counted"}, headers=h
    )
    assert created.status_code == 201, created.get_json()
    for person in (first, second):
        added = client.put(
            f"/api/v1/projects/CNT/members/{person.id}", json={"role": "member"}, headers=h
        )
        assert added.status_code in (200, 201), added.get_json()
    body = {
        "title": "Both",
        "project": "CNT",
        "assignee_ids": [first.id, second.id],
        "deadline": "2026-01-02T09:00:00Z",
    }
    assert client.post(URL, json=body, headers=h).status_code == 201
    assert client.post(URL, json={"title": "Elsewhere"}, headers=h).status_code == 201
    db.session.expire_all()
    assert counters.counted(db.session) == counters.actual(db.session)
    figures = client.get("/api/v1/stats?project=CNT", headers=h).get_json()["tasks"]
    assert figures["by_status"]["pending"] == 1
    assert figures["overdue"] == 1
    people = {p["assignee_id"]: (p["open"], p["overdue"]) for p in figures["per_assignee"]}
    assert people == {first.id: (1, 1), second.id: (1, 1)}
    # Removing a member unassigns them (a bulk statement: recounted in the same transaction).
    removed = client.delete(f"/api/v1/projects/CNT/members/{first.id}", headers=h)
    assert removed.status_code == 204
    db.session.expire_all()
    assert counters.counted(db.session) == counters.actual(db.session)
    assert counters.counted_days(db.session) == counters.actual_days(db.session)
