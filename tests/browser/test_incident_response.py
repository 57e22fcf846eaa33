"""Incident response in Chromium: a critical incident gets a lead, nobody acknowledges it, the
escalation job (run with a moved clock) emails the managers, the lead acknowledges from the link
in that email after confirming, and the timeline shows the escalation and the acknowledgement.
Someone else who opens the lead's link is refused and told whose it is. The lead then adds a
follow-up task, resolves the incident and writes the review, and the public status page shows
the incident without a single name of a person."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from api.incidents import jobs
from api.incidents import service as incidents
from api.incidents.models import Incident, IncidentStatus, Severity
from api.notifications.models import EmailKind, OutboxEmail
from tests.browser.conftest import PHONE, open_page
from tests.browser.test_incident_review import follow_up_resolve_and_review

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/incidents/[0-9a-f-]{36}/acknowledge\?token=\S+")


def _read(db, stmt):
    """Read in the test thread without holding a transaction open against the server thread."""
    db.session.rollback()
    try:
        return db.session.scalar(stmt)
    finally:
        db.session.rollback()


def test_the_lead_acknowledges_an_escalated_incident_from_the_email(
    live_server, chromium, app, make, db, shots
):
    lead = make.user(role="manager", username="mona")
    admin = make.user(role="admin", username="ada")
    reporter = make.user(role="employee", username="eli")
    make.project("OPS", members={lead: "lead", reporter: "member"})
    incident = incidents.report(
        data={
            "title": "Checkout returns 502 for one request in five",
            "severity": Severity.CRITICAL,
        },
        actor=reporter,
    )
    public_id, reported_at = incident.public_id, incident.reported_at
    db.session.rollback()

    # The admin makes mona the lead from the incident page's triage form.
    page = open_page(chromium, app, live_server.url, admin)
    page.goto(f"/incidents/{public_id}")
    page.get_by_label("Lead").select_option(label="mona (manager)")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf".*/incidents/{public_id}$"))
    assert page.get_by_test_id("incident-lead").inner_text() == "mona"

    # Nobody acknowledges it; five minutes later the escalation job reaches the managers.
    assert jobs.run_escalations(now=reported_at + timedelta(minutes=4)).escalated == 0
    assert jobs.run_escalations(now=reported_at + timedelta(minutes=5)).escalated == 1
    body = _read(
        db,
        sa.select(OutboxEmail.body_text).where(
            OutboxEmail.kind == EmailKind.INCIDENT_ESCALATED, OutboxEmail.user_id == lead.id
        ),
    )
    url = urlparse(LINK.search(body).group(0))
    link = f"{url.path}?{url.query}"

    # Someone else who opens mona's link is refused and told whose it is.
    page.goto(link)
    assert "This link was sent to mona" in page.get_by_test_id("form-error").inner_text()
    assert _read(db, sa.select(Incident.status).where(Incident.public_id == public_id)) == (
        IncidentStatus.REPORTED
    )

    # Mona opens it on her phone: the page says what confirming does, and changes nothing yet.
    phone = open_page(chromium, app, live_server.url, lead, viewport=PHONE)
    phone.goto(link)
    assert "This link was sent to mona" in phone.get_by_test_id("ack-recipient").inner_text()
    assert phone.get_by_test_id("ack-incident-title").inner_text() == incident.title
    shots(phone, "flow-incident-acknowledge-phone-light")
    assert _read(db, sa.select(Incident.status).where(Incident.public_id == public_id)) == (
        IncidentStatus.REPORTED
    )
    phone.get_by_role("button", name="Acknowledge as mona").click()
    phone.wait_for_url(re.compile(rf".*/incidents/{public_id}$"))

    assert "Incident acknowledged" in phone.locator(".alert-success").inner_text()
    assert phone.get_by_test_id("incident-status").inner_text().strip() == "Investigating"
    timeline = phone.locator(".timeline").inner_text()
    assert "taskdesk escalated it: nobody had acknowledged it" in timeline
    assert "Notified: managers" in timeline
    assert "mona changed the status" in timeline
    assert timeline.index("escalated it") < timeline.index("mona changed the status")
    shots(phone, "flow-incident-acknowledged-phone-light")
    acknowledged = _read(
        db, sa.select(Incident.acknowledged_at).where(Incident.public_id == public_id)
    )
    assert acknowledged is not None

    # The link is spent: opening it again says so and changes nothing.
    phone.goto(link)
    assert "already acknowledged" in phone.get_by_test_id("form-error").inner_text()
    assert _read(
        db, sa.select(Incident.acknowledged_at).where(Incident.public_id == public_id)
    ) == (acknowledged)

    # Mona follows it up, resolves it and writes the review; the status page names nobody.
    desk = open_page(chromium, app, live_server.url, lead)
    desk.goto(f"/incidents/{public_id}")
    follow_up_resolve_and_review(desk)
    visitor = open_page(chromium, app, live_server.url)
    visitor.goto("/status")
    assert visitor.get_by_test_id("status-incident").count() == 1
    assert incident.title in visitor.locator("body").inner_text()
    assert not re.search(r"\b(mona|ada|eli)\b", visitor.content(), re.IGNORECASE)
    shots(visitor, "flow-status-after-review-desktop-light")
