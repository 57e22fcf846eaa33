"""Issue 12 item 5: managers see new incidents. `queries.needs_triage` counts the open incidents
nobody acknowledged or holds, for the holders of incident.triage on every incident; /incidents
opens on the triage view for them, most severe and newest first; the dashboard shows the card."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.db import utcnow
from api.errors import Forbidden
from api.incidents import queries
from tests.incidents import factories
from tests.web.conftest import WebClient


@pytest.fixture
def waiting(make):
    """Open incidents in every triage state, plus a resolved one that never counts."""
    reporter = make.user(role="employee", username="rita")
    holder = make.user(role="employee", username="hal")
    now = utcnow()

    def made(title, days, **fields):
        return factories.incident(
            title=title, reporter=reporter, reported_at=now - timedelta(days=days), **fields
        )

    return {
        "reporter": reporter,
        "holder": holder,
        "old critical": made("Old critical", 5, severity="critical"),
        "new critical": made("New critical", 1, severity="critical", visibility="restricted"),
        "new low": made("New low", 0, severity="low"),
        "held": made("Held but unacknowledged", 2, severity="high", assignee=holder),
        "unheld": made("Investigating, nobody holds", 3, status="investigating"),
        "in hand": made("In hand", 1, status="investigating", assignee=holder),
        "done": made("Resolved", 1, status="resolved"),
    }


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_needs_triage_counts_for_staff(make, waiting, role):
    found = queries.needs_triage(actor=make.user(role=role), limit=10)
    assert found["unacknowledged"] == 4  # old/new critical, new low, held
    assert found["unassigned"] == 4  # old/new critical, new low, unheld
    assert found["total"] == 5
    assert [i.title for i in found["items"]] == [
        "New critical",  # most severe first, and within a severity the newest first
        "Old critical",
        "Held but unacknowledged",
        "Investigating, nobody holds",
        "New low",
    ]
    assert len(queries.needs_triage(actor=make.user(role=role), limit=2)["items"]) == 2


def test_needs_triage_is_refused_to_employees(waiting):
    with pytest.raises(Forbidden):
        queries.needs_triage(actor=waiting["holder"])


def test_incidents_open_on_triage_for_a_manager(app, make, waiting):
    browser = WebClient(app).sign_in(make.user(role="manager"))
    body = browser.get("/incidents").get_data(as_text=True)
    assert 'aria-current="page"' in body and "To triage" in body
    order = [body.index(t) for t in ("New critical", "Old critical", "In hand", "New low")]
    assert order == sorted(order)
    assert "Resolved" not in body.split("<tbody>")[1]
    # the applied status filter shows: open statuses ticked
    assert 'value="reported" autocomplete="off" checked' in body
    assert 'value="investigating" autocomplete="off" checked' in body
    assert 'value="resolved" autocomplete="off" >' in body


def test_incidents_open_on_mine_for_an_employee(app, waiting):
    body = WebClient(app).sign_in(waiting["holder"]).get("/incidents").get_data(as_text=True)
    assert "To triage" not in body
    assert "Held but unacknowledged" in body and "New low" not in body  # theirs only


def test_dashboard_needs_triage_card(app, make, waiting):
    browser = WebClient(app).sign_in(make.user(role="manager"))
    body = browser.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="needs-triage"' in body
    assert 'data-testid="triage-unacknowledged">4<' in body
    assert 'data-testid="triage-unassigned">4<' in body
    assert "New critical" in body
    employee = WebClient(app).sign_in(waiting["holder"]).get("/dashboard")
    assert 'data-testid="needs-triage"' not in employee.get_data(as_text=True)
