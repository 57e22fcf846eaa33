"""The board and the bulk form in Chromium: a card dragged to another column, moved with the
arrow keys and with its button, a stale card put back with a message; a bulk assignment over
three tasks of which one is not the manager's to assign."""

from __future__ import annotations

import re

import pytest

from api.extensions import db
from api.tasks import service as tasks_service
from api.tasks.models import Task, TaskStatus
from tests.browser.conftest import open_page

pytestmark = pytest.mark.browser


def stored(task_id: int) -> Task:
    db.session.rollback()  # a new snapshot: the server committed in its own transactions
    try:
        return db.session.get(Task, task_id, populate_existing=True)
    finally:
        db.session.rollback()


@pytest.fixture
def scene(make):
    manager = make.user(role="manager", username="mona")
    worker = make.user(role="employee", username="eli")
    owner = make.user(role="employee", username="dora")
    ops = make.project("OPS", members={manager: "lead", worker: "member"})
    docs = make.project("DOCS", members={manager: "viewer", worker: "member", owner: "lead"})
    return {
        "manager": manager,
        "worker": worker,
        "owner": owner,
        "ops": [
            make.task(project=ops, created_by=manager, title=f"Rotate key {n}") for n in (1, 2, 3)
        ],
        "docs": make.task(project=docs, created_by=owner, title="Proofread the guide"),
    }


def _watch_csp(page, problems: list[str]) -> None:
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )


def card(page, task: Task):
    return page.get_by_test_id(f"card-{task.id}")


def test_drag_keyboard_and_button_move_cards(live_server, chromium, app, scene):
    first, second, third = scene["ops"]
    problems: list[str] = []
    page = open_page(chromium, app, live_server.url, scene["manager"])
    _watch_csp(page, problems)
    page.goto("/projects/OPS/board")

    # Drag the first card to "In progress".
    page.drag_and_drop(
        f"[data-testid=card-{first.id}]", "[data-testid=column-in_progress] [data-cards]"
    )
    page.get_by_test_id("board-status").filter(has_text="moved to in progress").wait_for()
    assert page.get_by_test_id("column-in_progress").get_by_test_id(f"card-{first.id}").count()
    assert stored(first.id).status == TaskStatus.IN_PROGRESS

    # The keyboard: focus the second card, right arrow twice: in progress, then completed.
    card(page, second).focus()
    page.keyboard.press("ArrowRight")
    page.get_by_test_id("board-status").filter(has_text=re.compile("OPS-2 moved")).wait_for()
    page.keyboard.press("ArrowRight")
    page.get_by_test_id("board-status").filter(has_text="moved to completed").wait_for()
    assert stored(second.id).status == TaskStatus.COMPLETED
    assert page.evaluate("document.activeElement.dataset.taskId") == str(second.id)
    completed = page.get_by_test_id("column-completed")
    assert completed.get_by_test_id(f"card-{second.id}").count() == 1
    assert completed.locator("[data-count]").inner_text() == "1"

    # Someone else moves the third task meanwhile: the board's card is stale, put back.
    tasks_service.set_status(
        task_id=third.id, status=TaskStatus.IN_PROGRESS, actor=scene["manager"], if_match=None
    )
    card(page, third).get_by_role("button", name=re.compile("^Completed")).click()
    page.get_by_test_id("board-status").filter(has_text="changed this task").wait_for()
    assert page.get_by_test_id("column-pending").get_by_test_id(f"card-{third.id}").count() == 1
    assert stored(third.id).status == TaskStatus.IN_PROGRESS
    assert problems == []


def test_board_without_script_is_a_list_with_buttons(live_server, chromium, app, scene):
    first = scene["ops"][0]
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = open_page(chromium, app, live_server.url, scene["manager"])
    cookies = page.context.cookies()
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto("/projects/OPS/board?q=Rotate")
    card(page, first).get_by_role("button", name=re.compile("^In progress")).click()
    page.wait_for_url(re.compile(r".*/projects/OPS/board\?q=Rotate$"))
    assert "OPS-1 moved to in progress." in page.content()
    assert stored(first.id).status == TaskStatus.IN_PROGRESS


def test_bulk_assign_with_one_task_forbidden(live_server, chromium, app, scene):
    worker, ops, docs = scene["worker"], scene["ops"], scene["docs"]
    problems: list[str] = []
    page = open_page(chromium, app, live_server.url, scene["manager"])
    _watch_csp(page, problems)
    page.goto("/tasks")
    apply = page.get_by_role("button", name="Apply to selected")
    assert apply.is_disabled()
    for task in (ops[0], docs, ops[2]):
        page.get_by_role("checkbox", name=re.compile(re.escape(task.title))).check()
    assert page.get_by_text("3 tasks selected").is_visible()
    page.get_by_label("Assign to").select_option(label="eli")
    apply.click()
    page.wait_for_url(re.compile(r".*/tasks$"))
    flash = page.locator(".flash-messages")
    assert "2 changed" in flash.inner_text() and "1 you may not change" in flash.inner_text()
    assert stored(ops[0].id).assignee_ids == [worker.id]
    assert stored(ops[2].id).assignee_ids == [worker.id]
    assert stored(ops[1].id).assignee_ids == []
    assert stored(docs.id).assignee_ids == []
    # Select all, then none: the buttons follow the selection.
    page.get_by_role("checkbox", name="Select every task on this page").check()
    assert page.get_by_text("4 tasks selected").is_visible()
    page.get_by_role("checkbox", name="Select every task on this page").uncheck()
    assert apply.is_disabled()
    assert problems == []
