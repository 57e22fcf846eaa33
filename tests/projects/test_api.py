"""Projects through the JSON API (issue 14): refs, numbering, several assignees and their
emails, labels, the list filters, moving a task, and what a list costs in SQL statements."""

from __future__ import annotations

import sqlalchemy as sa

from api.notifications.models import EmailKind, OutboxEmail
from api.projects.models import Project, ProjectMember
from api.tasks.models import Task, TaskAssignee


def _ops(make, auth):
    lead = make.user(role="manager")
    ann, bob = make.user(), make.user()
    ops = make.project("OPS", members={lead: "lead", ann: "member", bob: "member"})
    make.label(ops, "bug", "#d73a49")
    make.label(ops, "customer", "#0366d6")
    return ops, lead, auth.headers(lead), ann, bob


def _assigned_to(db, user) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.kind == EmailKind.TASK_ASSIGNED, OutboxEmail.recipient == user.email)
    )


def test_a_manager_creates_a_project_and_leads_it(client, auth, db):
    manager, headers = auth.as_role("manager")
    response = client.post(
        "/api/v1/projects", json={"key": "OPS", "name": "Operations"}, headers=headers
    )
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/projects/OPS"
    body = response.get_json()
    assert (body["key"], body["name"], body["is_archived"]) == ("OPS", "Operations", False)
    project = db.session.scalar(sa.select(Project).where(Project.key == "OPS"))
    member = db.session.get(ProjectMember, (project.id, manager.id))
    assert member.role.value == "lead"
    listed = client.get("/api/v1/projects", headers=headers).get_json()
    assert "OPS" in [p["key"] for p in listed]
    # The key is immutable: PATCH does not know it.
    refused = client.patch("/api/v1/projects/OPS", json={"key": "NEW"}, headers=headers)
    assert refused.status_code == 422 and "key" in refused.get_json()["errors"]["json"]


def test_tasks_get_numbers_and_refs_per_project(client, make, auth, db):
    _ops_project, _lead, headers, ann, bob = _ops(make, auth)
    refs = []
    for n in range(3):
        response = client.post(
            "/api/v1/tasks", json={"title": f"T{n}", "project": "OPS"}, headers=headers
        )
        assert response.status_code == 201
        refs.append(response.get_json()["ref"])
    assert refs == ["OPS-1", "OPS-2", "OPS-3"]
    general = client.post("/api/v1/tasks", json={"title": "G"}, headers=headers).get_json()
    assert general["project"] == "GEN" and general["ref"] == "GEN-1"
    found = client.get("/api/v1/tasks?ref=OPS-2", headers=headers).get_json()["items"]
    assert [t["ref"] for t in found] == ["OPS-2"]
    by_q = client.get("/api/v1/tasks?q=ops-3", headers=headers).get_json()["items"]
    assert [t["ref"] for t in by_q] == ["OPS-3"]
    only_ops = client.get("/api/v1/tasks?project=OPS", headers=headers).get_json()
    assert only_ops["total"] == 3


def test_several_assignees_labels_and_emails_to_the_new_ones_only(client, make, auth, db):
    _ops_project, _lead, headers, ann, bob = _ops(make, auth)
    created = client.post(
        "/api/v1/tasks",
        json={
            "title": "Both",
            "project": "OPS",
            "assignee_ids": [ann.id, bob.id],
            "labels": ["bug", "customer"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["assignees"] == [
        {"id": ann.id, "username": ann.username},
        {"id": bob.id, "username": bob.username},
    ]
    assert body["assignee"] == {"id": ann.id, "username": ann.username}  # older clients
    assert [label["name"] for label in body["labels"]] == ["bug", "customer"]
    assert _assigned_to(db, ann) == 1 and _assigned_to(db, bob) == 1
    task = db.session.get(Task, body["id"])
    assert task.assignee_id == ann.id  # tasks.assignee_id: the first, for older code

    etag = client.get(f"/api/v1/tasks/{task.id}", headers=headers).headers["ETag"]
    again = client.put(
        f"/api/v1/tasks/{task.id}/assign",
        json={"assignee_ids": [bob.id]},
        headers={**headers, "If-Match": etag},
    )
    assert again.status_code == 200
    assert _assigned_to(db, ann) == 1 and _assigned_to(db, bob) == 1  # nobody new: no email

    ann_h = auth.headers(ann)
    mine = client.get("/api/v1/tasks/mine", headers=auth.headers(bob)).get_json()["items"]
    assert [t["id"] for t in mine] == [task.id]
    assert client.get("/api/v1/tasks/mine", headers=ann_h).get_json()["items"] == []
    by_label = client.get("/api/v1/tasks?label=customer&label=nothing", headers=ann_h).get_json()
    assert [t["id"] for t in by_label["items"]] == [task.id]
    by_person = client.get(f"/api/v1/tasks?assignee_id={bob.id}", headers=ann_h).get_json()
    assert [t["id"] for t in by_person["items"]] == [task.id]


def test_unknown_labels_and_outsiders_are_422_and_write_nothing(client, make, auth, db):
    _ops_project, _lead, headers, _ann, _bob = _ops(make, auth)
    outsider = make.user(general=False)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    for body, field in [
        ({"labels": ["bug", "nope"]}, "labels"),
        ({"assignee_ids": [outsider.id]}, "assignee_ids"),
        ({"assignee_id": outsider.id}, "assignee_id"),
    ]:
        response = client.post(
            "/api/v1/tasks", json={"title": "x", "project": "OPS", **body}, headers=headers
        )
        assert response.status_code == 422
        assert list(response.get_json()["errors"]["json"]) == [field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == before


def test_a_member_sees_every_task_of_the_project_and_moves_only_theirs(client, make, auth):
    ops, lead, _headers, ann, bob = _ops(make, auth)
    theirs = make.task(project=ops, assignee=ann)
    others = make.task(project=ops, assignee=bob)
    hidden = make.task(project=make.project("SEC"))
    ann_h = auth.headers(ann)
    seen = client.get("/api/v1/tasks?project=OPS", headers=ann_h).get_json()["items"]
    assert {t["id"] for t in seen} == {theirs.id, others.id}
    assert client.get(f"/api/v1/tasks/{hidden.id}", headers=ann_h).status_code == 404
    ok = client.put(
        f"/api/v1/tasks/{theirs.id}/status", json={"status": "completed"}, headers=ann_h
    )
    assert ok.status_code == 200
    no = client.put(
        f"/api/v1/tasks/{others.id}/status", json={"status": "completed"}, headers=ann_h
    )
    assert no.status_code == 403


def test_moving_a_task_takes_the_next_number_of_the_target(client, make, auth, db):
    ops, lead, headers, ann, _bob = _ops(make, auth)
    make.project("WEB", members={lead: "lead", ann: "member"})
    task = make.task(project=ops, assignee=ann)
    moved = client.patch(f"/api/v1/tasks/{task.id}", json={"project": "WEB"}, headers=headers)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["ref"] == "WEB-1"
    assert db.session.get(Task, task.id).assignee_ids == [ann.id]


def test_removing_a_member_unassigns_them_in_the_project(client, make, auth, db):
    ops, _lead, headers, ann, _bob = _ops(make, auth)
    task = make.task(project=ops, assignee=ann)
    assert (
        client.delete(f"/api/v1/projects/OPS/members/{ann.id}", headers=headers).status_code == 204
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(TaskAssignee)
            .where(TaskAssignee.task_id == task.id)
        )
        == 0
    )
    # No longer a member of OPS: its tasks are not there for them.
    assert client.get(f"/api/v1/tasks/{task.id}", headers=auth.headers(ann)).status_code == 404


def test_a_list_with_assignees_and_labels_stays_at_three_statements(
    client, make, auth, count_queries
):
    ops, _lead, headers, ann, bob = _ops(make, auth)
    bug = make.label(ops, "infra")
    for n in range(30):
        make.task(project=ops, assignees=[ann, bob] if n % 2 else [bob], labels=[bug])
    with count_queries() as counter:
        body = client.get("/api/v1/tasks?page_size=50", headers=headers).get_json()
    assert body["total"] == 30
    assert all(item["labels"] and item["assignees"] for item in body["items"])
    assert counter.count <= 3


def test_stats_for_one_project(client, make, auth):
    ops, _lead, headers, ann, _bob = _ops(make, auth)
    make.task(project=ops, assignee=ann)
    make.task(assignee=ann)  # General
    figures = client.get("/api/v1/stats?project=OPS", headers=headers).get_json()["tasks"]
    assert sum(figures["by_status"].values()) == 1
    assert figures["per_assignee"][0]["assignee_id"] == ann.id
    outsider_h = auth.headers(make.user(role="manager", general=False))
    assert client.get("/api/v1/stats?project=OPS", headers=outsider_h).status_code == 404
    assert client.get("/api/v1/stats?project=bad", headers=headers).status_code == 422


def test_the_demo_seed_files_every_task_in_a_project(app, db):
    from api.demo import seed

    seed(users=8, tasks=20)
    tasks = db.session.scalars(sa.select(Task)).all()
    assert tasks and all(t.project_id is not None and t.number for t in tasks)
    assert {p.key for p in db.session.scalars(sa.select(Project))} == {"GEN", "OPS", "WEB"}
    for task in tasks:
        if task.assignee_id:
            assert task.assignee_ids == [task.assignee_id]
