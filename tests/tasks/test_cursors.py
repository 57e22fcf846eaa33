"""Keyset pages of the task list: cursors for every sort both ways, forged cursors, the page
cap, capped totals (api/listing.py); on MariaDB and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from api import listing
from api.tasks.filters import SORTS
from api.tasks.models import PRIORITY_RANK, Priority

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
URL = "/api/v1/tasks"


@pytest.fixture
def manager_h(auth):
    return auth.as_role("manager")[1]


@pytest.fixture
def tasks(make):
    """Nine tasks: two created at the same instant, deadlines missing or shared, all priorities."""
    spec = [
        (0, Priority.HIGH, 3),
        (1, Priority.LOW, None),
        (1, Priority.URGENT, 1),  # same created_at as the one before
        (2, Priority.NORMAL, 3),  # same deadline as the first
        (3, Priority.LOW, 2),
        (4, Priority.URGENT, None),
        (5, Priority.NORMAL, 5),
        (6, Priority.HIGH, None),
        (7, Priority.LOW, 1),
    ]
    made = []
    for minutes, priority, days in spec:
        with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
            deadline = None if days is None else NOW + timedelta(days=days)
            made.append(make.task(priority=priority, deadline=deadline))
    return made


def _expected(tasks, sort: str) -> list[int]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "created":
        rows = sorted(tasks, key=lambda t: (t.created_at, t.id), reverse=descending)
    elif key == "priority":
        rows = sorted(tasks, key=lambda t: (PRIORITY_RANK[t.priority], t.id), reverse=descending)
    else:
        dated = sorted(
            (t for t in tasks if t.deadline), key=lambda t: (t.deadline, t.id), reverse=descending
        )
        undated = sorted(
            (t for t in tasks if not t.deadline), key=lambda t: t.id, reverse=descending
        )
        rows = dated + undated  # no deadline last, both ways
    return [t.id for t in rows]


def _get(client, headers, **query):
    response = client.get(URL, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("sort", [s for s in SORTS if s != "relevance"])
def test_cursors_walk_every_sort_forward_and_back(client, manager_h, tasks, sort):
    expected = _expected(tasks, sort)
    assert [t["id"] for t in _get(client, manager_h, sort=sort, page_size=100)["items"]] == expected
    pages, body = [], _get(client, manager_h, sort=sort, page_size=2)
    assert body["prev"] is None
    while True:
        pages.append([t["id"] for t in body["items"]])
        if body["next"] is None:
            break
        body = _get(client, manager_h, sort=sort, page_size=2, cursor=body["next"])
    assert [i for p in pages for i in p] == expected
    assert [len(p) for p in pages] == [2, 2, 2, 2, 1]
    back = []
    while body["prev"] is not None:
        body = _get(client, manager_h, sort=sort, page_size=2, cursor=body["prev"])
        back.insert(0, [t["id"] for t in body["items"]])
    walked = [i for p in back for i in p]
    assert walked == expected[: len(walked)]
    assert back[0] == expected[:2]
    assert body["total"] == 9 and body["total_is_lower_bound"] is False


def test_page_numbers_give_cursors_too(client, manager_h, tasks):
    second = _get(client, manager_h, page=2, page_size=3)
    assert second["prev"] and second["next"]
    before = _get(client, manager_h, page_size=3, cursor=second["prev"])
    assert before["items"] == _get(client, manager_h, page=1, page_size=3)["items"]
    after = _get(client, manager_h, page_size=3, cursor=second["next"])
    assert after["items"] == _get(client, manager_h, page=3, page_size=3)["items"]


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "eyJhIjoxfQ", "W10.bad-signature", "x" * 900],
)
def test_a_forged_or_garbled_cursor_answers_422_naming_cursor(client, manager_h, tasks, cursor):
    response = client.get(URL, query_string={"cursor": cursor}, headers=manager_h)
    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]["query"]


def test_a_cursor_signed_with_another_secret_or_for_another_sort_is_refused(
    app, client, manager_h, tasks
):
    body = _get(client, manager_h, page_size=2, sort="deadline")
    response = client.get(URL, query_string={"cursor": body["next"]}, headers=manager_h)
    assert response.status_code == 422  # made for sort=deadline, used with the default sort
    assert "another sort" in response.get_json()["errors"]["query"]["cursor"][0]
    with app.test_request_context():
        app.config["SECRET_KEY"], saved = "another-secret-" + "x" * 40, app.config["SECRET_KEY"]
        try:
            forged = listing.encode_cursor(listing.Position("-created", 0, NOW, 1, listing.AFTER))
        finally:
            app.config["SECRET_KEY"] = saved
    response = client.get(URL, query_string={"cursor": forged}, headers=manager_h)
    assert response.status_code == 422


def test_page_numbers_stop_at_the_offset_cap_and_point_at_cursors(client, manager_h, tasks):
    deepest = listing.MAX_OFFSET // 100 + 1
    assert _get(client, manager_h, page=deepest, page_size=100)["items"] == []
    response = client.get(
        URL, query_string={"page": deepest + 1, "page_size": 100}, headers=manager_h
    )
    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]["query"]["page"][0]


def test_total_is_capped_and_flagged_beyond_the_cap(client, manager_h, tasks, monkeypatch):
    monkeypatch.setattr(listing, "TOTAL_CAP", 5)
    body = _get(client, manager_h, page_size=2)
    assert (body["total"], body["total_is_lower_bound"], body["pages"]) == (5, True, 3)
    exact = _get(client, manager_h, page_size=2, priority="low")
    assert (exact["total"], exact["total_is_lower_bound"]) == (3, False)
    empty = _get(client, manager_h, page=4, page_size=3)  # past the end: counted apart
    assert (empty["total"], empty["total_is_lower_bound"], empty["items"]) == (5, True, [])


@pytest.mark.parametrize("sort", ["-reported", "reported", "-severity", "severity", "-updated"])
def test_incident_lists_page_with_cursors(client, auth, make, sort):
    from tests.incidents.factories import incident

    reporter = make.user()
    for n, severity in enumerate(["low", "critical", "medium", "critical", "high"]):
        incident(reporter=reporter, severity=severity, reported_at=NOW + timedelta(minutes=n // 2))
    h = auth.as_role("manager")[1]
    url = "/api/v1/incidents"
    everything = client.get(url, query_string={"sort": sort}, headers=h).get_json()
    seen, body = (
        [],
        client.get(url, query_string={"sort": sort, "page_size": 2}, headers=h).get_json(),
    )
    while True:
        seen += [i["public_id"] for i in body["items"]]
        if not body["next"]:
            break
        body = client.get(
            url, query_string={"sort": sort, "page_size": 2, "cursor": body["next"]}, headers=h
        ).get_json()
    assert seen == [i["public_id"] for i in everything["items"]]
    assert len(seen) == 5
    bad = client.get(url, query_string={"cursor": "nope"}, headers=h)
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]["query"]
