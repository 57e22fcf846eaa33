"""Incidents through the Lambda HTTP handler: report, respond, list and move, as AWS events."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from api.activity.models import Activity, EntityType
from api.extensions import db
from api.incidents.models import Incident, IncidentResponse, IncidentStatus, Visibility
from tests.handlers.events import header_values, invoke, json_body, make_event

KINDS = ["http_api_v2", "apigw_v1", "alb", "function_url"]


def _rows(model, order):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model).order_by(order)))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("base64", [False, True], ids=["text", "base64"])
def test_report_and_respond(auth, kind, base64):
    reporter, reporter_h = auth.as_role("employee")
    manager, manager_h = auth.as_role("manager")

    r = invoke(
        make_event(
            kind,
            "POST",
            "/api/v1/incidents",
            headers=reporter_h,
            body={"title": "Wi-Fi down on floor 2", "severity": "high", "visibility": "restricted"},
            base64=base64,
        )
    )

    assert r["statusCode"] == 201, json_body(r)
    report = json_body(r)
    public_id = report["public_id"]
    assert str(uuid.UUID(public_id)) == public_id
    assert header_values(r, "Location") == [f"/api/v1/incidents/{public_id}"]
    assert header_values(r, "ETag") == [f'"incident-{public_id}-v1"']
    assert report["reporter"] == {"id": reporter.id, "username": reporter.username}
    assert (report["status"], report["severity"], report["visibility"]) == (
        "reported",
        "high",
        "restricted",
    )
    [incident] = _rows(Incident, Incident.id)
    assert incident.public_id == public_id and incident.reporter_id == reporter.id
    assert incident.visibility == Visibility.RESTRICTED

    r = invoke(
        make_event(
            kind,
            "POST",
            f"/api/v1/incidents/{public_id}/responses",
            headers=manager_h,
            body={"body": "Access point rebooted; checking the switch."},
            base64=base64,
        )
    )

    assert r["statusCode"] == 201, json_body(r)
    assert json_body(r)["author"] == {"id": manager.id, "username": manager.username}
    [response] = _rows(IncidentResponse, IncidentResponse.id)
    assert (response.incident_id, response.author_id, response.body) == (
        incident.id,
        manager.id,
        "Access point rebooted; checking the switch.",
    )
    actions = [
        (a.action, a.actor_id)
        for a in _rows(Activity, Activity.id)
        if a.entity_type == EntityType.INCIDENT
    ]
    assert actions == [("reported", reporter.id), ("responded", manager.id)]

    r = invoke(
        make_event(kind, "GET", f"/api/v1/incidents/{public_id}/responses", headers=reporter_h)
    )
    assert r["statusCode"] == 200
    assert [x["body"] for x in json_body(r)["items"]] == [response.body]


@pytest.mark.parametrize("kind", ["http_api_v2", "apigw_v1"])
def test_list_with_repeated_query_keys_and_if_match(auth, kind):
    reporter, reporter_h = auth.as_role("employee")
    _, manager_h = auth.as_role("manager")
    ids = []
    for title, severity in [("Disk full", "critical"), ("Fan noise", "low"), ("Slow VPN", "high")]:
        r = invoke(
            make_event(
                kind,
                "POST",
                "/api/v1/incidents",
                headers=reporter_h,
                body={"title": title, "severity": severity},
            )
        )
        ids.append(json_body(r)["public_id"])

    r = invoke(
        make_event(
            kind,
            "GET",
            "/api/v1/incidents",
            headers=manager_h,
            query=[("severity", "critical"), ("severity", "high"), ("sort", "-severity")],
        )
    )
    assert r["statusCode"] == 200
    assert [i["title"] for i in json_body(r)["items"]] == ["Disk full", "Slow VPN"]

    stale = f'"incident-{ids[0]}-v0"'
    r = invoke(
        make_event(
            kind,
            "PATCH",
            f"/api/v1/incidents/{ids[0]}",
            headers={**manager_h, "If-Match": stale},
            body={"status": "investigating"},
        )
    )
    assert r["statusCode"] == 412
    assert json_body(r)["code"] == 412

    r = invoke(
        make_event(
            kind,
            "PATCH",
            f"/api/v1/incidents/{ids[0]}",
            headers={**manager_h, "If-Match": f'"incident-{ids[0]}-v1"'},
            body={"status": "investigating"},
        )
    )
    assert r["statusCode"] == 200
    assert header_values(r, "ETag") == [f'"incident-{ids[0]}-v2"']
    incident = _rows(Incident, Incident.id)[0]
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.acknowledged_at is not None


@pytest.mark.parametrize("kind", ["http_api_v2", "apigw_v1"])
def test_refused_writes_through_the_gateway(auth, kind):
    _, headers = auth.as_role("employee")

    r = invoke(make_event(kind, "POST", "/api/v1/incidents", headers=headers, body={"title": ""}))
    assert r["statusCode"] == 422
    assert list(json_body(r)["errors"]["json"]) == ["title"]

    r = invoke(
        make_event(
            kind,
            "POST",
            "/api/v1/incidents/not-a-uuid/responses",
            headers=headers,
            body={"body": "Hello"},
        )
    )
    assert r["statusCode"] == 422
    assert json_body(r)["errors"] == {"path": {"public_id": ["That is not an incident id."]}}

    r = invoke(make_event(kind, "POST", "/api/v1/incidents", body={"title": "Anonymous"}))
    assert r["statusCode"] == 401
    assert _rows(Incident, Incident.id) == []
    assert _rows(IncidentResponse, IncidentResponse.id) == []
