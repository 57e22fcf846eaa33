"""Projects in Chromium (issue 14): a manager creates a project, adds two employees and creates
a task for both; screenshots of the project pages at 1366 and 390 px, light and dark."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from api.tasks.models import Task
from tests.browser.test_journey import _read, _sign_in

pytestmark = pytest.mark.browser


def _page(chromium, base: str, errors: list[str], *, width: int = 1366, dark: bool = False):
    context = chromium.new_context(
        base_url=base,
        viewport={"width": width, "height": 900 if width > 500 else 844},
        color_scheme="dark" if dark else "light",
    )
    context.set_default_timeout(8000)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_manager_creates_a_project_adds_two_people_and_a_task_for_both(
    live_server, chromium, shots, make, db
):
    base = live_server.url
    csp: list[str] = []
    manager = make.user(role="manager", username="mona")
    ann = make.user(username="ann")
    bob = make.user(username="bob")

    page = _page(chromium, base, csp)
    _sign_in(page, base, manager.username)
    page.get_by_role("link", name="Projects", exact=True).click()
    page.get_by_label("Key").fill("OPS")
    page.get_by_label("Name").fill("Operations")
    page.get_by_label("Description").fill("Servers, backups and the on-call rota.")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r".*/projects/OPS$"))
    for person in ("ann", "bob"):
        page.get_by_label("Add a person").select_option(label=f"{person} (employee)")
        page.get_by_role("button", name="Add", exact=True).first.click()
    assert page.get_by_test_id("member").count() == 3
    page.get_by_label("New label").fill("backup")
    page.get_by_role("button", name="Add", exact=True).last.click()
    assert "Label added." in page.content(), page.content()[-3000:]

    page.goto(f"{base}/tasks/new")
    page.get_by_label("Project", exact=True).select_option("OPS")
    page.get_by_label("Title").fill("Test the restore of last night's backup")
    page.get_by_label("Assignees", exact=True).select_option(label=["ann", "bob"])
    page.get_by_label("Labels", exact=True).select_option(label=["backup"])
    shots(page, "projects-task-new")
    page.get_by_role("button", name="Create task").click()
    assert page.get_by_test_id("task-ref").inner_text() == "OPS-1"
    assert page.get_by_test_id("task-assignee").inner_text() == "ann, bob"
    task_id = _read(db, sa.select(Task.id).where(Task.title.like("Test the restore%")))
    assert task_id is not None
    shots(page, "projects-task-detail")

    for width in (1366, 390):
        for dark in (False, True):
            suffix = f"{width}{'-dark' if dark else ''}"
            view = _page(chromium, base, csp, width=width, dark=dark)
            _sign_in(view, base, manager.username)
            view.goto(f"{base}/projects")
            shots(view, f"projects-list-{suffix}")
            view.goto(f"{base}/projects/OPS")
            shots(view, f"project-page-{suffix}")
            view.goto(f"{base}/tasks?project=OPS")
            shots(view, f"projects-tasks-{suffix}")
            view.context.close()

    # Ann, a member, sees the task on her list with its ref and can move it.
    ann_page = _page(chromium, base, csp)
    _sign_in(ann_page, base, ann.username)
    ann_page.goto(f"{base}/tasks?q=OPS-1")
    assert "OPS-1" in ann_page.content()
    assert not csp, csp
    assert bob.id
