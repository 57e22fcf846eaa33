"""CSV and the calendar feed in Chromium: the lists' Export CSV links keep the filters, a lead
checks a malformed file (the problems in a table), then imports a good one; a person makes,
copies and revokes their calendar URL. Screenshots at 1366 and 390 px, light and dark."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import sqlalchemy as sa

from api.db import utcnow
from api.extensions import db
from api.tasks.models import Priority, Task
from tests.browser.conftest import DESKTOP, PHONE, open_page

pytestmark = pytest.mark.browser

SIZES = {"desktop": DESKTOP, "phone": PHONE}
MALFORMED = (
    "title,priority,deadline,assignees,labels\n"
    "Renew the TLS certificate,urgent,2026-12-03T17:00:00Z,ann,security\n"
    "Write the on-call handbook,normal,next friday,,\n"
    "Rotate the signing keys,highest,,nobody,security\n"
    "Test the restore of the backup,high,2026-12-05,ann; bob,backup\n"
)
GOOD = (
    MALFORMED.replace("next friday", "2026-12-04")
    .replace("highest", "high")
    .replace("nobody", "bob")
)


@pytest.fixture
def people(make):
    lead = make.user(role="manager", username="mona")
    ann, bob = make.user(username="ann"), make.user(username="bob")
    ops = make.project(
        "OPS", name="Operations", members={lead: "lead", ann: "member", bob: "member"}
    )
    make.label(ops, "security")
    make.task(project=ops, title="Patch the VPN gateway", priority=Priority.HIGH, assignee=ann)
    make.task(project=ops, title="Tidy the wiki", priority=Priority.LOW)
    return {"lead": lead, "ann": ann}


def _watch_csp(page, problems: list[str]) -> None:
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )


def test_export_links_keep_the_filters(live_server, chromium, app, people) -> None:
    page = open_page(chromium, app, live_server.url, people["lead"])
    page.goto("/tasks?priority=high&project=OPS&page=1")

    href = page.get_by_test_id("export-csv").get_attribute("href")

    assert urlsplit(href).path == "/tasks/export.csv"
    assert parse_qs(urlsplit(href).query) == {"priority": ["high"], "project": ["OPS"]}
    body = page.request.get(href)
    assert body.status == 200 and body.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.text())))
    assert [r["title"] for r in rows] == ["Patch the VPN gateway"]
    page.goto("/incidents?scope=mine")
    href = page.get_by_test_id("export-csv").get_attribute("href")
    assert page.request.get(href).status == 200 and "scope=mine" in href


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_a_lead_checks_then_imports_a_file(
    live_server, chromium, app, people, shots, tmp_path, size, dark
) -> None:
    theme = "dark" if dark else "light"
    problems: list[str] = []
    page = open_page(
        chromium, app, live_server.url, people["lead"], viewport=SIZES[size], dark=dark
    )
    _watch_csp(page, problems)
    page.goto("/projects/OPS")
    page.get_by_role("link", name="Import CSV").click()
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(MALFORMED)
    good.write_text(GOOD)

    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    errors = page.get_by_test_id("import-errors")
    errors.wait_for()
    text = errors.inner_text()
    assert "Line 3" in text and "Line 4" in text and "nobody" in text and "highest" in text
    assert "4 rows read: 2 ready" in page.get_by_test_id("import-summary").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots(page, f"project-import-errors-{size}-{theme}")

    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import 4 tasks").click()
    page.wait_for_url("**/tasks?project=OPS*")
    assert "Imported 4 tasks into OPS." in page.content()
    db.session.remove()
    titles = db.session.scalars(sa.select(Task.title).where(Task.title.like("%backup%"))).all()
    assert titles == ["Test the restore of the backup"]
    assert problems == []


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_a_person_makes_copies_and_revokes_a_calendar_url(
    live_server, chromium, app, people, make, shots, size, dark
) -> None:
    theme = "dark" if dark else "light"
    problems: list[str] = []
    ann = people["ann"]
    task = db.session.scalar(sa.select(Task).where(Task.title == "Patch the VPN gateway"))
    task.deadline = utcnow() + timedelta(days=2)
    db.session.commit()
    page = open_page(chromium, app, live_server.url, ann, viewport=SIZES[size], dark=dark)
    _watch_csp(page, problems)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/profile")
    assert "You have no calendar URL." in page.get_by_test_id("calendar-state").inner_text()

    page.get_by_role("button", name="Make a calendar URL").click()
    url = page.get_by_label("Your calendar URL (shown only now)").input_value()
    page.get_by_role("button", name="Copy").click()
    page.get_by_role("button", name="Copied").wait_for()
    page.locator("#calendar").scroll_into_view_if_needed()
    shots(page, f"profile-calendar-{size}-{theme}")

    path = urlsplit(url).path  # the URL names APP_BASE_URL; the test server has its own port
    assert path.startswith("/calendar/") and path.endswith(".ics")
    feed = page.request.get(path)
    assert feed.status == 200
    events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [f"{task.ref} Patch the VPN gateway"]
    page.goto("/profile")
    assert "made" in page.get_by_test_id("calendar-state").inner_text()
    assert url not in page.content()  # shown once
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_url("**/profile*")
    assert page.request.get(path).status == 404
    assert problems == []
