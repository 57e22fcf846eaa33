"""Issue 12 in Chromium: a password reset finished from the console log, a failed form that a
reload does not resend, an edit conflict; screenshots of the pages this changed at 1366 and 390
px, light and dark (artifacts/screenshots/first-hour-*)."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from api.notifications.models import EmailKind, OutboxEmail
from api.tasks.models import Task
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-brand-new-pass-phrase-12"
LINK = re.compile(r"https?://\S+(/password-reset/confirm\?token=\S+)")
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def _page(chromium, base: str, size: str = "desktop", scheme: str = "light"):
    width, height = SIZES[size]
    context = chromium.new_context(
        base_url=base, viewport={"width": width, "height": height}, color_scheme=scheme
    )
    context.set_default_timeout(8000)
    return context.new_page()


def _sign_in(page, login: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email or username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/dashboard$"))


def _logged_link(caplog) -> str | None:
    for record in caplog.records:
        found = LINK.search(record.getMessage())
        if found:
            return found.group(1)
    return None


def _wait_for_link(caplog, seconds: float = 10.0) -> str:
    """The reset link from the server's log: the email goes out after the response."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        link = _logged_link(caplog)
        if link:
            return link
        time.sleep(0.05)
    raise AssertionError("no reset link in the console log")


def test_password_reset_finished_from_the_console_log(
    app, live_server, chromium, shots, make, db, caplog
):
    """A newcomer with only `make run`'s terminal: the development console mailer logs the
    email's text, link included; following it sets the new password."""
    user = make.user(email="newcomer@example.com", username="newcomer")
    app.config["MAIL_SHOW_BODIES"] = True  # what development sets (api/config.py)
    try:
        page = _page(chromium, live_server.url)
        with caplog.at_level("INFO", logger="api.notifications.backends"):
            page.goto("/sign-in")
            page.get_by_role("link", name="Forgot your password?").click()
            page.get_by_label("Email").fill(user.email)
            page.get_by_role("button", name="Send the reset link").click()
            page.wait_for_url(re.compile(r".*/sign-in$"))
            shots(page, "first-hour-sign-in-flash")
            link = _wait_for_link(caplog)
        page.goto(link)
        page.locator("#new_password").fill(NEW_PASSWORD)
        page.locator("#new_password_confirm").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set the new password").click()
        page.wait_for_url(re.compile(r".*/sign-in$"))
        assert "Your password is set" in page.content()
        _sign_in(page, user.username, NEW_PASSWORD)
    finally:
        app.config["MAIL_SHOW_BODIES"] = False
    db.session.rollback()
    row = db.session.scalar(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.PASSWORD_RESET)
    )
    db.session.rollback()
    assert row is not None and link.split("?")[0] in row.body_text  # kept in development


def test_a_failed_form_is_not_resent_by_a_reload(live_server, chromium, make):
    make.user(role="manager", username="mona")
    page = _page(chromium, live_server.url)
    _sign_in(page, "mona")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto("/tasks/new")
    page.get_by_role("button", name="Create task").click()
    page.wait_for_load_state()
    assert page.locator("#title-error").inner_text() == "Enter a title."
    assert len(posts) == 1
    page.reload()
    page.wait_for_load_state()
    assert len(posts) == 1  # the reload asked for the page, it did not post the form again
    assert page.url.endswith("/tasks/new")


def _conflict_page(page, make, db, manager) -> None:
    task = make.task(
        title="Order new headsets", description="Twenty, wireless.", created_by=manager
    )
    page.goto(f"/tasks/{task.id}/edit")
    db.session.execute(
        sa.update(Task)
        .where(Task.id == task.id)
        .values(title="Order 25 headsets", version=task.version + 1)
    )
    db.session.commit()
    page.get_by_label("Title").fill("Order 20 headsets with a warranty")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_test_id("conflict").wait_for()


def test_pages_of_the_first_hour_at_both_sizes_light_and_dark(
    app, live_server, chromium, shots, make, db
):
    manager = make.user(role="manager", username="mona")
    make.user(role="admin", username="ada")
    target = make.user(email="reset@example.com")
    app.test_client().post("/api/v1/auth/password-reset", json={"email": target.email})
    db.session.rollback()
    email_id = db.session.scalar(sa.select(OutboxEmail.id).order_by(OutboxEmail.id.desc()))
    db.session.rollback()
    for size in SIZES:
        for scheme in ("light", "dark"):
            tag = f"{size}-{scheme}"
            visitor = _page(chromium, live_server.url, size, scheme)
            visitor.goto("/register")
            visitor.get_by_label("Username").fill("x!")
            visitor.get_by_role("button", name="Create my account").click()
            visitor.locator("#username-error").wait_for()
            shots(visitor, f"first-hour-register-errors-{tag}")
            visitor.goto("/password-reset/confirm?token=forged")
            visitor.locator("#new_password").fill(NEW_PASSWORD)
            visitor.locator("#new_password_confirm").fill(NEW_PASSWORD)
            visitor.get_by_role("button", name="Set the new password").click()
            visitor.locator("#token-error").wait_for()
            assert visitor.locator("[role=alert]").count() == 1
            shots(visitor, f"first-hour-reset-bad-link-{tag}")
            visitor.goto("/password-reset/confirm")
            assert visitor.locator("#new_password").count() == 0
            shots(visitor, f"first-hour-reset-no-token-{tag}")
            admin = _page(chromium, live_server.url, size, scheme)
            _sign_in(admin, "ada")
            admin.goto(f"/admin/outbox/{email_id}")
            admin.get_by_test_id("email-body").wait_for()
            shots(admin, f"first-hour-outbox-email-{tag}")
            lead = _page(chromium, live_server.url, size, scheme)
            _sign_in(lead, "mona")
            _conflict_page(lead, make, db, manager)
            shots(lead, f"first-hour-conflict-{tag}")
            for page in (visitor, admin, lead):
                page.context.close()
