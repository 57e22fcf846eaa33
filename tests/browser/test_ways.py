"""Ways to work in Chromium: save a view and reopen it from the project menu, search and jump
to a task by its ref, the keyboard shortcuts (none fires while typing), and the profile's theme
switch; screenshots of the search results, the views menu and the shortcuts help at 1366 and
390 px, light and dark (artifacts/screenshots/ways-*.png)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from api.comments.models import TaskComment
from api.extensions import db
from api.saved_views.models import SavedView
from tests.browser.conftest import DESKTOP, PHONE, open_page, open_phone_menu
from tests.incidents import factories as incidents

pytestmark = pytest.mark.browser

SIZES = {"desktop": DESKTOP, "phone": PHONE}
THEMES = {"light": False, "dark": True}


@pytest.fixture
def world(make):
    mona = make.user(role="manager", username="mona")
    eli = make.user(role="employee", username="eli")
    ops = make.project("OPS", name="Operations", members={mona: "lead", eli: "member"})
    web = make.project("WEB", name="Website", members={mona: "lead"})
    backup = make.task(
        title="Test the restore of the nightly backup",
        description="Restore last night's backup to the staging database and compare counts.",
        project=ops,
        priority="urgent",
        created_by=mona,
        assignee=eli,
    )
    make.task(
        title="Rotate the backup encryption keys", project=ops, priority="low", created_by=mona
    )
    make.task(title="Publish the status page", project=web, priority="high", created_by=mona)
    db.session.add(
        TaskComment(task_id=backup.id, author_id=mona.id, body="The backup bucket moved last week.")
    )
    db.session.commit()
    incident = incidents.incident(
        reporter=eli,
        title="Backup job failed twice",
        description="The nightly backup stopped at 02:10 with a timeout.",
    )
    incidents.response(incident, mona, "Restarted the backup agent.")
    db.session.add(
        SavedView(
            owner_id=mona.id,
            name="Urgent in OPS",
            project_id=ops.id,
            filters={"priority": ["urgent"], "project": ["OPS"]},
        )
    )
    db.session.commit()
    return {"mona": mona, "eli": eli, "backup": backup}


def _problems(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


def test_save_a_view_and_reopen_it_from_the_project_menu(live_server, chromium, app, world):
    page = open_page(chromium, app, live_server.url, world["mona"])
    csp = _problems(page)
    page.goto("/tasks?priority=urgent&priority=high&project=OPS&project=WEB&sort=deadline")
    assert page.locator("main tbody tr").count() == 2
    page.get_by_test_id("save-view").click()
    page.get_by_label("Name").fill("Hot work")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r".*/tasks\?.*view=\d+"))
    assert "View “Hot work” saved." in page.content()
    saved = db.session.scalars(sa.select(SavedView).where(SavedView.name == "Hot work")).one()
    assert saved.filters == {"priority": ["urgent", "high"], "project": ["OPS", "WEB"]}
    assert saved.sort == "deadline" and saved.project_id is None

    page.goto("/dashboard")
    page.get_by_test_id("project-switcher").click()
    menu = page.get_by_test_id("saved-view")
    assert menu.all_inner_texts() == ["Hot work\nprivate", "Urgent in OPS\nOPS"] or [
        t.split("\n")[0] for t in menu.all_inner_texts()
    ] == ["Hot work", "Urgent in OPS"]
    menu.filter(has_text="Hot work").click()
    page.wait_for_url(re.compile(r".*/tasks\?.*"))
    assert (
        page.locator("#priority-urgent").is_checked()
        and page.locator("#priority-high").is_checked()
    )
    assert page.locator("#project-OPS").is_checked() and page.locator("#project-WEB").is_checked()
    assert page.locator("main tbody tr").count() == 2
    assert page.get_by_test_id("current-view").inner_text().startswith("View: Hot work")
    page.get_by_role("button", name="Delete view").click()
    page.wait_for_url(re.compile(r".*/tasks$"))
    db.session.remove()  # a fresh snapshot: the server deleted it
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 1
    # the employee sees the view shared with OPS, not the manager's private one
    eli = open_page(chromium, app, live_server.url, world["eli"])
    eli.goto("/dashboard")
    eli.get_by_test_id("project-switcher").click()
    assert [t.split("\n")[0] for t in eli.get_by_test_id("saved-view").all_inner_texts()] == [
        "Urgent in OPS"
    ]
    assert csp == []


def test_search_from_the_navbar_and_jump_by_ref(live_server, chromium, app, world):
    page = open_page(chromium, app, live_server.url, world["eli"])
    csp = _problems(page)
    page.goto("/dashboard")
    page.keyboard.press("/")
    box = page.get_by_test_id("navbar-search")
    assert page.evaluate("document.activeElement.id") == "navbar-search"
    box.fill("backup")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=backup"))
    hits = page.get_by_test_id("search-hit")
    titles = [t.split("\n")[0] for t in hits.all_inner_texts()]
    assert len(titles) == 3, titles  # two tasks of OPS and the incident; not WEB's
    assert page.locator(".search-snippet mark").first.inner_text().lower() == "backup"
    ref = world["backup"].ref
    page.keyboard.press("/")
    page.get_by_test_id("navbar-search").fill(ref.lower())
    page.get_by_test_id("navbar-search").press("Enter")
    page.wait_for_url(re.compile(rf".*/tasks/{world['backup'].id}$"))
    page.goto("/search?q=")
    assert (
        "Enter something to search for." in page.content()
        or "Enter" in page.locator("#search-error").inner_text()
    )
    assert csp == []


def test_shortcuts_move_and_none_fires_while_typing(live_server, chromium, app, world):
    page = open_page(chromium, app, live_server.url, world["mona"])
    csp = _problems(page)
    page.goto("/tasks")
    # typing in a field: no shortcut
    page.locator("#q").click()
    page.keyboard.type("cg?jt/")
    assert page.url.endswith("/tasks")
    assert page.locator("#q").input_value() == "cg?jt/"
    assert not page.locator("#shortcuts-help").is_visible()
    page.locator("#q").press("Escape")
    page.locator("h1").click()
    # j / k move through the rows
    page.keyboard.press("j")
    page.keyboard.press("j")
    rows = page.locator("main tbody tr")
    assert "kbd-current" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "kbd-current" in (rows.nth(0).get_attribute("class") or "")
    assert page.evaluate("document.activeElement.closest('tr') !== null")
    # ? shows the help; Esc closes it
    page.keyboard.press("?")
    page.locator("#shortcuts-help.show").wait_for()
    # Bootstrap moves the focus into the dialog once it has faded in
    page.locator("#shortcuts-help:focus-within").wait_for()
    assert page.get_by_role("dialog").get_by_text("Go to the incidents").is_visible()
    page.keyboard.press("j")  # behind an open dialog nothing moves
    assert page.locator("main tbody tr.kbd-current").count() == 1
    page.keyboard.press("Escape")
    page.locator("#shortcuts-help").wait_for(state="hidden")
    # g i, g t, c
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url(re.compile(r".*/incidents$"))
    page.keyboard.press("g")
    page.keyboard.press("t")
    page.wait_for_url(re.compile(r".*/tasks$"))
    page.keyboard.press("c")
    page.wait_for_url(re.compile(r".*/tasks/new$"))
    # in a textarea of the new task form: still nothing fires
    page.get_by_label("Description").click()
    page.keyboard.type("g i")
    assert page.url.endswith("/tasks/new")
    assert csp == []


def test_the_profile_switches_the_theme_and_keeps_it(live_server, chromium, app, world):
    page = open_page(chromium, app, live_server.url, world["eli"])
    page.goto("/profile")
    theme = "document.documentElement.dataset.bsTheme"
    assert page.evaluate(theme) == "light"
    assert page.locator("#theme-system").is_checked()
    page.locator("label[for=theme-dark]").click()
    assert page.evaluate(theme) == "dark"
    page.goto("/tasks")
    assert page.evaluate(theme) == "dark"
    page.goto("/profile")
    assert page.locator("#theme-dark").is_checked()
    page.locator("label[for=theme-system]").click()
    assert page.evaluate(theme) == "light"
    page.reload()
    assert page.evaluate(theme) == "light"
    # a dark system, and the person's choice of light wins
    dark = open_page(chromium, app, live_server.url, world["eli"], dark=True)
    dark.goto("/profile")
    assert dark.evaluate(theme) == "dark"
    dark.locator("label[for=theme-light]").click()
    dark.goto("/dashboard")
    assert dark.evaluate(theme) == "light"


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_screenshots(live_server, chromium, app, world, shots, size, theme):
    page = open_page(
        chromium, app, live_server.url, world["mona"], viewport=SIZES[size], dark=THEMES[theme]
    )
    csp = _problems(page)
    page.goto("/search?q=backup")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots(page, f"ways-search-{size}-{theme}")
    view_id = db.session.scalar(sa.select(SavedView.id))
    page.goto(f"/tasks?priority=urgent&project=OPS&view={view_id}")
    if size == "phone":
        open_phone_menu(page)
    page.get_by_test_id("project-switcher").click()
    page.get_by_test_id("saved-view").first.wait_for()
    shots(page, f"ways-views-menu-{size}-{theme}")
    page.goto("/tasks")
    page.locator("h1").click()
    page.keyboard.press("?")
    page.locator("#shortcuts-help.show").wait_for()
    page.locator("#shortcuts-help:focus-within").wait_for()
    shots(page, f"ways-shortcuts-{size}-{theme}")
    assert csp == []
