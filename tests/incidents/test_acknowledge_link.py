"""The acknowledge link of the incident emails (api/incidents/links.py): it names its recipient,
acknowledges only as them after they confirm (a GET changes nothing), works once, and expires."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
import time_machine

from api.activity.models import Activity
from api.db import utcnow
from api.extensions import db
from api.incidents import links
from api.incidents.models import Incident, IncidentStatus
from api.notifications.models import EmailKind
from tests.incidents import factories
from tests.incidents.helpers import snapshot
from tests.notifications.conftest import outbox_rows
from tests.web.conftest import WebClient

LINK = re.compile(r"https?://\S+/incidents/([0-9a-f-]{36})/acknowledge\?token=(\S+)")


@pytest.fixture
def reported(client, cast):
    """An incident reported through the API: the alert emails of managers and admins."""
    response = client.post(
        "/api/v1/incidents",
        json={"title": "Checkout returns 502", "severity": "critical"},
        headers=cast.headers["reporter"],
    )
    assert response.status_code == 201
    return db.session.scalar(
        sa.select(Incident).where(Incident.public_id == response.get_json()["public_id"])
    )


def _link_of(person) -> tuple[str, str]:
    """(path with query, token) of the acknowledge link in `person`'s alert email."""
    [row] = [r for r in outbox_rows(kind=EmailKind.INCIDENT_ALERT) if r.user_id == person.id]
    match = LINK.search(row.body_text)
    assert match, row.body_text
    assert match.group(0) in row.body_html.replace("&amp;", "&")
    url = urlparse(match.group(0))
    return f"{url.path}?{url.query}", parse_qs(url.query)["token"][0]


def _state(incident) -> tuple:
    db.session.expire_all()
    row = db.session.get(Incident, incident.id)
    return row.status, row.acknowledged_at, row.version


def test_only_those_who_may_acknowledge_get_a_link(reported, cast):
    for name in ("manager", "admin"):
        assert _link_of(cast[name])
    [receipt] = outbox_rows(kind=EmailKind.INCIDENT_REPORTED)
    assert "/acknowledge" not in receipt.body_text


def test_the_recipient_confirms_once_and_the_link_is_spent(app, reported, cast):
    path, token = _link_of(cast["manager"])
    web = WebClient(app).sign_in(cast["manager"])
    before = _state(reported)

    page = web.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This link was sent to <strong>manager</strong>" in text
    assert "Acknowledge as manager" in text and "Checkout returns 502" in text
    assert _state(reported) == before  # opening the link changed nothing

    done = web.post(f"/incidents/{reported.public_id}/acknowledge", {"token": token})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/incidents/{reported.public_id}")
    status, acknowledged_at, _version = _state(reported)
    assert status == IncidentStatus.INVESTIGATING and acknowledged_at is not None
    last = db.session.scalars(sa.select(Activity).order_by(Activity.id.desc())).first()
    assert (last.action, last.actor_id) == ("status_changed", cast["manager"].id)
    assert last.changes["status"] == ["reported", "investigating"]
    # the same email as the "Start investigating" button: the reporter hears of the move
    assert [r.user_id for r in outbox_rows(kind=EmailKind.INCIDENT_STATUS)] == [cast["reporter"].id]

    after = _state(reported)
    again = web.post(f"/incidents/{reported.public_id}/acknowledge", {"token": token})
    assert again.status_code == 409
    assert "already acknowledged" in again.get_data(as_text=True)
    assert web.get(path).status_code == 409
    assert _state(reported) == after
    # every other link of the incident is spent too
    admin_path, _ = _link_of(cast["admin"])
    assert WebClient(app).sign_in(cast["admin"]).get(admin_path).status_code == 409


def test_the_link_expires(app, reported, cast):
    path, token = _link_of(cast["manager"])
    web = WebClient(app).sign_in(cast["manager"])
    ttl = app.config["INCIDENT_ACK_LINK_TTL"]
    before = snapshot()

    with time_machine.travel(utcnow() + timedelta(seconds=ttl + 5), tick=False):
        web = WebClient(app).sign_in(cast["manager"])
        page = web.get(path)
        refused = web.post(f"/incidents/{reported.public_id}/acknowledge", {"token": token})

    assert page.status_code == 422 and "has expired" in page.get_data(as_text=True)
    assert refused.status_code == 422
    assert snapshot() == before


def test_someone_else_signed_in_is_refused_and_told_whose_link_it_is(app, reported, cast):
    path, token = _link_of(cast["manager"])
    web = WebClient(app).sign_in(cast["admin"])
    before = snapshot()

    page = web.get(path)
    refused = web.post(f"/incidents/{reported.public_id}/acknowledge", {"token": token})

    assert page.status_code == 403 and refused.status_code == 403
    text = page.get_data(as_text=True)
    assert "This link was sent to manager: sign in as manager" in text
    assert "Sign out" in text
    assert snapshot() == before


def test_signed_out_the_link_asks_to_sign_in_and_comes_back(app, reported, cast):
    path, _token = _link_of(cast["manager"])

    page = WebClient(app).get(path)

    assert page.status_code == 302
    location = page.headers["Location"]
    assert "/sign-in" in location
    assert parse_qs(urlparse(location).query)["next"] == [path]


@pytest.mark.parametrize("token", ["", "forged", "x" * 600, "another incident's"])
def test_a_broken_or_foreign_token_is_a_clear_422(app, client, reported, cast, token):
    if token == "another incident's":
        other = factories.incident(reporter=cast["reporter"])
        token = links.make_token(other.public_id, cast["manager"].id)
    before = snapshot()

    response = client.post(
        f"/api/v1/incidents/{reported.public_id}/acknowledge",
        json={"token": token},
        headers=cast.headers["manager"],
    )
    page = (
        WebClient(app)
        .sign_in(cast["manager"])
        .get(f"/incidents/{reported.public_id}/acknowledge?token={token}")
    )

    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["token"]
    assert page.status_code == 422
    assert snapshot() == before


def test_the_json_route_acknowledges_once_as_the_recipient(client, reported, cast):
    _path, token = _link_of(cast["admin"])
    url = f"/api/v1/incidents/{reported.public_id}/acknowledge"

    other = client.post(url, json={"token": token}, headers=cast.headers["manager"])
    assert other.status_code == 403 and "sent to admin" in other.get_json()["message"]
    missing = client.post(url, json={}, headers=cast.headers["admin"])
    assert missing.status_code == 422 and "token" in missing.get_json()["errors"]["json"]

    done = client.post(url, json={"token": token}, headers=cast.headers["admin"])
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "investigating" and body["acknowledged_at"]
    assert done.headers["ETag"] == Incident.etag_of(reported.public_id, body["version"])

    again = client.post(url, json={"token": token}, headers=cast.headers["admin"])
    assert again.status_code == 409


def test_a_recipient_who_may_no_longer_move_it_is_refused(client, reported, cast):
    _path, token = _link_of(cast["manager"])
    cast["manager"].role = "employee"  # demoted after the email went out
    db.session.commit()
    before = snapshot()

    response = client.post(
        f"/api/v1/incidents/{reported.public_id}/acknowledge",
        json={"token": token},
        headers=cast.headers["manager"],
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_an_escalation_email_carries_a_working_link(app, cast):
    from api.incidents.jobs import run_escalations
    from tests.incidents.test_escalation import CountingBackend

    incident = factories.incident(
        reporter=cast["reporter"], severity="high", reported_at=utcnow() - timedelta(minutes=20)
    )
    assert run_escalations(backend=CountingBackend()).escalated == 1
    [row] = outbox_rows(kind=EmailKind.INCIDENT_ESCALATED)
    assert row.user_id == cast["manager"].id
    token = parse_qs(urlparse(LINK.search(row.body_text).group(0)).query)["token"][0]

    web = WebClient(app).sign_in(cast["manager"])
    assert web.post(
        f"/incidents/{incident.public_id}/acknowledge", {"token": token}
    ).status_code == (302)
    assert _state(incident)[0] == IncidentStatus.INVESTIGATING
