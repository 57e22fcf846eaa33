"""Follow-ups, the post-incident review and the public status page in Chromium.

A manager posts a public update on an incident, adds a follow-up task in project OPS, resolves
the incident, writes the review and marks it done; then a signed-out visitor in another time
zone opens /status and sees the incident and its public update, in their own zone, without a
single name of a person. Screenshots of the incident with its follow-up and of the review.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.extensions import db
from api.incidents.models import IncidentFollowUp, IncidentReview, IncidentStatus
from tests.browser.conftest import open_page
from tests.incidents import factories

pytestmark = pytest.mark.browser


def follow_up_resolve_and_review(page, shots=None) -> None:
    """On an open incident's page: add follow-up task OPS-1 (project OPS), resolve the incident
    (through investigating when it was not acknowledged yet), write the review and mark it done."""
    # A follow-up task in OPS
    page.get_by_test_id("add-follow-up").click()
    page.wait_for_url("**/follow-ups/new")
    page.locator("#title").fill("Alarm on the checkout error rate")
    page.locator("#project").select_option("OPS")
    page.get_by_role("button", name="Create follow-up task").click()
    page.get_by_text("Follow-up task OPS-1 created.").wait_for()
    follow_ups = page.get_by_test_id("follow-ups")
    assert "OPS-1" in follow_ups.inner_text() and "Pending" in follow_ups.inner_text()
    if shots:
        shots(page, "flow-incident-follow-ups-desktop-light")

    # Resolve it: reported → investigating → resolved
    if page.get_by_role("button", name="Start investigating").count():
        page.get_by_role("button", name="Start investigating").click()
        page.get_by_text("Incident updated.").wait_for()
    page.get_by_role("button", name="Resolve").click()
    page.get_by_text("Incident updated.").wait_for()
    assert "Resolved" in page.get_by_test_id("incident-status").inner_text()

    # Write and complete the review
    page.get_by_test_id("open-review").click()
    page.get_by_label("Summary").fill("One checkout request in five failed for **40 minutes**.")
    page.get_by_label("Impact").fill("About 300 failed orders.")
    page.get_by_label("Root cause").fill("A deploy with a wrong upstream timeout.")
    page.get_by_label("What went well").fill("- the alert fired in 2 minutes")
    page.get_by_label("What to improve").fill("- canary deploys")
    if shots:
        shots(page, "flow-incident-review-form-desktop-light")
    page.get_by_label("Review done").check()
    page.get_by_role("button", name="Save review").click()
    page.get_by_text("Review saved and marked done.").wait_for()
    assert page.get_by_test_id("review-state").inner_text() == "Review done"


def test_follow_up_review_and_status_page(live_server, chromium, app, make, shots):
    mona = make.user(role="manager", username="mona_manager", timezone="Europe/Paris")
    eli = make.user(role="employee", username="eli_employee")
    make.project("OPS", members={mona: "lead", eli: "member"})
    incident = factories.incident(
        reporter=eli, title="Checkout returns 502 for one request in five", severity="high"
    )
    csp: list[str] = []
    page = open_page(chromium, app, live_server.url, mona)
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"/incidents/{incident.public_id}")

    # A public update, and an internal one
    page.get_by_label("Add a response").fill("We found the cause and are **rolling back**.")
    page.get_by_label("Public update").check()
    page.get_by_role("button", name="Post response").click()
    page.get_by_text("Response added.").wait_for()
    page.get_by_label("Add a response").fill("Internal: eli_employee saw it on db-7 first.")
    page.get_by_role("button", name="Post response").click()
    page.get_by_text("Response added.").wait_for()

    follow_up_resolve_and_review(page, shots)

    db.session.expire_all()
    review = db.session.get(IncidentReview, incident.id)
    assert review is not None and review.completed_at is not None
    assert review.impact == "About 300 failed orders."
    links = db.session.scalars(sa.select(IncidentFollowUp.incident_id)).all()
    assert links == [incident.id]

    # The task names the incident it follows up
    page.get_by_role("link", name="OPS-1").first.click()
    assert incident.title in page.get_by_test_id("source-incident").inner_text()

    # The public status page, signed out, in another zone
    visitor = open_page(chromium, app, live_server.url, timezone_id="Asia/Kolkata")
    visitor.goto("/status")
    card = visitor.get_by_test_id("status-incident")
    assert card.count() == 1
    text = visitor.locator("body").inner_text()
    assert "Checkout returns 502" in text and "Resolved" in text
    assert "rolling back" in text and "Internal" not in text
    html = visitor.content()
    for name in ("mona", "eli", "mona_manager", "eli_employee"):
        assert name not in html.lower()
    first_time = visitor.locator("time[data-localise]").first
    assert "UTC" not in first_time.inner_text()  # shown in the visitor's zone by app.js
    assert "UTC" in first_time.get_attribute("title")
    assert visitor.locator("[data-local-zone]").inner_text() in ("Asia/Kolkata", "Asia/Calcutta")
    shots(visitor, "flow-status-desktop-light")
    assert csp == []
    assert db.session.get(type(incident), incident.id).status == IncidentStatus.RESOLVED
