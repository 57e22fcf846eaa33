"""Issue 14 in Chromium: a comment with a mention, the bell, the inbox, the link, the reply.

A manager creates a task for two employees' work; one employee previews and posts a comment
mentioning the other; the other sees the bell's count, opens the inbox, follows the link to the
comment and replies. Screenshots at 1366 and 390 px, light and dark colour schemes.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from api.comments.models import TaskComment
from api.inbox.models import Notification
from api.tasks.models import Task
from tests.browser.test_journey import _read, _sign_in

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def _page(chromium, base: str, errors: list[str], size: str = "desktop", scheme: str = "light"):
    context = chromium.new_context(
        base_url=base,
        viewport=SIZES[size],
        color_scheme=scheme,  # type: ignore[arg-type]
    )
    context.set_default_timeout(8000)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_mention_bell_inbox_link_and_reply(live_server, chromium, shots, make, db):
    base = live_server.url
    csp_errors: list[str] = []
    make.user(role="manager", username="mona")
    make.user(role="employee", username="sam")
    make.user(role="employee", username="eli")

    # The manager creates the task for sam (and watches it as its creator).
    lead = _page(chromium, base, csp_errors)
    _sign_in(lead, base, "mona")
    lead.goto(f"{base}/tasks/new")
    lead.get_by_label("Title").fill("Restore the staging database")
    lead.get_by_label("Assignee").select_option(label="sam (employee)")
    lead.get_by_role("button", name="Create task").click()
    lead.wait_for_url(re.compile(r".*/tasks/\d+$"))
    task_id = _read(db, sa.select(Task.id).where(Task.title == "Restore the staging database"))

    # sam previews a comment mentioning mona, then posts it.
    sam = _page(chromium, base, csp_errors)
    _sign_in(sam, base, "sam")
    sam.goto(f"{base}/tasks/{task_id}")
    sam.get_by_label("Add a comment").fill(
        "@mona the dump is **restored**; <script>alert(1)</script> see [runbook](https://example.com/r)"
    )
    sam.get_by_test_id("preview").click()
    preview = sam.get_by_test_id("comment-preview")
    assert preview.locator("strong").inner_text() == "restored"
    assert preview.locator("script").count() == 0
    shots(sam, "task-comment-preview")
    sam.get_by_test_id("comment-submit").click()
    sam.wait_for_url(re.compile(rf".*/tasks/{task_id}#comment-\d+$"))
    assert "restored" in sam.get_by_test_id("comment-body").first.inner_text()
    assert sam.get_by_test_id("watch-button").inner_text() == "Unwatch"
    shots(sam, "task-comments")

    # mona sees the bell's count, opens the inbox, follows the link and replies.
    lead.goto(f"{base}/dashboard")
    assert lead.get_by_test_id("bell-count").inner_text() == "1"
    shots(lead, "bell-desktop")
    lead.get_by_test_id("bell").click()
    lead.wait_for_url(re.compile(r".*/inbox$"))
    item = lead.get_by_test_id("notification").first
    assert "sam mentioned you on “Restore the staging database”" in item.inner_text()
    shots(lead, "inbox")
    item.get_by_test_id("notification-link").click()
    lead.wait_for_url(re.compile(rf".*/tasks/{task_id}#comment-\d+$"))
    assert lead.get_by_test_id("bell").get_attribute("aria-label") == "Inbox, 0 unread"
    lead.get_by_label("Add a comment").fill("Thanks @sam, checking now.")
    lead.get_by_test_id("comment-submit").click()
    lead.wait_for_url(re.compile(rf".*/tasks/{task_id}#comment-\d+$"))
    assert lead.get_by_test_id("comment").count() == 2

    # sam hears of the reply (mentioned); eli, who cannot see the task, of nothing.
    sam.goto(f"{base}/inbox")
    assert sam.get_by_test_id("bell-count").inner_text() == "2"  # assigned + mentioned
    sam.get_by_test_id("mark-all-read").click()
    assert sam.get_by_test_id("bell-count").count() == 0
    eli_id = _read(db, sa.text("SELECT id FROM users WHERE username = 'eli'"))
    assert (
        _read(
            db,
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == eli_id),
        )
        == 0
    )
    assert _read(db, sa.select(sa.func.count()).select_from(TaskComment)) == 2

    # The profile's preferences, and the pages at phone size and in the dark scheme.
    lead.goto(f"{base}/profile")
    lead.get_by_label("Someone mentions me in a comment").select_option("both")
    lead.get_by_role("button", name="Save notification preferences").click()
    assert "preferences are saved" in lead.content()
    shots(lead, "profile-notifications")
    for size in ("desktop", "phone"):
        for scheme in ("light", "dark"):
            page = _page(chromium, base, csp_errors, size=size, scheme=scheme)
            _sign_in(page, base, "mona")
            page.goto(f"{base}/tasks/{task_id}")
            shots(page, f"task-collab-{size}-{scheme}")
            page.goto(f"{base}/inbox")
            shots(page, f"inbox-{size}-{scheme}")
            page.context.close()
    assert csp_errors == []
