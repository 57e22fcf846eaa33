"""GET /incidents: scopes, filters, sort, pagination, and statement counts that stay constant."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.db import utcnow
from api.incidents.models import IncidentStatus, Severity, Visibility
from tests.incidents import factories

URL = "/api/v1/incidents"


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["title"] for item in response.json["items"]]


@pytest.fixture
def world(cast):
    """Incidents spread over reporters, visibility, status, severity and time (newest last)."""
    now = utcnow()
    spec = [
        # title, reporter, assignee, visibility, status, severity, days ago
        ("Mine public", "reporter", None, "public", "reported", "low", 10),
        ("Mine restricted", "reporter", None, "restricted", "investigating", "high", 8),
        ("Assigned to me", "bystander", "reporter", "restricted", "investigating", "critical", 6),
        ("Others public", "bystander", None, "public", "resolved", "medium", 4),
        ("Others restricted", "bystander", None, "restricted", "reported", "critical", 2),
        ("Manager public", "manager", "assignee", "public", "reported", "high", 1),
    ]
    made = {}
    for title, reporter, assignee, visibility, status, severity, days in spec:
        made[title] = factories.incident(
            title=title,
            description=f"About {title.lower()} 100%_done",
            reporter=cast[reporter],
            assignee=cast[assignee] if assignee else None,
            visibility=visibility,
            status=status,
            severity=severity,
            reported_at=now - timedelta(days=days),
        )
    return made


def test_scopes_for_an_employee(client, cast, world):
    h = cast.headers["reporter"]
    assert _titles(client.get(URL, headers=h)) == [
        "Manager public",
        "Others public",
        "Assigned to me",
        "Mine restricted",
        "Mine public",
    ]
    assert _titles(client.get(f"{URL}?scope=mine", headers=h)) == [
        "Assigned to me",
        "Mine restricted",
        "Mine public",
    ]
    assert _titles(client.get(f"{URL}?scope=public", headers=h)) == [
        "Manager public",
        "Others public",
    ]
    r = client.get(f"{URL}?scope=all", headers=h)
    assert r.status_code == 403
    assert r.json["message"] == "Only managers and admins may list all incidents."


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_scopes_for_staff(client, cast, world, role):
    h = cast.headers[role]
    everything = _titles(client.get(f"{URL}?scope=all", headers=h))
    assert len(everything) == 6
    assert _titles(client.get(URL, headers=h)) == everything
    mine = ["Manager public"] if role == "manager" else []
    assert _titles(client.get(f"{URL}?scope=mine", headers=h)) == mine
    public = _titles(client.get(f"{URL}?scope=public", headers=h))
    assert public == [t for t in everything if t not in mine]
    assert "Others restricted" in public  # others' incidents the caller may see


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=reported", ["Others restricted", "Manager public", "Mine public"]),
        (
            "status=reported&status=resolved",
            ["Others restricted", "Manager public", "Others public", "Mine public"],
        ),
        ("severity=critical", ["Others restricted", "Assigned to me"]),
        ("severity=low&severity=medium", ["Others public", "Mine public"]),
        ("visibility=restricted", ["Others restricted", "Assigned to me", "Mine restricted"]),
        ("q=ASSIGNED", ["Assigned to me"]),
        (
            "q=100%25_",
            [
                "Manager public",
                "Others restricted",
                "Others public",
                "Assigned to me",
                "Mine restricted",
                "Mine public",
            ],
        ),
        ("q=10%25x", []),
        ("q=restricted&status=reported", ["Others restricted"]),
        (
            "sort=reported",
            [
                "Mine public",
                "Mine restricted",
                "Assigned to me",
                "Others public",
                "Others restricted",
                "Manager public",
            ],
        ),
        ("sort=-severity&status=reported", ["Others restricted", "Manager public", "Mine public"]),
        ("sort=severity&visibility=public", ["Mine public", "Others public", "Manager public"]),
    ],
)
def test_filters_and_sort(client, cast, world, query, expected):
    titles = _titles(client.get(f"{URL}?{query}", headers=cast.headers["admin"]))
    if "sort" in query:
        assert titles == expected
    else:
        assert sorted(titles) == sorted(expected)


def test_reported_date_range(client, cast, world):
    now = utcnow()
    start = (now - timedelta(days=7)).isoformat()
    end = (now - timedelta(days=3)).isoformat()
    r = client.get(
        URL,
        query_string={"reported_from": start, "reported_to": end},
        headers=cast.headers["manager"],
    )
    assert _titles(r) == ["Others public", "Assigned to me"]
    r = client.get(URL, query_string={"reported_from": end}, headers=cast.headers["bystander"])
    assert _titles(r) == ["Manager public", "Others restricted"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"scope": "everyone"}, "scope"),
        ({"status": "closed"}, "status"),
        ({"severity": "huge"}, "severity"),
        ({"visibility": "hidden"}, "visibility"),
        ({"reported_from": "yesterday"}, "reported_from"),
        ({"reported_from": "2026-01-01T00:00:00"}, "reported_from"),  # no offset
        ({"sort": "title"}, "sort"),
        ({"q": ""}, "q"),
        ({"page": 0}, "page"),
        ({"page_size": 101}, "page_size"),
        (
            {
                "reported_from": "2026-02-01T00:00:00+00:00",
                "reported_to": "2026-01-01T00:00:00+00:00",
            },
            "reported_to",
        ),
    ],
)
def test_bad_queries(client, cast, query, field):
    r = client.get(URL, query_string=query, headers=cast.headers["manager"])
    assert r.status_code == 422
    assert list(r.json["errors"]["query"]) == [field]


def test_pagination(client, cast, world):
    h = cast.headers["admin"]
    r = client.get(f"{URL}?sort=reported&page=2&page_size=4", headers=h)
    assert _titles(r) == ["Others restricted", "Manager public"]
    assert (r.json["page"], r.json["page_size"], r.json["total"], r.json["pages"]) == (2, 4, 6, 2)
    r = client.get(f"{URL}?page=3&page_size=4", headers=h)
    assert r.json["items"] == [] and r.json["total"] == 6


def _statements(count_queries, client, url, headers) -> int:
    with count_queries() as counter:
        r = client.get(url, headers=headers)
    assert r.status_code == 200, r.json
    return counter.count


@pytest.mark.parametrize("viewer", ["reporter", "manager"])
def test_statement_counts_stay_constant_as_responses_grow(client, cast, count_queries, viewer):
    """List: the token check + the page (with its total). Responses: + visibility check."""
    incidents = [
        factories.incident(
            reporter=cast["reporter"], assignee=cast["assignee"], visibility=Visibility.RESTRICTED
        )
        for _ in range(3)
    ]
    h = cast.headers[viewer]
    target = incidents[0].public_id
    urls = {
        "list": f"{URL}?page_size=2",
        "responses": f"{URL}/{target}/responses?page_size=1",
        "activity": f"{URL}/{target}/activity",
        "read": f"{URL}/{target}",
    }
    expected = {"list": 2, "responses": 3, "activity": 3, "read": 2}

    def respond_everywhere(n: int) -> None:
        for incident in incidents:
            for i in range(n):
                r = client.post(
                    f"{URL}/{incident.public_id}/responses",
                    json={"body": f"update {i}"},
                    headers=cast.headers["assignee"],
                )
                assert r.status_code == 201

    respond_everywhere(1)
    small = {name: _statements(count_queries, client, url, h) for name, url in urls.items()}
    respond_everywhere(6)
    large = {name: _statements(count_queries, client, url, h) for name, url in urls.items()}

    assert small == large == expected
    r = client.get(urls["list"], headers=h)
    assert [i["response_count"] for i in r.json["items"]] == [7, 7]
    assert r.json["items"][0]["reporter"]["username"] == "reporter"
    assert r.json["items"][0]["assignee"]["username"] == "assignee"
    assert len(client.get(urls["activity"], headers=h).json) == 7


def test_statuses_and_severities_round_trip(client, cast):
    for status in IncidentStatus:
        for severity in Severity:
            factories.incident(reporter=cast["reporter"], status=status, severity=severity)
    r = client.get(f"{URL}?page_size=100", headers=cast.headers["bystander"])
    pairs = {(i["status"], i["severity"]) for i in r.json["items"]}
    assert pairs == {(s.value, v.value) for s in IncidentStatus for v in Severity}


def test_incident_outlives_its_reporter(client, cast, db):
    """Deleting the reporter leaves the incident with no reporter, still listed as others'."""
    incident = factories.incident(reporter=cast["bystander"], assignee=None)
    db.session.delete(cast["bystander"])
    db.session.commit()
    db.session.expire_all()  # requests share this test's session; a real request starts afresh

    r = client.get(f"{URL}?scope=public", headers=cast.headers["reporter"])
    assert [i["public_id"] for i in r.json["items"]] == [incident.public_id]
    assert r.json["items"][0]["reporter"] is None
    r = client.get(f"{URL}?scope=mine", headers=cast.headers["reporter"])
    assert r.json["items"] == []
