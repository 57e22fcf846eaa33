"""Issue 14 in Chromium: a comment with a mention, the bell, the inbox, the link, the reply.

A manager creates a project, adds two employees and creates a task for both; one employee
previews and posts a comment mentioning the other; the other sees the bell's count, opens the
inbox, follows the link to the comment and replies; someone outside the project hears nothing. Screenshots at 1366 and 390 px, light and dark colour schemes.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from api.comments.models import TaskComment
from api.inbox.models import Notification
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


def test_mention_bell_inbox_link_and_reply(live_server, chromium, shots, make, db, client, auth):
    base = live_server.url
    csp_errors: list[str] = []
    mona = make.user(role="manager", username="mona")
    sam = make.user(role="employee", username="sam")
    eli = make.user(role="employee", username="eli")
    make.user(role="employee", username="ned")  # not in the project

    # The manager creates project OPS, adds sam and eli, and creates a task for both. The
    # project and multi-assignee forms are the projects branch's pages; until they land these
    # three steps use the JSON API with the manager's own token.
    mona_h = auth.headers(mona)
    made = client.post("/api/v1/projects", json={"key": "OPS", "name": "Ops"}, headers=mona_h)
    assert made.status_code == 201, made.get_json()
    for person in (sam, eli):
        added = client.put(
            f"/api/v1/projects/OPS/members/{person.id}", json={"role": "member"}, headers=mona_h
        )
        assert added.status_code == 200, added.get_json()
    created = client.post(
        "/api/v1/tasks",
        json={
            "title": "Restore the staging database",
            "project": "OPS",
            "assignee_ids": [sam.id, eli.id],
        },
        headers=mona_h,
    )
    assert created.status_code == 201, created.get_json()
    task_id = created.get_json()["id"]
    lead = _page(chromium, base, csp_errors)
    _sign_in(lead, base, "mona")

    # sam previews a comment mentioning eli, then posts it.
    sam_page = _page(chromium, base, csp_errors)
    _sign_in(sam_page, base, "sam")
    sam_page.goto(f"{base}/tasks/{task_id}")
    sam_page.get_by_label("Add a comment").fill(
        "@eli the dump is **restored**; <script>alert(1)</script> see [runbook](https://example.com/r)"
    )
    sam_page.get_by_test_id("preview").click()
    preview = sam_page.get_by_test_id("comment-preview")
    assert preview.locator("strong").inner_text() == "restored"
    assert preview.locator("script").count() == 0
    shots(sam_page, "task-comment-preview")
    sam_page.get_by_test_id("comment-submit").click()
    sam_page.wait_for_url(re.compile(rf".*/tasks/{task_id}#comment-\d+$"))
    assert "restored" in sam_page.get_by_test_id("comment-body").first.inner_text()
    assert sam_page.get_by_test_id("watch-button").inner_text() == "Unwatch"
    shots(sam_page, "task-comments")

    # eli sees the bell's count (assigned, mentioned), opens the inbox, follows the link and
    # replies.
    eli_page = _page(chromium, base, csp_errors)
    _sign_in(eli_page, base, "eli")
    assert eli_page.get_by_test_id("bell-count").inner_text() == "2"
    shots(eli_page, "bell-desktop")
    eli_page.get_by_test_id("bell").click()
    eli_page.wait_for_url(re.compile(r".*/inbox$"))
    item = eli_page.get_by_test_id("notification").first
    assert "sam mentioned you on “Restore the staging database”" in item.inner_text()
    shots(eli_page, "inbox")
    item.get_by_test_id("notification-link").click()
    eli_page.wait_for_url(re.compile(rf".*/tasks/{task_id}#comment-\d+$"))
    assert eli_page.get_by_test_id("bell").get_attribute("aria-label") == "Inbox, 1 unread"
    eli_page.get_by_label("Add a comment").fill("Thanks @sam, checking now.")
    eli_page.get_by_test_id("comment-submit").click()
    eli_page.wait_for_url(re.compile(rf".*/tasks/{task_id}#comment-\d+$"))
    assert eli_page.get_by_test_id("comment").count() == 2

    # sam hears of the reply; ned, outside the project, of nothing.
    sam_page.goto(f"{base}/inbox")
    assert sam_page.get_by_test_id("bell-count").inner_text() == "2"  # assigned, mentioned
    sam_page.get_by_test_id("mark-all-read").click()
    assert sam_page.get_by_test_id("bell-count").count() == 0
    ned_id = _read(db, sa.text("SELECT id FROM users WHERE username = 'ned'"))
    assert (
        _read(
            db,
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == ned_id),
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
