"""An incident's lead: an active manager or admin set by whoever triages it; the lead reads,
triages and moves the incidents they lead (api/incidents/rules.py, incident.lead in GRANTS)."""

from __future__ import annotations

import pytest

from api.extensions import db
from api.incidents.models import Incident, IncidentStatus, Visibility
from tests.incidents import factories
from tests.incidents.helpers import activity_rows, snapshot
from tests.web.conftest import WebClient


def _path(incident: Incident) -> str:
    return f"/api/v1/incidents/{incident.public_id}"


@pytest.mark.parametrize("setter", ["manager", "admin", "assignee"])
@pytest.mark.parametrize("lead_role", ["manager", "admin"])
def test_whoever_triages_sets_a_manager_or_admin_as_lead(client, cast, make, setter, lead_role):
    lead = make.user(role=lead_role, username=f"lead-{lead_role}")
    incident = factories.incident(reporter=cast["reporter"], assignee=cast["assignee"])

    response = client.patch(
        _path(incident), json={"lead_id": lead.id}, headers=cast.headers[setter]
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["lead"] == {"id": lead.id, "username": lead.username}
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).lead_id == lead.id
    row = activity_rows(incident)[-1]
    assert (row.action, row.changes) == ("lead_changed", {"lead_id": [None, lead.id]})
    assert client.get(_path(incident), headers=cast.headers[setter]).get_json()["lead"]["id"] == (
        lead.id
    )


@pytest.mark.parametrize(
    ("who", "status"), [("employee", "active"), ("manager", "disabled"), ("manager", "pending")]
)
def test_an_employee_or_an_inactive_account_cannot_lead(client, cast, make, who, status):
    person = make.user(role=who, status=status)
    incident = factories.incident(reporter=cast["reporter"])
    before = snapshot()

    response = client.patch(
        _path(incident), json={"lead_id": person.id}, headers=cast.headers["manager"]
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"]["json"]["lead_id"] == ["Choose an active manager or admin as the lead."]
    assert snapshot() == before


@pytest.mark.parametrize("value", ["soon", 0, -3, 1.5, [1], 2**64])
def test_a_lead_that_is_not_a_person_id_is_a_clear_422(client, cast, value):
    incident = factories.incident(reporter=cast["reporter"])
    before = snapshot()

    response = client.patch(_path(incident), json={"lead_id": value}, headers=cast.headers["admin"])

    assert response.status_code == 422
    assert "lead_id" in response.get_json()["errors"]["json"]
    assert snapshot() == before


@pytest.mark.parametrize("caller", ["reporter", "bystander"])
def test_who_does_not_triage_may_not_set_the_lead(client, cast, caller):
    incident = factories.incident(reporter=cast["reporter"])
    before = snapshot()

    response = client.patch(
        _path(incident), json={"lead_id": cast["manager"].id}, headers=cast.headers[caller]
    )

    assert response.status_code == 403
    assert "lead_id" in response.get_json()["message"]
    assert snapshot() == before


def test_clearing_the_lead(client, cast):
    incident = factories.incident(reporter=cast["reporter"], lead=cast["manager"])

    response = client.patch(_path(incident), json={"lead_id": None}, headers=cast.headers["admin"])

    assert response.status_code == 200 and response.get_json()["lead"] is None
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).lead_id is None


def test_the_lead_sees_triages_and_moves_a_restricted_incident(client, cast, make, auth):
    """A lead whose role later became employee keeps what the object rule grants the lead."""
    lead = make.user(role="employee", username="former-manager")
    incident = factories.incident(
        reporter=cast["reporter"], visibility=Visibility.RESTRICTED, lead=lead
    )
    lead_headers = auth.headers(lead)

    assert client.get(_path(incident), headers=cast.headers["bystander"]).status_code == 404
    assert client.get(_path(incident), headers=lead_headers).status_code == 200
    moved = client.patch(
        _path(incident),
        json={"severity": "critical", "status": "investigating"},
        headers=lead_headers,
    )
    assert moved.status_code == 200, moved.get_json()
    db.session.expire_all()
    row = db.session.get(Incident, incident.id)
    assert (row.severity.value, row.status) == ("critical", IncidentStatus.INVESTIGATING)
    assert row.acknowledged_at is not None


def test_the_list_filters_by_lead(client, cast):
    led = factories.incident(reporter=cast["reporter"], lead=cast["manager"])
    factories.incident(reporter=cast["reporter"], lead=cast["admin"])
    factories.incident(reporter=cast["reporter"])

    response = client.get(
        f"/api/v1/incidents?lead={cast['manager'].id}", headers=cast.headers["admin"]
    )

    assert response.status_code == 200
    assert [i["public_id"] for i in response.get_json()["items"]] == [led.public_id]
    for value in ("someone", "0", str(2**64)):
        bad = client.get(f"/api/v1/incidents?lead={value}", headers=cast.headers["admin"])
        assert bad.status_code == 422 and "lead" in bad.get_json()["errors"]["query"]


def test_the_page_offers_the_eligible_leads_and_shows_the_lead(app, cast, make):
    make.user(role="employee", username="not-a-lead")
    incident = factories.incident(reporter=cast["reporter"])
    web = WebClient(app).sign_in(cast["manager"])

    page = web.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    select = page.split('id="lead_id"', 1)[1].split("</select>", 1)[0]
    assert "manager (manager)" in select and "admin (admin)" in select
    assert "not-a-lead" not in select and "bystander" not in select

    saved = web.post(f"/incidents/{incident.public_id}/update", {"lead_id": str(cast["admin"].id)})
    assert saved.status_code == 302
    shown = web.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert 'data-testid="incident-lead">admin<' in shown
    assert "changed the lead" in shown


def test_the_list_page_filters_to_the_incidents_one_leads(app, cast):
    mine = factories.incident(reporter=cast["reporter"], title="Led by the manager")
    factories.incident(reporter=cast["reporter"], title="Led by the admin", lead=cast["admin"])
    mine.lead = cast["manager"]
    db.session.commit()
    web = WebClient(app).sign_in(cast["manager"])

    page = web.get(f"/incidents?scope=all&lead={cast['manager'].id}").get_data(as_text=True)

    assert "Led by the manager" in page and "Led by the admin" not in page
    assert "Lead: manager" in page
    assert 'id="lead" name="lead"' in page
    assert web.get(f"/incidents?lead={2**64}").status_code == 200  # the filter is set aside
    employee_page = WebClient(app).sign_in(cast["bystander"]).get("/incidents")
    assert 'id="lead" name="lead"' not in employee_page.get_data(as_text=True)
