"""Issue 12's visual defects, in Chromium: a flash on the sign-in page, lists at phone size,
multi-value filters, chart label size, the browser's own time zone, the phone menu."""

from __future__ import annotations

import re

import pytest

from api.tasks.models import Priority, TaskStatus
from tests.browser.conftest import DESKTOP, PHONE, open_admin_menu, open_page, open_phone_menu
from tests.incidents import factories as incidents

pytestmark = pytest.mark.browser

OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def _box(locator):
    box = locator.bounding_box()
    assert box is not None
    return box


def _columns(page) -> dict[str, int]:
    """The index of each column of the page's table, by its heading in lower case."""
    headings = page.locator("table thead th").all_text_contents()
    return {text.strip().lower(): i for i, text in enumerate(headings)}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_flash_sits_above_the_sign_in_card(live_server, chromium, app, make, viewport):
    page = open_page(chromium, app, live_server.url, make.user(), viewport=viewport)
    page.goto("/dashboard")
    if viewport is PHONE:
        open_phone_menu(page)
    page.locator("#account-menu").click()
    page.locator("#account-menu[aria-expanded=true]").wait_for()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(re.compile(r".*/sign-in$"))
    flash = _box(page.locator(".flash-messages .alert"))
    card = _box(page.locator(".auth-card"))
    assert flash["y"] + flash["height"] <= card["y"]  # above, not beside
    assert flash["x"] < card["x"] + card["width"] and card["x"] < flash["x"] + flash["width"]
    assert flash["width"] >= 0.8 * min(card["width"], 544)
    assert page.evaluate(OVERFLOW)


def test_lists_stack_at_phone_size(live_server, chromium, app, make):
    admin = make.user(role="admin", username="ada")
    manager = make.user(role="manager", username="mona")
    people = [make.user(username=f"person-with-a-long-name-{i}") for i in range(3)]
    for i, person in enumerate(people):
        make.task(
            title=f"Rotate the signing keys of service number {i} before the audit",
            created_by=manager,
            assignee=person,
            status=list(TaskStatus)[i],
            priority=Priority.HIGH,
            deadline=make.days(3 - 2 * i),
        )
        incidents.incident(
            reporter=person, assignee=manager, title=f"Queue {i} stalls", severity="critical"
        )
    page = open_page(chromium, app, live_server.url, manager, viewport=PHONE)
    page.goto("/tasks")
    rows = page.locator("table.task-table tbody tr")
    assert rows.count() == 3
    columns = _columns(page)
    for i in range(3):
        cells = rows.nth(i).locator("td")
        for name, text in (
            ("status", None),
            ("assignees", "person-with-a-long-name"),  # several per task since issue 14
            ("deadline", None),
        ):
            cell = cells.nth(columns[name])
            assert cell.is_visible()
            box = _box(cell)
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
            if text:
                assert text in cell.inner_text()
        for name in ("status", "assignees", "deadline"):  # each value says what it is (app.js)
            assert cells.nth(columns[name]).get_attribute("data-label") == name.capitalize()
    assert page.evaluate(OVERFLOW)

    page.goto("/incidents?scope=all")
    columns = _columns(page)
    cells = page.locator("table tbody tr").first.locator("td")
    for name in ("status", "severity", "assignee"):
        box = _box(cells.nth(columns[name]))
        assert box["x"] + box["width"] <= PHONE["width"], name
    assert page.evaluate(OVERFLOW)

    admin_page = open_page(chromium, app, live_server.url, admin, viewport=PHONE)
    for path in ("/admin/users", "/admin/outbox", "/admin/registrations", "/dashboard"):
        admin_page.goto(path)
        assert admin_page.evaluate(OVERFLOW), path


def test_status_and_priority_filters_take_several_values(live_server, chromium, app, make):
    manager = make.user(role="manager")
    for status in TaskStatus:
        for priority in (Priority.LOW, Priority.URGENT):
            make.task(
                title=f"{status.value} {priority.value}",
                created_by=manager,
                status=status,
                priority=priority,
            )
    page = open_page(chromium, app, live_server.url, manager)
    page.goto("/tasks")
    filters = page.get_by_role("form", name="Filter tasks")
    filters.get_by_test_id("filter-status").get_by_text("Pending").click()
    filters.get_by_test_id("filter-status").get_by_text("In progress").click()
    filters.get_by_test_id("filter-priority").get_by_text("Urgent").click()
    filters.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*status=pending&status=in_progress.*"))
    titles = page.locator("table.task-table tbody tr td a.fw-semibold").all_inner_texts()
    assert sorted(titles) == ["in_progress urgent", "pending urgent"]
    # The page shows the state it applies: both statuses and the priority stay ticked.
    for name, value, checked in (
        ("status", "pending", True),
        ("status", "in_progress", True),
        ("status", "completed", False),
        ("priority", "urgent", True),
        ("priority", "low", False),
    ):
        assert page.locator(f"#{name}-{value}").is_checked() is checked
    # The dashboard's "All of mine" link (two statuses) shows both ticked.
    page.goto("/tasks?status=pending&status=in_progress&priority=low")
    assert page.locator("#status-pending").is_checked()
    assert page.locator("#status-in_progress").is_checked()
    assert sorted(page.locator("table.task-table tbody tr td a.fw-semibold").all_inner_texts()) == [
        "in_progress low",
        "pending low",
    ]


def test_chart_labels_stay_readable_on_a_phone(live_server, chromium, app, make):
    manager = make.user(role="manager")
    make.task(title="late", created_by=manager, assignee=manager, deadline=make.days(-2))
    incidents.incident(reporter=manager)
    page = open_page(chromium, app, live_server.url, manager, viewport=PHONE)
    page.goto("/stats")
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg.chart text'))
             .filter(t => t.getClientRects().length)
             .map(t => t.getBoundingClientRect().height)"""
    )
    assert sizes and min(sizes) >= 12
    assert page.evaluate(OVERFLOW)


def test_register_preselects_the_browsers_zone(live_server, chromium, app):
    page = open_page(chromium, app, live_server.url, timezone_id="America/Argentina/Salta")
    page.goto("/register")
    assert page.locator("#timezone").input_value() == "America/Argentina/Salta"
    assert page.locator("#timezone optgroup").count() > 8


def test_profile_offers_the_browsers_zone(live_server, chromium, app, make):
    user = make.user(timezone="UTC")
    page = open_page(chromium, app, live_server.url, user, timezone_id="Pacific/Chatham")
    page.goto("/profile")
    assert page.locator("#timezone").input_value() == "UTC"  # the saved zone is kept
    page.get_by_role("button", name=re.compile("Use this device's zone")).click()
    assert page.locator("#timezone").input_value() == "Pacific/Chatham"


def test_the_phone_menu_collapses_and_opens(live_server, chromium, app, make):
    page = open_page(chromium, app, live_server.url, make.user(role="admin"), viewport=PHONE)
    page.goto("/dashboard")
    assert not page.get_by_role("link", name="Email outbox").is_visible()
    open_phone_menu(page)
    open_admin_menu(page)
    page.get_by_role("link", name="Email outbox").click()
    page.wait_for_url(re.compile(r".*/admin/outbox$"))
    assert page.evaluate(OVERFLOW)
