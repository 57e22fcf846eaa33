"""Comments: posting, editing, deleting, mentions, the timeline, and hostile Markdown."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from api.activity.models import Activity
from api.comments.models import CommentMention, TaskComment, TaskWatcher
from api.inbox.models import Notification
from api.notifications.models import OutboxEmail


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def snapshot(db) -> list[int]:
    """Row counts of everything a comment may write."""
    return [
        count(db, m)
        for m in (TaskComment, CommentMention, TaskWatcher, Notification, Activity, OutboxEmail)
    ]


def post(client, task_id: int, body: str, headers):
    return client.post(f"/api/v1/tasks/{task_id}/comments", json={"body": body}, headers=headers)


def notified(db, user_id: int) -> list[tuple[str, int | None]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    )
    return [(row.kind.value, row.task_id) for row in rows]


@pytest.fixture
def team(make, auth):
    """A task of project OPS (the manager leads, the employee is a member) assigned to the
    employee; a second employee who is not a member and cannot see it."""
    manager, manager_h = auth.as_role("manager")
    employee, employee_h = auth.as_role("employee")
    outsider, outsider_h = auth.as_role("employee")
    ops = make.project("OPS", members={manager: "lead", employee: "member"})
    task = make.task(assignee=employee, created_by=manager, title="Fix the boiler", project=ops)
    return {
        "manager": (manager, manager_h),
        "employee": (employee, employee_h),
        "outsider": (outsider, outsider_h),
        "task": task,
    }


def test_a_comment_is_rendered_listed_and_on_the_timeline_without_changing_the_etag(
    client, db, team
):
    employee, employee_h = team["employee"]
    task = team["task"]
    before = client.get(f"/api/v1/tasks/{task.id}", headers=employee_h).headers["ETag"]

    created = post(client, task.id, "Done **soon**, see [docs](https://example.com/a)", employee_h)

    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["author"] == {"id": employee.id, "username": employee.username}
    assert "<strong>soon</strong>" in body["body_html"]
    assert 'rel="nofollow noopener noreferrer"' in body["body_html"]
    assert body["edited_at"] is None and body["mentions"] == []
    listed = client.get(f"/api/v1/tasks/{task.id}/comments", headers=employee_h).get_json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    timeline = client.get(f"/api/v1/tasks/{task.id}/activity", headers=employee_h).get_json()
    assert timeline[-1]["action"] == "commented"
    assert timeline[-1]["changes"] == {"comment_id": [None, body["id"]]}
    after = client.get(f"/api/v1/tasks/{task.id}", headers=employee_h).headers["ETag"]
    assert after == before


def test_the_author_edits_and_the_edit_is_marked(client, db, team):
    employee, employee_h = team["employee"]
    _, manager_h = team["manager"]
    task = team["task"]
    comment = post(client, task.id, "First", employee_h).get_json()
    url = f"/api/v1/tasks/{task.id}/comments/{comment['id']}"

    assert client.patch(url, json={"body": "Not mine"}, headers=manager_h).status_code == 403
    edited = client.patch(url, json={"body": "Second"}, headers=employee_h)

    assert edited.status_code == 200
    assert edited.get_json()["body"] == "Second" and edited.get_json()["edited_at"]
    db.session.expire_all()
    assert db.session.get(TaskComment, comment["id"]).body == "Second"


def test_a_manager_deletes_any_comment_and_the_author_their_own(client, db, team):
    _, employee_h = team["employee"]
    _, manager_h = team["manager"]
    task = team["task"]
    mine = post(client, task.id, "Mine", employee_h).get_json()["id"]
    theirs = post(client, task.id, "The manager's", manager_h).get_json()["id"]
    base = f"/api/v1/tasks/{task.id}/comments"

    assert client.delete(f"{base}/{theirs}", headers=employee_h).status_code == 403
    assert client.delete(f"{base}/{mine}", headers=employee_h).status_code == 204
    assert client.delete(f"{base}/{theirs}", headers=manager_h).status_code == 204
    db.session.expire_all()
    assert count(db, TaskComment) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": " \n\t "}, "body"),
        ({"body": "\u200b\u200b"}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": 42}, "body"),
        ({}, "body"),
        ({"body": "ok", "author_id": 1}, "author_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(client, db, team, payload, field):
    _, employee_h = team["employee"]
    task = team["task"]
    before = snapshot(db)

    response = client.post(f"/api/v1/tasks/{task.id}/comments", json=payload, headers=employee_h)

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    db.session.expire_all()
    assert snapshot(db) == before


def test_someone_who_cannot_see_the_task_cannot_comment_and_nothing_is_written(client, db, team):
    _, outsider_h = team["outsider"]
    employee, _ = team["employee"]
    before = snapshot(db)

    response = post(client, team["task"].id, f"Hey @{employee.username}", outsider_h)

    assert response.status_code == 404
    db.session.expire_all()
    assert snapshot(db) == before
    assert notified(db, employee.id) == []


def test_a_mention_of_someone_who_cannot_see_the_task_notifies_nobody_and_leaks_nothing(
    client, db, team
):
    """The answer for an outsider's name is the one for a name that does not exist."""
    employee, employee_h = team["employee"]
    outsider, _ = team["outsider"]
    manager, manager_h = team["manager"]
    task = team["task"]
    client.put(f"/api/v1/tasks/{task.id}/watchers/me", headers=manager_h)

    real = post(client, task.id, f"Ping @{outsider.username}", employee_h).get_json()
    fake = post(client, task.id, "Ping @nobody_at_all", employee_h).get_json()

    assert real["mentions"] == fake["mentions"] == []
    assert real["body_html"].replace(outsider.username, "X") == fake["body_html"].replace(
        "nobody_at_all", "X"
    )
    assert set(real) == set(fake)
    assert notified(db, outsider.id) == []
    db.session.expire_all()
    assert not db.session.scalar(sa.select(TaskWatcher).where(TaskWatcher.user_id == outsider.id))
    # The manager watches: told of each comment, of no mention.
    assert notified(db, manager.id) == [("commented", task.id), ("commented", task.id)]


def test_a_mention_notifies_a_person_who_sees_the_task_and_they_watch_it(client, db, team):
    employee, employee_h = team["employee"]
    manager, _ = team["manager"]
    task = team["task"]

    created = post(client, task.id, f"@{manager.username.upper()} can you check?", employee_h)

    assert created.get_json()["mentions"] == [{"id": manager.id, "username": manager.username}]
    assert notified(db, manager.id) == [("mentioned", task.id)]  # once, not also "commented"
    assert notified(db, employee.id) == []  # nobody hears of their own comment
    watchers = client.get(f"/api/v1/tasks/{task.id}/watchers", headers=employee_h).get_json()
    assert {w["username"] for w in watchers} == {manager.username, employee.username}


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">x</a>',
    "![img](javascript:alert(1))",
    '![img](https://example.com/x.png "onerror=alert(1)")',
    "<javascript:alert(1)>",
    '[x](https://example.com" onmouseover="alert(1))',
    '<iframe src="https://example.com"></iframe>',
    "<details open ontoggle=alert(1)>",
    "```html\n<script>alert(1)</script>\n```",
    "<style>body{display:none}</style>",
    "[a]: javascript:alert(1)\n\n[a]",
    "<a href='x' style='position:fixed'>x</a>",
]
HANDLER = re.compile(r"<[^>]*\son\w+\s*=", re.I)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_markdown_renders_without_script_handlers_or_javascript_urls(client, team, payload):
    _, employee_h = team["employee"]
    created = post(client, team["task"].id, payload, employee_h)

    assert created.status_code == 201
    html = created.get_json()["body_html"]
    assert "<script" not in html.lower()
    assert not HANDLER.search(html)
    assert not re.search(
        r"""<[^>]*\b(href|src)\s*=\s*["']?\s*(javascript|vbscript|data):""", html, re.I
    )
    assert "<img" not in html and "<iframe" not in html and "<style" not in html
    for href in re.findall(r'<a\s[^>]*href="([^"]*)"', html):
        assert href.startswith(("http://", "https://", "mailto:")), href


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"body": ""}, "body"), ({"body": "x" * 10_001}, "body"), ({"body": "ok", "id": 3}, "id")],
)
def test_a_bad_edit_is_a_422_naming_the_field_and_changes_nothing(client, db, team, payload, field):
    _, employee_h = team["employee"]
    task = team["task"]
    comment = post(client, task.id, "Original", employee_h).get_json()
    before = snapshot(db)

    response = client.patch(
        f"/api/v1/tasks/{task.id}/comments/{comment['id']}", json=payload, headers=employee_h
    )

    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]
    db.session.expire_all()
    assert snapshot(db) == before
    saved = db.session.get(TaskComment, comment["id"])
    assert saved.body == "Original" and saved.edited_at is None


def test_watch_and_unwatch_are_idempotent(client, db, team):
    employee, employee_h = team["employee"]
    url = f"/api/v1/tasks/{team['task'].id}/watchers/me"
    assert client.put(url, headers=employee_h).get_json() == {"watching": True}
    assert client.put(url, headers=employee_h).get_json() == {"watching": True}
    listed = client.get(f"/api/v1/tasks/{team['task'].id}/watchers", headers=employee_h)
    assert listed.get_json() == [{"id": employee.id, "username": employee.username}]
    assert client.delete(url, headers=employee_h).get_json() == {"watching": False}
    assert client.delete(url, headers=employee_h).get_json() == {"watching": False}
    db.session.expire_all()
    assert count(db, TaskWatcher) == 0


def test_viewers_read_members_comment_and_a_project_lead_deletes_any_comment(
    client, db, make, auth
):
    lead, lead_h = auth.as_role("employee")
    member, member_h = auth.as_role("employee")
    viewer, viewer_h = auth.as_role("employee")
    ops = make.project("LED", members={lead: "lead", member: "member", viewer: "viewer"})
    task = make.task(assignee=member, created_by=lead, project=ops)

    assert client.get(f"/api/v1/tasks/{task.id}/comments", headers=viewer_h).status_code == 200
    assert post(client, task.id, "A viewer speaks", viewer_h).status_code == 403
    assert client.put(f"/api/v1/tasks/{task.id}/watchers/me", headers=viewer_h).status_code == 403
    mine = post(client, task.id, f"@{viewer.username} fyi", member_h).get_json()
    assert mine["mentions"] == [{"id": viewer.id, "username": viewer.username}]
    assert notified(db, viewer.id) == [("mentioned", task.id)]  # viewers may be told

    url = f"/api/v1/tasks/{task.id}/comments/{mine['id']}"
    assert client.delete(url, headers=viewer_h).status_code == 403
    assert client.patch(url, json={"body": "x"}, headers=lead_h).status_code == 403
    assert client.delete(url, headers=lead_h).status_code == 204


def test_every_newly_added_assignee_is_notified(client, db, make, auth):
    manager, manager_h = auth.as_role("manager")
    first, _ = auth.as_role("employee")
    second, _ = auth.as_role("employee")
    make.project("TWO", members={manager: "lead", first: "member", second: "member"})
    created = client.post(
        "/api/v1/tasks",
        json={"title": "Pair on it", "project": "TWO", "assignee_ids": [first.id, second.id]},
        headers=manager_h,
    )
    assert created.status_code == 201, created.get_json()
    task_id = created.get_json()["id"]
    assert notified(db, first.id) == [("assigned", task_id)]
    assert notified(db, second.id) == [("assigned", task_id)]
    watchers = client.get(f"/api/v1/tasks/{task_id}/watchers", headers=manager_h).get_json()
    assert {w["id"] for w in watchers} == {manager.id, first.id, second.id}
