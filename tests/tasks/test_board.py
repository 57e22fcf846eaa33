"""The project board (/projects/<key>/board) and the task list's bulk form, served as HTML."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.activity.models import Activity
from api.db import utcnow
from api.tasks.models import Priority, Task, TaskStatus
from tests.web.conftest import WebClient

JSON = {"Accept": "application/json"}


def stored(db, task_id: int) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task_id)


@pytest.fixture
def scene(app, make):
    lead = make.user(role="manager", username="mona")
    worker = make.user(role="employee", username="eli.kay")
    other = make.user(role="employee", username="bo")
    ops = make.project("OPS", members={lead: "lead", worker: "member", other: "member"})
    bug = make.label(ops, "bug")
    tasks = {
        "mine": make.task(
            project=ops,
            created_by=lead,
            assignee=worker,
            title="Fix the login form",
            priority=Priority.URGENT,
            labels=[bug],
            deadline=utcnow() - timedelta(days=1),
        ),
        "theirs": make.task(
            project=ops, created_by=lead, assignee=other, title="Write the handbook"
        ),
        "done": make.task(
            project=ops, created_by=lead, title="Old chore", status=TaskStatus.COMPLETED
        ),
    }
    make.project("HID", members={other: "lead"})
    return {
        "lead": lead,
        "worker": worker,
        "other": other,
        "tasks": tasks,
        "lead_web": WebClient(app).sign_in(lead),
        "worker_web": WebClient(app).sign_in(worker),
    }


def column(html: str, status: str) -> str:
    start = html.index(f'data-column="{status}"')
    end = html.find("data-column=", start + 20)
    return html[start : end if end != -1 else len(html)]


def test_board_shows_one_column_per_status_with_the_cards(scene):
    html = scene["lead_web"].get("/projects/OPS/board").text
    mine, theirs, done = (scene["tasks"][k] for k in ("mine", "theirs", "done"))
    pending = column(html, "pending")
    assert mine.title in pending and theirs.title in pending
    assert done.title in column(html, "completed") and done.title not in pending
    card = pending[pending.index(f'data-testid="card-{mine.id}"') :]
    card = card[: card.index("</li>")]
    assert "OPS-1" in card and ">EK<" in card and "bug" in card
    assert "Overdue" in card and "board-card-overdue" in pending
    assert "Urgent" in card
    # One button per column; its own column's is hidden (the script shows it after a move).
    assert card.count("data-move") == 3 and card.count("data-move hidden") == 1
    assert 'name="version" value="1"' in card


def test_board_filters_are_the_task_lists(scene):
    web = scene["lead_web"]
    worker = scene["worker"]
    mine, theirs = scene["tasks"]["mine"], scene["tasks"]["theirs"]
    for query in (
        f"assignee_id={worker.id}",
        "label=bug",
        "priority=urgent",
        "q=login",
    ):
        html = web.get(f"/projects/OPS/board?{query}").text
        assert mine.title in html and theirs.title not in html, query
    bad = web.get("/projects/OPS/board?priority=sky&q=login")
    assert bad.status_code == 200 and "priority" in bad.text and mine.title in bad.text


def test_board_of_a_project_one_may_not_see_is_404(scene):
    assert scene["worker_web"].get("/projects/HID/board").status_code == 404
    assert scene["worker_web"].get("/projects/NOPE/board").status_code == 404


def test_an_employee_moves_only_their_own_cards(scene):
    html = scene["worker_web"].get("/projects/OPS/board").text
    mine, theirs = scene["tasks"]["mine"], scene["tasks"]["theirs"]
    assert f'data-task-id="{mine.id}"' in html
    card = html[html.index(f'data-testid="card-{theirs.id}"') :]
    assert "data-movable" not in card[: card.index(">")]
    assert "data-move" not in card[: card.index("</li>")]


def test_a_move_changes_the_status_through_the_service(scene, db):
    task = scene["tasks"]["mine"]
    response = scene["worker_web"].post(
        "/projects/OPS/board/move",
        {"task_id": str(task.id), "status": "in_progress", "version": "1"},
        headers=JSON,
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "message": "OPS-1 moved to in progress.",
        "status": "in_progress",
        "version": 2,
    }
    assert stored(db, task.id).status == TaskStatus.IN_PROGRESS
    actions = db.session.scalars(
        sa.select(Activity.action).where(Activity.entity_id == task.id)
    ).all()
    assert "status_changed" in actions


def test_a_stale_card_is_refused_and_nothing_changes(scene, db):
    task = scene["tasks"]["mine"]
    web = scene["worker_web"]
    web.post(
        "/projects/OPS/board/move",
        {"task_id": str(task.id), "status": "in_progress", "version": "1"},
        headers=JSON,
    )
    response = web.post(
        "/projects/OPS/board/move",
        {"task_id": str(task.id), "status": "completed", "version": "1"},
        headers=JSON,
    )
    assert response.status_code == 412
    assert "changed this task" in response.get_json()["message"]
    assert stored(db, task.id).status == TaskStatus.IN_PROGRESS


def test_without_script_a_move_returns_to_the_filtered_board(scene, db):
    task = scene["tasks"]["mine"]
    response = scene["worker_web"].post(
        "/projects/OPS/board/move?label=bug",
        {"task_id": str(task.id), "status": "completed", "version": "1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/projects/OPS/board?label=bug")
    assert stored(db, task.id).status == TaskStatus.COMPLETED


def test_a_refused_move_shows_the_board_with_the_reason(scene, db):
    theirs = scene["tasks"]["theirs"]
    response = scene["worker_web"].post(
        "/projects/OPS/board/move",
        {"task_id": str(theirs.id), "status": "completed", "version": "1"},
    )
    assert response.status_code == 403
    assert 'data-testid="form-error"' in response.text
    assert stored(db, theirs.id).status == TaskStatus.PENDING
    bad = scene["worker_web"].post(
        "/projects/OPS/board/move", {"task_id": "x", "status": "completed"}, headers=JSON
    )
    assert bad.status_code == 422 and bad.get_json()["message"]


def test_bulk_form_changes_the_allowed_tasks_and_says_what_happened(scene, db, make, app):
    """The worker may move their own task's status, not the other's: one changes."""
    mine, theirs = scene["tasks"]["mine"], scene["tasks"]["theirs"]
    web = scene["worker_web"]
    response = web.post(
        "/tasks/bulk?project=OPS",
        {"ids": [str(mine.id), str(theirs.id)], "status": "in_progress"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/tasks?project=OPS")
    page = web.get("/tasks?project=OPS").text
    assert "1 changed" in page and "1 you may not change" in page
    assert stored(db, mine.id).status == TaskStatus.IN_PROGRESS
    assert stored(db, theirs.id).status == TaskStatus.PENDING


def test_bulk_form_assigns_and_dates(scene, db):
    mine, theirs = scene["tasks"]["mine"], scene["tasks"]["theirs"]
    other = scene["other"]
    response = scene["lead_web"].post(
        "/tasks/bulk",
        {
            "ids": [str(mine.id), str(theirs.id)],
            "assignee": str(other.id),
            "deadline": "2031-05-01T09:30",
            "add_label": "bug",
        },
    )
    assert response.status_code == 302
    for task in (mine, theirs):
        after = stored(db, task.id)
        assert after.assignee_ids == [other.id]
        assert after.deadline is not None and after.deadline.year == 2031
        assert [label.name for label in after.labels] == ["bug"]


def test_bulk_form_refusals(scene, db):
    web = scene["worker_web"]
    theirs = scene["tasks"]["theirs"]
    nothing = web.post("/tasks/bulk", {"ids": [str(theirs.id)], "status": "completed"})
    assert nothing.status_code == 403 and "you may not change" in nothing.text
    bad = web.post("/tasks/bulk", {"ids": [str(theirs.id)], "priority": "sky"})
    assert bad.status_code == 422
    none = web.post("/tasks/bulk", {"status": "completed"})
    assert none.status_code == 422 and "Select at least one task" in none.text
    assert stored(db, theirs.id).status == TaskStatus.PENDING


def test_task_list_rows_have_boxes_and_the_bulk_bar(scene):
    html = scene["lead_web"].get("/tasks?project=OPS").text
    assert html.count('name="ids"') == 3
    assert 'action="/tasks/bulk?project=OPS"' in html
    assert "Board view" in html
