"""The task list's cursor pager in Chromium: Next and Previous, on a desktop and a phone; one
screenshot each (artifacts/screenshots/tasks-pager-*.png). The UI has one (light) theme."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_task_pager_follows_cursors(chromium, live_server, make, shots, width):
    manager = make.user(role="manager")
    for n in range(25):
        make.task(title=f"Pager task {n:02d}")
    context = chromium.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(8000)
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email or username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/dashboard$"))
    page.goto(f"{base}/tasks")
    assert page.get_by_text("Pager task 24").count() == 1
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r".*cursor=.*"))
    assert page.get_by_text("Pager task 04").count() == 1
    assert page.get_by_text("Pager task 05").count() == 0
    shots(page, f"tasks-pager-{width}")
    page.get_by_role("link", name="Previous").click()
    page.wait_for_url(re.compile(r".*cursor=.*"))
    assert page.get_by_text("Pager task 05").count() == 1
    context.close()
