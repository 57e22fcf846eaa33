"""The whole journey in Chromium, plus CSRF, sign-out and a refused page; one screenshot per page.

register → the admin approves → a manager creates and assigns a task → the employee signs in,
sees it on the dashboard and completes it → reports an incident → the manager sees it on the
dashboard's "Needs triage" card, responds and
starts investigating → the reporter sees the response and the status change.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.wrappers import Request, Response

from api.db import utcnow
from api.incidents.models import Incident, IncidentStatus
from api.tasks.models import Task, TaskStatus
from api.users.models import User, UserStatus
from tests.browser.conftest import Server, open_admin_menu, open_phone_menu
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "correct-horse-staple-41"


def _read(db, stmt):
    """Read in the test thread without holding a transaction open against the server thread."""
    db.session.rollback()
    try:
        return db.session.scalar(stmt)
    finally:
        db.session.rollback()


def _sign_in(page, base: str, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email or username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/dashboard$"))


def _new_page(chromium, base: str, csp_errors: list[str], mobile: bool = False):
    context = chromium.new_context(
        base_url=base,
        viewport={"width": 390, "height": 844} if mobile else {"width": 1280, "height": 860},
    )
    context.set_default_timeout(8000)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _attacker(target: str) -> Server:
    """Another origin (other port: same site, so Lax cookies ARE sent) with a self-posting form."""
    html = f"""<!doctype html><html><body><h1>You won a prize</h1>
<form id="f" method="post" action="{target}">
<input type="hidden" name="status" value="pending"></form>
<script src="/go.js"></script></body></html>"""

    @Request.application
    def app(request: Request) -> Response:
        if request.path == "/go.js":
            return Response("document.getElementById('f').submit();", mimetype="text/javascript")
        return Response(html, mimetype="text/html")

    return Server(app)


def test_whole_journey(live_server, chromium, shots, make, db):
    base = live_server.url
    csp_errors: list[str] = []
    admin = make.user(role="admin", username="ada")
    manager = make.user(role="manager", username="mona")
    make.user(role="employee", username="eli")
    make.task(
        title="Renew the TLS certificate",
        created_by=manager,
        assignee=manager,
        deadline=utcnow() - timedelta(days=2),
        status=TaskStatus.IN_PROGRESS,
    )

    # Sign-in and register pages, signed out; then a registration.
    visitor = _new_page(chromium, base, csp_errors)
    visitor.goto(f"{base}/")
    visitor.wait_for_url(re.compile(r".*/sign-in$"))
    shots(visitor, "sign-in")
    visitor.goto(f"{base}/register")
    visitor.get_by_label("Email").fill("sam@example.com")
    visitor.get_by_label("Username").fill("sam")
    visitor.locator("#password").fill("short")
    visitor.get_by_label("Repeat the password").fill("short")
    visitor.get_by_role("button", name="Create my account").click()
    assert visitor.locator("#password-error").is_visible()  # the error sits beside its field
    assert visitor.get_by_label("Username").input_value() == "sam"  # input kept
    shots(visitor, "register-invalid")
    assert (
        _read(db, sa.select(sa.func.count()).select_from(User).where(User.username == "sam")) == 0
    )
    visitor.locator("#password").fill(NEW_PASSWORD)
    visitor.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Create my account").click()
    visitor.wait_for_url(re.compile(r".*/sign-in$"))
    assert "Check your inbox" in visitor.content()

    # The admin approves the registration.
    boss = _new_page(chromium, base, csp_errors)
    _sign_in(boss, base, admin.username)
    assert boss.get_by_test_id("waiting-count").inner_text() == "1"
    shots(boss, "dashboard-admin")
    open_admin_menu(boss)
    boss.get_by_role("link", name="Registrations", exact=True).click()
    row = boss.get_by_test_id("registration-sam")
    shots(boss, "admin-registrations")
    row.get_by_label("Role for sam").select_option("employee")
    row.get_by_role("button", name="Approve").click()
    assert "sam approved as employee" in boss.content()
    assert _read(db, sa.select(User.status).where(User.username == "sam")) == UserStatus.ACTIVE
    open_admin_menu(boss)
    boss.get_by_role("link", name="Users", exact=True).click()
    shots(boss, "admin-users")
    open_admin_menu(boss)
    boss.get_by_role("link", name="Email outbox").click()
    shots(boss, "admin-outbox")

    # A manager creates a task and assigns it to sam.
    lead = _new_page(chromium, base, csp_errors)
    _sign_in(lead, base, manager.email)
    shots(lead, "dashboard-manager")
    lead.get_by_role("link", name="Tasks", exact=True).click()
    shots(lead, "tasks")
    lead.get_by_role("link", name="New task").first.click()
    lead.get_by_label("Title").fill("Prepare the <b>launch</b> checklist")
    lead.get_by_label("Description").fill("Everything ops needs before Friday.\nTwo lines.")
    lead.get_by_label("Priority").select_option("high")
    deadline = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    lead.get_by_label("Deadline").fill(deadline)
    lead.get_by_label("Assignees", exact=True).select_option(label="sam")
    shots(lead, "task-new")
    lead.get_by_role("button", name="Create task").click()
    assert lead.get_by_test_id("task-title").inner_text() == "Prepare the <b>launch</b> checklist"
    assert lead.get_by_test_id("task-assignee").inner_text() == "sam"
    shots(lead, "task-detail")
    task_id = _read(db, sa.select(Task.id).where(Task.title.like("Prepare%")))
    lead.get_by_role("link", name="Edit").click()
    shots(lead, "task-edit")

    # The employee signs in, sees the task on the dashboard and completes it.
    sam = _new_page(chromium, base, csp_errors)
    _sign_in(sam, base, "sam", NEW_PASSWORD)
    my_tasks = sam.get_by_test_id("my-tasks")
    assert "Prepare the <b>launch</b> checklist" in my_tasks.inner_text()
    shots(sam, "dashboard-employee")
    my_tasks.get_by_role("link", name="Prepare the <b>launch</b> checklist").click()
    sam.get_by_role("button", name="Start work").click()
    assert sam.get_by_test_id("task-status").inner_text() == "In progress"
    sam.get_by_role("button", name="Mark completed").click()
    assert sam.get_by_test_id("task-status").inner_text() == "Completed"
    assert _read(db, sa.select(Task.status).where(Task.id == task_id)) == TaskStatus.COMPLETED

    # ... reports an incident.
    sam.get_by_role("link", name="Report an incident").first.click()
    sam.get_by_label("What happened?").fill("Checkout page returns 502")
    sam.get_by_label("Details").fill("Since 09:10, about one request in five.")
    sam.get_by_label("Severity").select_option("high")
    shots(sam, "incident-report")
    sam.get_by_role("button", name="Report incident").click()
    assert sam.get_by_test_id("incident-title").inner_text() == "Checkout page returns 502"
    incident_url = sam.url

    # The manager sees it waiting on the dashboard's "Needs triage" card, and on /incidents.
    lead.goto(f"{base}/dashboard")
    triage = lead.get_by_test_id("needs-triage")
    assert "Checkout page returns 502" in triage.get_by_test_id("triage-items").inner_text()
    assert triage.get_by_test_id("triage-unacknowledged").inner_text() == "1"
    assert triage.get_by_test_id("triage-unassigned").inner_text() == "1"
    shots(lead, "dashboard-manager-triage")
    lead.get_by_role("link", name="All open incidents").click()
    assert "Checkout page returns 502" in lead.locator("table tbody").inner_text()

    # The manager responds and starts investigating.
    lead.goto(f"{base}/incidents?scope=all")
    shots(lead, "incidents")
    lead.get_by_role("link", name="Checkout page returns 502").click()
    lead.get_by_label("Add a response").fill("On it: rolling back the 09:05 deploy.")
    lead.get_by_role("button", name="Post response").click()
    lead.get_by_role("button", name="Start investigating").click()
    assert lead.get_by_test_id("incident-status").inner_text() == "Investigating"

    # The reporter sees the response and the status change (and the timeline).
    sam.goto(incident_url)
    assert "On it: rolling back the 09:05 deploy." in sam.get_by_test_id("responses").inner_text()
    assert sam.get_by_test_id("incident-status").inner_text() == "Investigating"
    assert "changed the status" in sam.content()
    shots(sam, "incident-detail")
    assert (
        _read(db, sa.select(Incident.status).where(Incident.title.like("Checkout%")))
        == IncidentStatus.INVESTIGATING
    )

    # Stats and profile for staff; a phone-sized dashboard.
    lead.get_by_role("link", name="Stats").click()
    assert lead.locator("svg.chart").count() == 3
    shots(lead, "stats")
    lead.goto(f"{base}/profile")
    shots(lead, "profile")
    phone = _new_page(chromium, base, csp_errors, mobile=True)
    _sign_in(phone, base, manager.username)
    open_phone_menu(phone)
    shots(phone, "dashboard-phone")

    # A forged cross-site post is refused, and nothing changes.
    attacker = _attacker(f"{base}/tasks/{task_id}/status")
    try:
        sam.goto(attacker.url)
        sam.wait_for_url(re.compile(rf".*/tasks/{task_id}/status$"))
        assert "could not be verified" in sam.content()
        shots(sam, "forged-post-refused")
    finally:
        attacker.stop()
    assert _read(db, sa.select(Task.status).where(Task.id == task_id)) == TaskStatus.COMPLETED

    # A page refused to a role that may not see it, and a page that does not exist.
    response = sam.goto(f"{base}/stats")
    assert response.status == 403
    assert "You may not open this page" in sam.content()
    shots(sam, "error-403")
    response = sam.goto(f"{base}/no-such-page")
    assert response.status == 404
    shots(sam, "error-404")

    # Keyboard: the skip link is the first stop and leads to the content.
    sam.goto(f"{base}/dashboard")
    sam.keyboard.press("Tab")
    assert sam.evaluate("document.activeElement.textContent") == "Skip to content"

    # Sign-out: back on sign-in, and the dashboard is closed again.
    sam.get_by_role("button", name=re.compile("sam")).click()
    sam.get_by_test_id("sign-out").click()
    sam.wait_for_url(re.compile(r".*/sign-in$"))
    assert "You have signed out." in sam.content()
    sam.goto(f"{base}/dashboard")
    sam.wait_for_url(re.compile(r".*/sign-in\?next=/dashboard$"))

    assert csp_errors == []
    assert len(shots.taken) >= 18
